"""The sensitivity chart says what the command's table says around it: what the outcome
counts, what the whiskers are a bootstrap over, whether the points re-simulated the history,
every warning, and which indices are undefined (review, 2026-12-07: a PNG passed on alone
read surer than the table it came from)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ffcast.experiments import analyze, sample
from ffcast.experiments.plot import counted_text, indices_figure
from ffcast.experiments.sensitivity import SensitivityResult, ishigami
from ffcast.plots.export import write_html

PI3 = np.array([[-np.pi, np.pi]] * 3)
META = {"outcome": "returned", "unit": "people", "reduce": "mean", "samples": 16,
        "draws_per_point": 5, "scenario": "baseline", "countries": ["FRA", "BEL"],
        "counted_from": "2017-01", "end_month": "2018-12", "period": "2017-01 – 2018-12",
        "interval": "bootstrap over the 16 base samples, for these 5 draws (seed 0): the "
                    "draws' Monte Carlo noise is not in it",
        "history": "points re-simulate the history from 2011 (it overrides priors "
                   "(death_collapse))"}


def _result(y: np.ndarray | None = None) -> SensitivityResult:
    """Sobol indices of Ishigami at N = 16 (a warning: below 64), or of ``y``."""
    names = ["x1", "x2", "x3"]
    x = sample("sobol", names, PI3, 16, seed=0)
    res = analyze("sobol", names, PI3, x, ishigami(x) if y is None else y(x), seed=0)
    res.meta = dict(META)
    return res


def _note(fig) -> str:  # type: ignore[no-untyped-def]
    notes = [a.text for a in fig.layout.annotations if a.name == "source_note"]
    assert len(notes) == 1
    return notes[0].replace("-<br>", "-").replace("<br>", " ")  # wrapped at spaces, hyphens


def test_the_chart_says_what_is_counted_the_interval_history_and_warnings() -> None:
    res = _result()
    assert res.warnings, "N = 16 warns"
    fig = indices_figure(res)
    subtitle = fig.layout.title.subtitle.text
    assert "scenario baseline, FRA, BEL only; events 2017-01 – 2018-12, people at 2018-12" \
        in subtitle
    assert "16 base samples, 80 scenarios, mean over 5 draws each, seed 0" in subtitle
    note = _note(fig)
    assert "Whiskers: half-width of the 95% interval, a bootstrap over the 16 base " \
        "samples, for these 5 draws (seed 0)" in note
    assert f"History: {META['history']}." in note
    for w in res.warnings:
        assert f"Warning: {w}" in note
    assert "Undefined" not in note
    # The bars are the table's numbers, whiskers its half-widths.
    s1 = next(t for t in fig.data if t.name == "First-order (S1)")
    order = list(s1.y)
    assert np.allclose(s1.x, res.table.loc[order, "S1"])
    assert np.allclose(s1.error_x.array, res.table.loc[order, "S1_conf"])


def test_undefined_indices_are_named_not_drawn_as_zero() -> None:
    res = _result(lambda x: np.full(len(x), 3.0))
    note = _note(indices_figure(res))
    assert "Undefined (no bar): x1, x2, x3." in note
    assert "Warning: " in note


def test_counted_text_is_empty_without_a_period() -> None:
    """Indices of a plain function (no model run) say nothing about scenarios or months."""
    assert counted_text({"outcome": "y"}) == ""
    res = _result()
    res.meta = {"outcome": "y"}
    assert "events" not in indices_figure(res).layout.title.subtitle.text


@pytest.mark.browser
def test_the_html_chart_draws_in_chromium_with_its_note(tmp_path: Path, page: Page,
                                                        page_errors: list[str]) -> None:
    """`ffcast sensitivity --out x.html`'s page, opened offline: one drawn figure with both
    series, the warnings on the page, no console error."""
    res = _result()
    path = write_html(indices_figure(res), tmp_path / "s.html", title="ffcast sensitivity")
    page.context.set_offline(True)
    page.goto(path.as_uri(), wait_until="load")
    drawn = """() => [...document.querySelectorAll('.js-plotly-plot')].map(g => ({
        svg: !!g.querySelector('.main-svg'), traces: g.data?.length ?? 0,
        bars: g.querySelectorAll('.bars .point').length}))"""
    with contextlib.suppress(PlaywrightTimeout):  # the assertions below say what is missing
        page.wait_for_function(f"({drawn})().every(f => f.svg && f.bars > 0)",
                               timeout=20_000)
    state = page.evaluate(drawn)
    assert len(state) == 1 and state[0]["svg"] and state[0]["traces"] == 2, state
    assert state[0]["bars"] == 6, state  # three factors, two series
    text = page.inner_text("body")
    assert "below 64" in text and "History:" in text
    assert page_errors == []
