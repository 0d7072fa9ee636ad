"""Cut-off discipline for the attack record: an attack published after the cut-off changes
nothing the model is fitted to or shows, whatever month it happened in."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from ffcast import data
from ffcast.calibrate.risk import YearRecord, record_years
from ffcast.history import risk_record
from ffcast.report.observed import attack_record
from ffcast.runner import run
from ffcast.scenario import load_scenario

CUTOFF = "2016-06"
MONTHS = pd.date_range("2011-01-01", "2017-12-01", freq="MS")
# A dispatched operative's attack in May 2016 that (in this fake record) came out in August:
# unknown at a June 2016 cut-off, known by December.
LATE_ATTACK = ("FAKE2016_LATE,2016-05-10,2016-05-10,2016-08-01,,DEU,Berlin,A fake late "
               "attack,50,10,false,dispatched,directed,true,SPOKESMAN_AP_2011_03_03,,a test row")


@pytest.fixture
def late_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded files, with the late attack appended, as the data override."""
    src = Path(str(resources.files("ffcast.data") / "files"))
    for f in src.iterdir():
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / "attacks_west.csv"
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + LATE_ATTACK + "\n",
                    encoding="utf-8")
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))


def _plain(records: list[YearRecord]) -> list[tuple]:
    return [(r.year, tuple(r.months), r.attacks, r.mass, r.tolls, r.deaths, r.events, r.sources)
            for r in records]


def _headline() -> dict:
    scen = load_scenario("baseline").replace(cutoff=CUTOFF)
    return run(scen, draws=6, seed=2, end="2017-12", countries=["BEL", "DEU"]).to_dict()


@pytest.fixture(scope="module")
def before() -> dict:
    return {"records": _plain(record_years(MONTHS, CUTOFF)), "headline": _headline(),
            "report": attack_record(CUTOFF), "history": risk_record(10, 0, CUTOFF),
            "later": _plain(record_years(MONTHS, "2016-12"))}


def test_a_late_attack_changes_no_target_and_no_output(before: dict, late_record: None) -> None:
    assert (data.load("attacks_west")["event_id"] == "FAKE2016_LATE").any()  # it is loaded
    assert _plain(record_years(MONTHS, CUTOFF)) == before["records"]
    assert _headline() == before["headline"]
    pd.testing.assert_frame_equal(attack_record(CUTOFF), before["report"])
    pd.testing.assert_frame_equal(risk_record(10, 0, CUTOFF), before["history"])


def test_the_late_attack_counts_once_it_is_published(before: dict, late_record: None) -> None:
    """The check above can fail: by December 2016 the same row is in the record."""
    later = {r[0]: r for r in _plain(record_years(MONTHS, "2016-12"))}
    was = {r[0]: r for r in before["later"]}
    assert later[2016][2] == was[2016][2] + 1  # attacks
    assert later[2016][3] == was[2016][3] + 1  # mass-casualty attacks
    assert later[2016][5] == was[2016][5] + 50  # deaths
