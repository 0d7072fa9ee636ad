"""Third theatres are a labelled, prior-driven scenario (issue 19, item 5): attacks there are
fitted to no record, so they stay out of every headline total and of the deaths figure, and
wherever they are shown they say so."""

from __future__ import annotations

import io

import numpy as np
from rich.console import Console

import ffcast
from ffcast.cli.run_cmd import headline_tables
from ffcast.report import figures, observed
from ffcast.results import quantities as Q


def _text(tables) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=200, color_system=None)
    for t in tables:
        console.print(t)
    return buf.getvalue()


def test_run_headline_leaves_third_theatres_out_and_labels_them():
    head = ffcast.run("baseline", draws=40, seed=3, end="2019-12")
    d = head.to_dict()
    tables = headline_tables(d)
    text = _text(tables)
    attacks_table = _text(tables[2:3])  # pathways, countries, then attacks by target
    assert Q.TARGET_LABELS["third_theatre"] not in attacks_table
    assert Q.TARGET_LABELS["home"] in attacks_table
    assert "Scenario, not a forecast" in text and "fitted to no record" in text
    # The scenario's table comes last, after the West and home elsewhere.
    assert "Scenario, not a forecast" in _text(tables[-1:])
    assert "Scenario, not a forecast" not in _text(tables[:-1])


def test_deaths_figure_draws_no_third_theatre(reduction):
    fig = figures.deaths_model_figure(reduction, observed.gtd_west_deaths())
    names = [t.name for t in fig.data]
    assert not any("third" in (n or "").lower() for n in names)
    assert any("West" in (n or "") for n in names)


def test_dashboard_cards_sum_only_the_headline_targets(reduction):
    from ffcast.dashboard import views

    div = views.headline(reduction)
    text = str(div)
    assert "not third theatres" in text
    kept = [Q.TARGETS.index(t) for t in Q.HEADLINE_TARGETS]
    after = reduction.meta.years > reduction.meta.cutoff.year
    total = np.median(reduction.attacks[:, after][..., kept].sum((1, 2)))
    everything = np.median(reduction.attacks[:, after].sum((1, 2)))
    assert total <= everything


def test_report_marks_what_the_data_did_not_decide(tmp_path):
    """A simulated report screens its headline (the note and the daggers follow
    ``prior_driven``); a report from a results file says it was not screened."""
    from ffcast.report import sections
    from ffcast.report.reduce import reduce_run

    red = reduce_run("baseline", 60, 4, end="2018-12")
    assert red.assessed
    html = sections.headline(red)
    if red.prior_driven:
        assert "rests mostly on parameters" in html and "†" in html
        first = next(k for k, v in red.prior_driven.items() if v)
        assert sections._outcome_label(first) in html and red.prior_driven[first][0] in html
    else:
        assert "No headline number here rests mostly" in html
    red.assessed, red.prior_driven = False, {}
    assert "Not screened" in sections.headline(red)
