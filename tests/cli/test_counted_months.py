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
        raise FFCastError("posterior: its particle states hold 238 slots per engine row, "
                          "this version 190; fix: recalibrate with this version")

    monkeypatch.setattr(posteriors, "load", broken)
    with pytest.raises(FFCastError, match=r"shipped posterior .* cannot be read") as err:
        posteriors.resolve("auto", "2016-12")
    message = str(err.value)
    assert "238 slots per engine row" in message  # what is wrong, then one fix for the user
    assert message.count("fix:") == 1 and "reinstall ffcast" in message
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


# --- Labels that said more than the run did (review of 2026-12-07, second pass) ----------

def test_a_subset_run_says_whose_totals_they_are_and_whose_record_it_shows() -> None:
    head = runner.run("baseline", **SMALL).to_dict()
    assert head["countries"] == COUNTRIES
    assert "whole West" in head["risk"]["record"]["note"]
    assert head["risk"]["record"]["known_by"] == "2016-12"  # the record as known by the cut-off
    full = runner.run("baseline", draws=2, seed=3, end="2017-06").to_dict()
    assert full["countries"] is None and "note" not in full["risk"]["record"]


def test_remainder_rows_are_not_ranked_among_the_countries() -> None:
    from ffcast.data.countries import is_remainder

    head = runner.run("baseline", draws=2, seed=3, end="2017-06",
                      countries=["FRA", "R-WEU", "BEL"]).to_dict()
    assert list(head["returned_by_country"]) and not any(
        is_remainder(c) for c in head["returned_by_country"])


def test_a_report_cannot_pair_a_file_run_under_a_posterior_it_cannot_name() -> None:
    from types import SimpleNamespace

    from ffcast.report.build import _paired_posterior

    def main(parameters: str, shipped: bool | None, updated: str | None) -> object:
        return SimpleNamespace(meta=SimpleNamespace(parameters=parameters, shipped=shipped,
                                                    updated_to=updated))

    assert _paired_posterior(main("prior", None, None)) == "prior"
    assert _paired_posterior(main("posterior (cut-off 2016-12)", True, None)) == "auto"
    for file_run in (main("posterior (cut-off 2016-12, updated to 2017-10)", True, "2017-10"),
                     main("posterior (cut-off 2016-12)", False, None)):
        with pytest.raises(OptionsError, match=r"--compare: .*fix: drop the results file"):
            _paired_posterior(file_run)


def test_compare_says_which_named_countries_it_does_not_show() -> None:
    many = ["FRA", "BEL", "DEU", "GBR", "NLD", "AUT", "SWE", "DNK", "NOR", "FIN", "ESP",
            "ITA", "CHE", "TUN"]
    scen = Scenario.model_validate({"name": "many", "policy": {"countries": many,
                                                               "prosecution_rate": 0.9}})
    res = runner.compare("baseline", scen, draws=2, seed=3, end="2017-03")
    assert list(res["countries"]) == many[:runner.MAX_COMPARED_COUNTRIES]
    assert res["countries_not_shown"] == many[runner.MAX_COMPARED_COUNTRIES:]


def test_compare_says_when_a_scenario_re_simulates_the_history_under_its_own_policy() -> None:
    """A policy that starts by the origin re-simulates B's history under it; compare said
    nothing, and run called it "same numbers, more time" (review, 2026-12-07)."""
    from typer.testing import CliRunner

    from ffcast.cli import app
    from ffcast.cli.run_cmd import history_sentence

    early = Scenario.model_validate({"name": "early", "policy": {
        "start": "2016-06", "countries": COUNTRIES, "prosecution_rate": 0.9}})
    res = runner.compare("baseline", early, **SMALL)
    assert res["history"]["A"] == "from the posterior's particle states"
    assert res["history"]["B"].startswith("re-simulated from 2011: its policy starts")
    said = history_sentence(res["history"]["B"], None, "B")
    assert "simulated again under it" in said and "same numbers" not in said
    recorded = history_sentence("re-simulated from 2011: it records months before 2016-12",
                                "posterior (cut-off 2016-12)")
    assert "same numbers as from the stored states" in recorded
    out = CliRunner().invoke(app, ["compare", "baseline", "baseline", "--draws", "2",
                                   "--seed", "3", "--end", "2017-03"])
    assert out.exit_code == 0 and "re-simulated" not in out.stdout
