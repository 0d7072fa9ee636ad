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
