"""Attacks fitted to no record are labelled, prior-driven scenarios (issue 19, item 5; ADR
0033): those by relocated fighters in third theatres and those at home by fighters from
non-Western origins. Calibration fits attacks in the West only, so they stay out of every
headline total, comparison total and the deaths figure, and wherever they are shown they say
so."""

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


def test_run_headline_counts_the_west_and_labels_the_scenarios():
    head = ffcast.run("baseline", draws=40, seed=3, end="2019-12")
    d = head.to_dict()
    tables = headline_tables(d)
    text = _text(tables)
    attacks_table = _text(tables[2:3])  # pathways, countries, then attacks by where
    for region in Q.RISK_REGIONS:
        assert Q.RISK_REGION_ROW_LABELS[region] in attacks_table
    assert "prior-driven scenario, in no total" in Q.RISK_REGION_ROW_LABELS["home_elsewhere"]
    assert "Scenario, not a forecast" in text and "fitted to no record" in text
    # The West's table is a forecast; the two scenarios' tables come last and say so.
    risk = tables[-len(Q.RISK_REGIONS):]
    for region, table in zip(Q.RISK_REGIONS, risk, strict=True):
        scenario = "Scenario, not a forecast" in _text([table])
        assert scenario == (region in Q.PRIOR_SCENARIO_REGIONS), region
    elsewhere_at = Q.RISK_REGIONS.index("home_elsewhere")
    assert "non-Western origins are fitted to no record" in _text(
        risk[elsewhere_at:elsewhere_at + 1])
    assert "Scenario, not a forecast" not in _text(tables[:-len(Q.PRIOR_SCENARIO_REGIONS)])
    # The total is the West, per draw, by two routes: per origin (home of a Western
    # origin, other Western countries from any origin) and by risk region.
    assert head.attacks_by_country is not None and head.risk is not None
    west = Q.RISK_REGIONS.index("west")
    np.testing.assert_array_equal(head.attacks_by_country.sum(1), head.headline_attacks())
    np.testing.assert_array_equal(head.headline_attacks(),
                                  head.risk[:, :, west, 0].sum(1))
    # and it leaves out home elsewhere and third theatres, which the baseline does not
    # leave empty: every draw's targets are in the regions, which also hold the attacks by
    # inmates radicalised in prison (not in any target's count: ADR 0036).
    everything = head.attacks.sum(1)
    assert (head.region_totals().sum(1) >= everything).all()
    elsewhere = head.region_totals()[:, Q.RISK_REGIONS.index("home_elsewhere")]
    assert elsewhere.sum() > 0
    assert d["attacks_total"]["median"] == float(np.median(head.headline_attacks()))


def test_compare_totals_are_the_wests_and_list_the_scenarios_apart():
    from ffcast.cli.run_cmd import compare_tables

    res = ffcast.compare("baseline", "repatriate-camps", draws=40, seed=3, end="2019-12")
    assert res["attacks_total"] == res["attacks_by_region"]["west"]
    assert res["attack_deaths_total"] == res["attack_deaths_by_region"]["west"]
    assert set(res["attacks_by_region"]) == set(Q.RISK_REGIONS)
    assert "attacks_region:home_elsewhere" in res["drivers"]
    text = _text(compare_tables(res))
    assert Q.RISK_REGION_ROW_LABELS["home_elsewhere"] in text
    assert "total: at home and in Western countries" not in text


def test_deaths_figure_draws_no_third_theatre(reduction):
    fig = figures.deaths_model_figure(reduction, observed.gtd_west_deaths())
    names = [t.name for t in fig.data]
    assert not any("third" in (n or "").lower() for n in names)
    assert any("West" in (n or "") for n in names)


def test_dashboard_cards_and_report_differences_count_the_west(reduction):
    from ffcast.dashboard import views
    from ffcast.report.reduce import paired_differences
    from ffcast.report.sections import about

    div = views.headline(reduction)
    text = str(div)
    after = reduction.meta.years > reduction.meta.cutoff.year
    west = reduction.risk_of("west", "attacks")[:, after].sum(1)
    assert "Attacks in the West" in text
    assert f"'{about(float(np.median(west)))}'" in text or about(float(np.median(west))) in text
    np.testing.assert_array_equal(reduction.headline_of("attacks"),
                                  reduction.risk_of("west", "attacks"))
    diffs = paired_differences(reduction, reduction)
    labels = [d.quantity for d in diffs if d.units != "persons"]
    assert any(x.startswith("Attacks in the West") for x in labels)
    assert any("non-Western homes" in x and "prior-driven" in x for x in labels)
    assert not any("third theatre" in x.lower() for x in labels)


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
