"""PNG export retries kaleido's transient browser failures, and says so when they persist.

Class of defect: a report or a documented command failing on a busy machine because
kaleido evaluated before its page had loaded ("kaleido_scopes is not defined", seen twice
under load), while a fresh browser renders the same figure.
"""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from ffcast.errors import FFCastError
from ffcast.plots import export


def _flaky(failures: int, calls: list[int]):
    def to_image(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) <= failures:
            raise RuntimeError("ReferenceError: kaleido_scopes is not defined")
        return b"\x89PNG\r\n\x1a\nfake"
    return to_image


def test_a_transient_failure_is_retried(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    calls: list[int] = []
    monkeypatch.setattr(export.pio, "to_image", _flaky(export.PNG_ATTEMPTS - 1, calls))
    monkeypatch.setattr(export, "find_chromium", lambda: "/usr/bin/chromium")
    out = export.write_png(go.Figure(), tmp_path / "a.png")
    assert out.read_bytes().startswith(b"\x89PNG") and len(calls) == export.PNG_ATTEMPTS


def test_a_persistent_failure_is_one_error_and_no_file(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path) -> None:
    calls: list[int] = []
    monkeypatch.setattr(export.pio, "to_image", _flaky(99, calls))
    monkeypatch.setattr(export, "find_chromium", lambda: "/usr/bin/chromium")
    with pytest.raises(FFCastError, match=r"kaleido failed \(3 attempts\)"):
        export.write_png(go.Figure(), tmp_path / "a.png")
    assert not (tmp_path / "a.png").exists() and len(calls) == export.PNG_ATTEMPTS
