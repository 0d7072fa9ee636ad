"""Fixtures shared across test folders."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest
from playwright.sync_api import Page

from ffcast import data
from ffcast.plots import export

#: Debian's Chromium and the flags every browser test launches it with (headless, no
#: background traffic: the tests run offline).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    """pytest-playwright: Debian's chromium, headless, no background traffic."""
    if not Path(CHROMIUM).exists() or export.find_chromium() is None:
        pytest.skip("Chromium not installed (run scripts/ensure_chromium.sh)")
    return {"executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture
def page_errors(page: Page) -> list[str]:
    """What ``page`` logs as an error from now on: uncaught exceptions and console errors
    (e.g. "Plotly is not defined"); a browser test asserts the list stays empty."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}")
            if msg.type == "error" else None)
    return errors


@pytest.fixture
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
              ) -> Callable[[str, list[str]], None]:
    """Copy the embedded files to an override dir; the returned function appends CSV lines."""
    src = Path(str(resources.files("ffcast.data") / "files"))
    for f in src.iterdir():
        shutil.copy(f, tmp_path / f.name)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))

    def append(file: str, lines: list[str]) -> None:
        path = tmp_path / file
        path.write_text(path.read_text(encoding="utf-8") + "\n".join(lines) + "\n",
                        encoding="utf-8")

    return append


#: New statements for the small updated posterior: published 2017-01..2017-06 (one of them
#: public by the cut-off, so left out by the update).
NEW_STATEMENTS = """iso3,quantity,value,as_of,published,source
FRA,cumulative_returned,250,2017-02,2017-03,TEST-A
BEL,cumulative_returned,125,2017-04,2017-05,TEST-B
GBR,cumulative_returned,400,2017-05,2017-06,TEST-C
DEU,cumulative_returned,290,2016-10,2016-11,TEST-OLD
"""


@pytest.fixture(scope="session")
def updated_posterior(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(before, after): a small posterior of cut-off 2016-12 (50 particles) and the same
    updated to 2017-06 with three statements published in 2017 (``ffcast update``)."""
    from ffcast.backtest import read_observations
    from ffcast.calibrate import calibrate, from_result, save
    from ffcast.calibrate.update import update

    folder = tmp_path_factory.mktemp("updated-posterior")
    before, after, csv = folder / "before.nc", folder / "after.nc", folder / "new.csv"
    post = from_result(calibrate(cutoff="2016-12", particles=50, seed=4, moves=1,
                                 max_stages=1))
    save(post, before)
    csv.write_text(NEW_STATEMENTS, encoding="utf-8")
    save(update(post, read_observations(csv), "2017-06").posterior, after)
    return before, after
