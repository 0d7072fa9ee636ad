"""Totals after the cut-off always count the same months, and the posterior a run uses is
the one it says (silent wrong answers found by the review of 2026-12-07).

Classes of defect: a results file (or a report) recorded from after the month the
forecast counts from, whose totals and first year silently leave months out while saying
"counted from 2017-01"; a comparison of scenarios with different cut-offs, whose totals sum
different months; a shipped posterior that cannot be read turning a run into one on the
priors without a word.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ffcast import runner
from ffcast.calibrate import posterior as posteriors
from ffcast.errors import FFCastError, OptionsError
from ffcast.scenario import Scenario

COUNTRIES = ["FRA", "BEL"]
SMALL = {"draws": 4, "seed": 3, "end": "2018-06", "countries": COUNTRIES}


def test_a_results_file_recorded_after_the_forecast_starts_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "late" / "x.nc"
    with pytest.raises(OptionsError, match=r"--start 2017-01 or earlier"):
        runner.run("baseline", start="2017-06", out=out, **SMALL)
    assert not out.exists() and not out.parent.exists()  # nothing written, no folder made


def test_a_file_from_the_first_forecast_month_counts_what_the_headline_alone_counts(
        tmp_path: Path) -> None:
    alone = runner.run("baseline", **SMALL)
    filed = runner.run("baseline", start="2017-01", out=tmp_path / "x.nc", **SMALL)
    assert (filed.attacks == alone.attacks).all()
    assert (filed.attack_deaths == alone.attack_deaths).all()
    assert (filed.risk == alone.risk).all()


def test_the_report_refuses_a_start_after_the_forecast_starts() -> None:
    from ffcast.report.reduce import reduce_run

    with pytest.raises(OptionsError, match=r"--start 2017-01 or earlier"):
        reduce_run("baseline", 4, 3, start="2017-06", end="2018-06")


def test_compare_refuses_scenarios_that_count_from_different_months() -> None:
    earlier = Scenario.model_validate({"name": "earlier", "cutoff": "2016-06"})
    with pytest.raises(OptionsError, match=r"same cutoff"):
        runner.compare("baseline", earlier, **SMALL)


def test_an_unreadable_shipped_posterior_is_an_error_not_the_priors(monkeypatch) -> None:
    def broken(source: object) -> object:
        raise FFCastError("posterior_2016-12.nc: not a readable ffcast posterior (OSError)")

    monkeypatch.setattr(posteriors, "load", broken)
    with pytest.raises(FFCastError, match=r"shipped posterior .* cannot be read"):
        posteriors.resolve("auto", "2016-12")
    assert posteriors.shipped("2013-12") is None  # no posterior ships for it: the priors


def test_a_run_on_the_priors_does_not_say_it_started_from_particle_states() -> None:
    head = runner.run("baseline", posterior="prior", **SMALL)
    assert "priors" in head.to_dict()["history"]


def test_the_reports_comparison_refuses_runs_with_different_cut_offs() -> None:
    from ffcast.report.reduce import paired_differences, reduce_run

    a = reduce_run("baseline", 4, 3, end="2018-06")
    b = reduce_run(Scenario.model_validate({"name": "earlier", "cutoff": "2016-06"}), 4, 3,
                   end="2018-06")
    with pytest.raises(FFCastError, match=r"cut-offs differ"):
        paired_differences(a, b)
