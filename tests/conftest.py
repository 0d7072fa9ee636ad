"""Fixtures shared across test folders."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

from ffcast import data


@pytest.fixture
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
              ) -> Callable[[str, list[str]], None]:
    """Copy the embedded files to an override dir; the returned function appends CSV lines."""
    src = Path(str(resources.files("ffcast.data") / "files"))
    for f in src.iterdir():
        shutil.copy(f, tmp_path / f.name)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))

    def append(file: str, lines: list[str]) -> None:
        path = tmp_path / file
        path.write_text(path.read_text(encoding="utf-8") + "\n".join(lines) + "\n",
                        encoding="utf-8")

    return append
