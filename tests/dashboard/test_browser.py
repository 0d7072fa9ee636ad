"""End to end in Chromium: load, change a lever, compare with the baseline, download a CSV;
the "Before the update" tab of a dashboard given --before; no request may leave 127.0.0.1."""

from __future__ import annotations

import io
from collections.abc import Iterator
from urllib.parse import urlparse

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

SLOW = 180_000  # ms: a first simulation on a busy 2-core machine


@pytest.mark.browser
def test_lever_compare_download_offline(dashboard: tuple[str, object], page: Page) -> None:
    url, _ = dashboard
    hosts: set[str] = set()
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or req.url))
    page.goto(url)
    returned = page.locator("#headline-returned")
    expect(returned).to_be_visible(timeout=SLOW)
    before = returned.inner_text()

    page.fill("#draws", "50")
    page.press("#draws", "Enter")
    page.fill("#lever-camp_repatriation", "0.3")
    page.press("#lever-camp_repatriation", "Enter")
    page.click("#run")
    expect(page.locator("#status")).to_contain_text("50 draws", timeout=SLOW)
    expect(returned).not_to_have_text(before)
    expect(page.locator("#message")).to_be_empty()

    page.click("#compare")
    comparison = page.locator("#fig-comparison")
    expect(comparison).to_be_visible(timeout=SLOW)
    expect(comparison).to_contain_text("baseline (edited)")

    with page.expect_download(timeout=SLOW) as info:
        page.click("#download-csv")
    path = info.value.path()
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ffcast-results: ")
    table = pd.read_csv(io.StringIO(text), comment=None, skiprows=1)
    assert list(table.columns) == ["draw", "month", "country", "variable", "theatre",
                                   "target", "group", "group_quantity", "value"]
    assert table["draw"].nunique() == 50
    assert set(table["month"]) == {"2019-12-01"}
    assert "camp_repatriation\\\": 0.3" in text.splitlines()[0]

    page.locator("#tabs").get_by_text("World map").click()
    expect(page.locator("#fig-map .choroplethlocation").first).to_be_attached(timeout=30_000)
    assert hosts == {"127.0.0.1"}, hosts


@pytest.fixture(scope="module")
def dashboard_with_before(load_module: object, updated_posterior: tuple) -> Iterator[str]:
    """A dashboard started as `ffcast dashboard --posterior after.nc --before before.nc`."""
    from ffcast.dashboard import create_app
    from ffcast.dashboard.controls import preset_cutoff
    from ffcast.report.moved import resolve_posteriors

    before, after = updated_posterior
    app = create_app(posteriors=resolve_posteriors(str(after), str(before), preset_cutoff()))
    url, server = load_module.serve(app)  # type: ignore[attr-defined]
    yield url
    server.shutdown()


@pytest.mark.browser
def test_before_the_update_tab_draws_both_runs(dashboard_with_before: str, page: Page,
                                               page_errors: list[str]) -> None:
    """The tab shows the cards with both numbers and a drawn figure; no error, no request
    leaves 127.0.0.1."""
    hosts: set[str] = set()
    errors = page_errors
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or req.url))
    page.goto(dashboard_with_before)
    expect(page.locator("#parameters")).to_contain_text("before the update")
    expect(page.locator("#headline-returned")).to_be_visible(timeout=SLOW)
    page.fill("#draws", "50")
    page.press("#draws", "Enter")
    page.click("#run")
    expect(page.locator("#status")).to_contain_text("50 draws", timeout=SLOW)
    page.locator("#tabs").get_by_text("Before the update").click()
    expect(page.locator("#fig-before .main-svg").first).to_be_attached(timeout=SLOW)
    expect(page.locator("#before-returned-before")).to_be_visible()
    expect(page.locator("#before-returned-after")).to_be_visible()
    expect(page.locator("#before-statements")).to_contain_text("TEST-C")
    expect(page.locator("#message")).to_be_empty()
    assert page.locator("#fig-before .point").count() > 10  # the medians were drawn
    assert errors == []
    assert hosts == {"127.0.0.1"}, hosts
