"""End to end in Chromium: load, change a lever, compare with the baseline, download a CSV;
no request may leave 127.0.0.1."""

from __future__ import annotations

import io
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
                                   "target", "value"]
    assert table["draw"].nunique() == 50
    assert set(table["month"]) == {"2019-12-01"}
    assert "camp_repatriation\\\": 0.3" in text.splitlines()[0]

    page.locator("#tabs").get_by_text("World map").click()
    expect(page.locator("#fig-map .choroplethlocation").first).to_be_attached(timeout=30_000)
    assert hosts == {"127.0.0.1"}, hosts
