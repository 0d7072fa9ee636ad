"""The page is one self-contained file that renders offline, map included."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ffcast.report.html import asset_text
from ffcast.report.reduce import Reduction

ALLOWED = ("file://", "data:", "about:", "blob:")
#: Every way a report is made (the fixture that builds it) and how many figures it holds:
#: `ffcast report` with defaults, with --compare, from a results file, the dashboard's
#: download of the current view, and with --before (what an update moved).
VARIANTS = {"default": ("default_report", 10), "compare": ("report_path", 11),
            "results-file": ("results_report", 10), "dashboard": ("dashboard_report", 10),
            "before": ("before_report", 11)}


@pytest.fixture(params=list(VARIANTS))
def variant(request: pytest.FixtureRequest) -> tuple[Path, int]:
    """(path, number of figures) of each kind of report."""
    fixture, figures = VARIANTS[request.param]
    return request.getfixturevalue(fixture), figures


def test_self_contained(report_path: Path) -> None:
    text = report_path.read_text(encoding="utf-8")
    assert len(re.findall(r"plotly\.js v\d", text)) == 1, "plotly.js must be inlined once"
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+stylesheet", text)
    assert "@import" not in text and "url(http" not in text
    geo = text.index("window.PlotlyGeoAssets")
    assert geo < text.index("plotly.js v"), "map shapes must be set before plotly.js"
    assert '"world_110m"' in text


def test_plotly_js_is_inlined_once_before_every_figure_script(
        variant: tuple[Path, int]) -> None:
    """A figure whose script runs before plotly.js draws nothing ("Plotly is not defined"):
    the library comes once, in the head, whatever the order of the sections."""
    path, figures = variant
    text = path.read_text(encoding="utf-8")
    assert len(re.findall(r"plotly\.js v\d", text)) == 1, "plotly.js must be inlined once"
    library = text.index("plotly.js v")
    assert library < text.index("</head>"), "plotly.js belongs in the head"
    calls = [m.start() for m in re.finditer(r"Plotly\.newPlot\(", text)]
    assert len(calls) == figures
    assert library < min(calls), "a figure's script runs before plotly.js is defined"


@pytest.mark.browser
def test_every_figure_draws_with_no_error_in_chromium(variant: tuple[Path, int],
                                                      page: Page,
                                                      page_errors: list[str]) -> None:
    """Each report, opened offline: every figure container holds a drawn plot with data, and
    the page logs no error (an exception or a console error, e.g. "Plotly is not defined")."""
    path, figures = variant
    errors = page_errors
    page.context.set_offline(True)
    page.goto(path.as_uri(), wait_until="load")
    drawn = """() => [...document.querySelectorAll('.ffcast-figure')].map(f => {
        const g = f.querySelector('.js-plotly-plot');
        return {section: f.closest('section')?.id ?? '?',
                svg: !!(g && g.querySelector('.main-svg')), traces: g?.data?.length ?? 0};
    })"""
    with contextlib.suppress(PlaywrightTimeout):  # the assertions below say what is missing
        page.wait_for_function(f"({drawn})().every(f => f.svg && f.traces > 0)",
                               timeout=20_000)
    state = page.evaluate(drawn)
    assert len(state) == figures, state
    blank = [f for f in state if not (f["svg"] and f["traces"] > 0)]
    assert not blank, f"figures that drew nothing: {blank}; {errors}"
    assert errors == []


def test_sections_and_provenance(report_path: Path) -> None:
    text = report_path.read_text(encoding="utf-8")
    for anchor in ("headline", "comparison", "risk", "pathways", "returnees", "where", "history",
                   "countries", "remainder", "provenance"):
        assert f'id="{anchor}"' in text, anchor
    for needle in ("IHS2015", "GTD_OWID", "ICSR2015", "Seed", "prosecute-all",
                   "Known limits", "cutoff: 2016-12", "@media print"):
        assert needle in text, needle


def test_risk_section_says_what_it_counts_and_shows_the_record(report_path: Path) -> None:
    from ffcast.report.observed import attack_record

    text = report_path.read_text(encoding="utf-8")
    start = text.index('<section id="risk">')
    section = text[start:text.index("</section>", start)]
    for needle in ("linked to foreign fighters", "home-grown", 'id="risk-table"',
                   "2016 record", "P(≥1 attack)"):
        assert needle in section, needle
    record = attack_record("2016-12")
    for events in record.loc[record["attacks"] > 0, "events"]:
        assert json.dumps(events)[1:-1] in section, events  # hover text of the record marks
    body = section[section.index('id="risk-table"'):]
    rows = re.findall(r"<tr><td>(\d{4})", body)
    assert rows == ["2016", "2017", "2018", "2019"]  # the record, then every forecast year


def test_no_half_written_report_on_failure(tmp_path: Path) -> None:
    from ffcast.errors import FFCastError
    from ffcast.report.build import ReportRequest, build_report

    out = tmp_path / "report.html"
    with pytest.raises(FFCastError):
        build_report(ReportRequest(out=out, scenario="no-such-preset", draws=2))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.browser
def test_renders_offline_in_chromium(report_path: Path, page: Page) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.context.set_offline(True)
    page.goto(report_path.as_uri(), wait_until="load")
    page.wait_for_function(
        "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 11", timeout=30_000)
    plots = page.locator(".js-plotly-plot")
    assert plots.count() == 11  # comparison, risk, 2 fans, groups, map, Sankey, 4 history
    for i in range(plots.count()):
        drawn = plots.nth(i).evaluate(
            "el => el.querySelectorAll('svg path, svg rect, svg text').length")
        assert drawn > 20, f"plot {i} drew nothing"
    countries = page.locator(".js-plotly-plot .choroplethlocation").count()
    assert countries >= 50, "the choropleth drew no country shapes (topojson missing?)"
    assert page.locator(".js-plotly-plot .sankey .sankey-node").count() > 20
    leaked = [u for u in requests if not u.startswith(ALLOWED)]
    assert not leaked, f"requests left the machine: {leaked[:5]}"


@pytest.mark.browser
def test_country_table_sorts_and_filters(report_path: Path, page: Page) -> None:
    page.context.set_offline(True)
    page.goto(report_path.as_uri(), wait_until="load")
    table = page.locator("#country-table")
    header = table.locator("th", has_text="Returned (median)")
    header.click()  # ascending
    values = [float(v) for v in table.locator("tbody tr td:nth-child(3)").evaluate_all(
        "cells => cells.map(c => c.dataset.value)")]
    assert values == sorted(values)
    page.fill('input[data-filter="country-table"]', "France")
    visible = table.locator("tbody tr:not([hidden])")
    assert visible.count() == 1 and "FRA" in visible.first.inner_text()


def test_model_card_limits_match_docs() -> None:
    """The embedded model card's limits are docs/model.md's 'Known limits', word for word."""
    docs = Path(__file__).parents[2] / "docs" / "model.md"
    if not docs.exists():
        pytest.skip("docs/model.md not in this checkout")
    section = docs.read_text(encoding="utf-8").split("## Known limits", 1)[1].split("\n## ")[0]
    bullets = [re.sub(r"\s+", " ", b).replace("`", "").strip()
               for b in section.split("\n- ")[1:]]
    card = asset_text("model_card.html").split('class="card-limits">', 1)[1]
    items = [re.sub(r"\s+", " ", i).strip()
             for i in re.findall(r"<li>(.*?)</li>", card, flags=re.S)]
    assert items == bullets


@pytest.mark.browser
def test_map_png_is_drawn_offline(reduction: Reduction, tmp_path: Path) -> None:
    """kaleido draws the map from the shipped topojson (no CDN) into a real PNG."""
    from ffcast.plots import export
    from ffcast.report.build import build_figures, write_pngs

    if export.find_chromium() is None:
        pytest.skip("Chromium not installed (run scripts/ensure_chromium.sh)")
    figs = build_figures(reduction)
    (path,) = write_pngs({"map": figs["map"]}, tmp_path)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 100_000


def test_the_remainder_is_shown_by_region_and_no_row_holds_a_tenth_of_the_world(
        report_path: Path) -> None:
    from ffcast import data

    text = report_path.read_text(encoding="utf-8")
    start = text.index('<section id="remainder">')
    section = text[start:text.index("</section>", start)]
    best = data.best_estimates()
    rest = best[best["kind"] == "remainder"]
    assert 'id="remainder-table"' in section
    for row in rest.itertuples():
        assert row.iso3 in section
    assert rest["central"].max() <= 0.10 * best["central"].sum()


# --- The model card's status of the numbers says what made the report (issue 20) ----------

def _status(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    start = text.index("<strong>Status of the numbers.</strong>")
    return re.sub(r"\s+", " ", text[start:text.index("</p>", start)])


@pytest.mark.parametrize("fixture", ["default_report", "results_report"])
def test_status_of_a_calibrated_report_names_its_posterior_and_backtests(
        fixture: str, request: pytest.FixtureRequest) -> None:
    """Simulated or read from a results file: the shipped 2016-12 posterior, its particle
    count, and the rolling backtests that score it (not "calibration is separate work")."""
    from ffcast.calibrate import posterior

    status = _status(request.getfixturevalue(fixture))
    particles = len(posterior.load("2016-12").z)
    assert f"posterior calibrated to the record up to the cut-off 2016-12 ({particles:,} " \
        "particles" in status
    assert "rolling-origin backtest" in status and "docs/validation.md" in status
    assert "prior" not in status.split("keeps its own prior draws")[0]
    assert "rolling-origin backtest on published statements (origins 2014-12 to 2016-12) " \
        "in <code>docs/validation.md</code> scores" in status
    assert "separate work" not in status


def test_status_of_a_prior_report_says_so(tmp_path: Path) -> None:
    from ffcast.report.build import ReportRequest, build_report
    from ffcast.runner import run

    nc = tmp_path / "prior.nc"
    run("baseline", draws=3, seed=1, end="2017-06", out=nc, posterior="prior")
    status = _status(build_report(ReportRequest(out=tmp_path / "r.html", results=nc)))
    assert "come from the <em>priors</em> alone" in status
    assert "particles" not in status and "posterior calibrated" not in status


def test_status_when_the_posterior_is_not_the_shipped_one_or_unknown(
        reduction: Reduction) -> None:
    import dataclasses

    from ffcast.report.sections import status_of_numbers

    meta = reduction.meta
    assert meta.parameters == "posterior (cut-off 2016-12)" and meta.shipped
    own = status_of_numbers(dataclasses.replace(meta, shipped=False, particles=200))
    assert "(200 particles" in own and "no backtest scores it" in own
    old = status_of_numbers(dataclasses.replace(meta, parameters="not recorded",
                                                particles=None, shipped=None))
    assert "does not record which parameters" in old and "particles" not in old
