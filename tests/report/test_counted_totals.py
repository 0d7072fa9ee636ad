"""The report's and the dashboard's totals after the cut-off count the months `ffcast run`
and `ffcast compare` count: from the month after the cut-off, or after the month an update
brought the posterior to (review, 2026-12-07: with a posterior updated to 2017-10 the
dashboard's "Attacks in the West 2017-2019" said 5 (1-14) where `ffcast run` said 3 [0-10],
counting the particles' history months of 2017 as forecast)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ffcast.calibrate import posterior as posteriors
from ffcast.report.reduce import paired_differences, reduce_run
from ffcast.runner import run

DRAWS, SEED, END = 6, 2, "2018-12"


def test_totals_from_an_updated_posterior_count_from_its_origin(
        updated_posterior: tuple[Path, Path]) -> None:
    post = posteriors.load(updated_posterior[1])  # updated to 2017-06
    red = reduce_run("baseline", DRAWS, SEED, end=END, posterior=post)
    head = run("baseline", draws=DRAWS, seed=SEED, end=END, posterior=post)
    assert f"{red.meta.counted_from:%Y-%m}" == "2017-07"
    assert red.meta.counted_span == "Jul 2017–2018"
    order = np.argsort(red.draws)
    for count in ("attacks", "attack_deaths"):
        np.testing.assert_array_equal(red.total_after(count)[order],
                                      head.headline_attacks(count))
    # The per-year rows still hold the whole of 2017, its history months included.
    whole = red.headline_of("attack_deaths")[:, red.meta.years >= 2017].sum(1)
    assert (whole >= red.total_after("attack_deaths")).all()


def test_a_december_cutoff_counts_whole_years_as_before() -> None:
    red = reduce_run("baseline", DRAWS, SEED, end=END)
    after = red.meta.years > red.meta.cutoff.year
    assert red.meta.counted_span == "2017–2018"
    np.testing.assert_array_equal(red.total_after("attacks"),
                                  red.headline_of("attacks")[:, after].sum(1))
    diffs = {d.quantity: d for d in paired_differences(red, red)}
    assert "Attacks in the West 2017–2018" in diffs


def test_a_comparison_never_rounds_a_possibility_away() -> None:
    """A share of 0.995 printed "100%" and 0.005 "0%" (review, 2026-12-07)."""
    from ffcast.report.reduce import Difference
    from ffcast.report.sections import comparison_table

    rows = [Difference("Killed", "persons", 0.0, 0.0, 0.0, 0.0, 1.0, 0.005),
            Difference("Joined other groups", "persons", -3.0, -9.0, -5.0, -1.0, 0.0, 0.995)]
    text = comparison_table(rows, "baseline", "expeditionary")
    assert "&lt;1%" in text or "<1%" in text
    assert "&gt;99%" in text or ">99%" in text
    assert "100%" not in text and ">0%<" not in text


def test_the_reports_official_counts_anchor_on_the_statements_an_update_folded_in(
        updated_posterior: tuple[Path, Path]) -> None:
    """The report's "as official authorities will publish" fans anchored only on the
    statements published by the cut-off, while `forecast --published` anchors on those an
    update folded in too (ADR 0038): both read the same statements now."""
    import pandas as pd

    post = posteriors.load(updated_posterior[1])  # FRA 250, BEL 125, GBR 400 (2017)
    red = reduce_run("baseline", DRAWS, SEED, end=END, posterior=post, focus=("FRA", "BEL"))
    a = red.anchors
    folded = a[(a["month"] > pd.Timestamp("2016-12-01"))]
    assert {(r.iso3, f"{r.month:%Y-%m}", r.value) for r in folded.itertuples()} == {
        ("FRA", "2017-02", 250.0), ("BEL", "2017-04", 125.0), ("GBR", "2017-05", 400.0)}
    plain = reduce_run("baseline", DRAWS, SEED, end=END, focus=("FRA", "BEL"))
    assert (plain.anchors["month"] <= pd.Timestamp("2016-12-01")).all()


def test_the_report_marks_what_the_screen_cannot_attribute() -> None:
    """`ffcast run` marks with ? the numbers nothing explains (ADR 0040); the report left
    them unmarked, which reads as the record's reading."""
    from ffcast.report.risk import forecast_cells
    from ffcast.report.sections import headline, reliance_note

    red = reduce_run("baseline", 60, 1, end="2020-12")
    assert red.assessed
    red.undetermined = ["west_attacks:2019", "pathway:dispatched"]
    red.prior_driven = {k: v for k, v in red.prior_driven.items()
                        if k not in red.undetermined}
    labels = [row[0][0] for row in forecast_cells(red)]
    assert any(label.startswith("2019") and label.endswith(" ?") for label in labels)
    assert "? the parameters the screen finds" in reliance_note(red)
    assert " ?" in headline(red)
