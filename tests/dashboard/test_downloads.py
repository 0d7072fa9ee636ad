"""Downloads re-simulate the validated run: same seed and draws, readable by ffcast.results."""

from __future__ import annotations

from pathlib import Path

import pytest

from ffcast import results
from ffcast.dashboard.controls import RunSpec
from ffcast.dashboard.downloads import report_file, results_file
from ffcast.scenario import load_scenario

# Built directly (not through run_spec) to stay below the page's 50-draw minimum.
SPEC = RunSpec(load_scenario("repatriate-camps"), draws=3, seed=4, end="2018-12", focus="DEU")


def test_netcdf_has_every_month_and_the_draws(tmp_path: Path) -> None:
    content, name = results_file(SPEC, "nc")
    assert name == "ffcast-repatriate-camps-3draws-seed4.nc"
    path = tmp_path / name
    path.write_bytes(content)
    with results.read(path) as ds:
        assert ds.sizes["draw"] == 3 and int(ds.attrs["seed"]) == 4
        assert str(ds["month"].values[-1])[:7] == "2018-12"
        assert ds.sizes["month"] > 12


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        results_file(SPEC, "xlsx")


def test_report_of_the_current_view() -> None:
    content, name = report_file(SPEC, compare_baseline=True)
    text = content.decode("utf-8")
    assert name.endswith(".html") and "repatriate-camps" in text
    assert 'id="comparison"' in text and "camp_repatriation: 0.05" in text


def test_the_downloaded_comparison_has_the_screens_signs() -> None:
    """The screen shows the current view minus the baseline; the downloaded report showed
    the baseline minus the current view, every sign flipped (review, 2026-12-07)."""
    import re

    from ffcast.report.reduce import paired_differences, reduce_run

    text = report_file(SPEC, compare_baseline=True)[0].decode("utf-8")
    assert "repatriate-camps minus baseline (median)" in text
    base = reduce_run("baseline", 3, 4, end="2018-12", focus=("DEU",))
    current = reduce_run("repatriate-camps", 3, 4, end="2018-12", focus=("DEU",))
    screen = {d.quantity: d.median for d in paired_differences(base, current)}
    table = text[text.index('id="comparison-table"'):]
    shown = dict(re.findall(r"<td>([^<]+)</td><td[^>]*>([+\-−]?[\d,]+)</td>", table))
    checked = [q for q in screen if q in shown]
    assert checked, shown
    for q in checked:
        assert float(shown[q].replace(",", "").replace("−", "-")) == pytest.approx(
            round(screen[q])), q
    assert any(screen[q] != 0 for q in checked)
