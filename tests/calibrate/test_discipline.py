"""Forecast discipline: nothing dated after the cut-off enters calibration."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ffcast import data
from ffcast.calibrate import build_targets, calibrate
from ffcast.engine import prepare
from ffcast.scenario import Scenario


def _targets(cutoff: str) -> list:
    prep = prepare(Scenario(cutoff=cutoff), end=str(pd.Period(cutoff, "M") + 1))
    return build_targets(prep)


@pytest.mark.parametrize("cutoff", ["2015-06", "2015-12", "2016-06", "2016-12"])
def test_every_target_is_dated_up_to_the_cutoff(cutoff: str) -> None:
    end = pd.Period(cutoff, "M").end_time
    targets = _targets(cutoff)
    assert targets
    assert all(pd.Timestamp(t.as_of) <= end for t in targets)
    assert not any("BARRETT2017" in t.source for t in targets)


def test_moving_the_cutoff_earlier_drops_later_statements() -> None:
    late, early = _targets("2016-12"), _targets("2015-12")
    assert len(early) < len(late)
    assert {t.as_of for t in early} <= {t.as_of for t in late}


def test_priors_use_only_estimates_known_by_the_cutoff() -> None:
    b15 = data.best_estimates(as_of="2015-12")
    assert (b15["newest_as_of"] <= pd.Timestamp("2015-12-31")).all()
    assert data.total_travellers_2016("2015-12").central < 35_000  # 27,000-31,000 then
    assert data.total_travellers_2016("2016-12").central == 40_000


def test_a_post_cutoff_row_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    """Add a wildly different statement dated after the cut-off: calibration is unchanged."""
    src = Path(str(resources.files("ffcast.data") / "files"))
    for f in src.iterdir():
        shutil.copy(f, tmp_path / f.name)
    agg = pd.read_csv(tmp_path / "aggregates.csv", dtype=str, keep_default_na=False)
    row = agg.iloc[0].copy()
    row["as_of"] = "2016-03"
    row["low"], row["high"] = "90000", "90000"
    agg = pd.concat([agg, row.to_frame().T], ignore_index=True)
    agg.to_csv(tmp_path / "aggregates.csv", index=False)
    base = calibrate(cutoff="2015-12", particles=60, seed=3, moves=1)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    assert (data.load("aggregates")["low"] == 90000).any()
    moved = calibrate(cutoff="2015-12", particles=60, seed=3, moves=1)
    assert len(moved.targets) == len(base.targets)
    np.testing.assert_array_equal(base.z, moved.z)
    later = calibrate(cutoff="2016-06", particles=60, seed=3, moves=1, max_stages=1)
    assert any(t.low == 90000 for t in later.targets)  # the row is used once it is known
