"""Forecast discipline: nothing published after the cut-off enters calibration, priors or the
territory driver, whatever month it describes; and each estimate enters once."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from ffcast import data
from ffcast.calibrate import build_targets, calibrate
from ffcast.engine import drivers, prepare
from ffcast.scenario import Scenario


def _targets(cutoff: str) -> list:
    prep = prepare(Scenario(cutoff=cutoff), end=str(pd.Period(cutoff, "M") + 1))
    return build_targets(prep)


@pytest.mark.parametrize("cutoff", ["2015-06", "2015-12", "2016-06", "2016-12"])
def test_every_target_is_published_by_the_cutoff(cutoff: str) -> None:
    end = pd.Period(cutoff, "M").end_time
    targets = _targets(cutoff)
    assert targets
    assert all(pd.Timestamp(t.published) <= end for t in targets)
    assert all(pd.Timestamp(t.as_of) <= pd.Timestamp(t.published) + pd.offsets.MonthEnd(0)
               for t in targets)
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


FF_LATE = ("LATE:GBR:travelled,GBR,United Kingdom,travelled,,5000,5000,2015-06,2016-03,,"
           "UK_PQ_2016_06_27,,,describes mid-2015 but came out in March 2016,")


def test_a_row_published_after_the_cutoff_never_reaches_its_targets_or_priors(
    data_copy: Callable[[str, list[str]], None],
) -> None:
    """A statement *describing* mid-2015 but *published* in 2016 is unknown at 2015-12."""
    base, prior = _targets("2015-12"), data.best_estimates(as_of="2015-12")
    data_copy("foreign_fighters.csv", [FF_LATE])
    assert (data.load("foreign_fighters")["low"] == 5000).any()
    moved = _targets("2015-12")
    assert [(t.label, t.as_of, t.low) for t in moved] == [(t.label, t.as_of, t.low)
                                                          for t in base]
    pd.testing.assert_frame_equal(data.best_estimates(as_of="2015-12"), prior)
    later = _targets("2016-06")
    assert any(t.low == 5000 and t.as_of == "2015-06-30" for t in later)  # known by then


def test_a_repeat_never_counts_twice_in_the_targets(
    data_copy: Callable[[str, list[str]], None],
) -> None:
    """Three outlets re-printing the UK's 850 add no target; unmarked, they would add three."""
    base = [t for t in _targets("2016-12") if t.label == "GBR travelled"]
    relay = ("RELAY{k}:GBR:travelled,GBR,United Kingdom,travelled,,850,850,2016-06,2016-07,,"
             "PRESSTV2016,{rep},,relay,")
    data_copy("foreign_fighters.csv",
              [relay.format(k=k, rep="UK_PQ_2016_06_27:GBR:travelled") for k in range(3)])
    marked = [t for t in _targets("2016-12") if t.label == "GBR travelled"]
    assert len(marked) == len(base)
    assert sum(t.weight for t in marked) == pytest.approx(sum(t.weight for t in base))
    data_copy("foreign_fighters.csv",
              [relay.format(k=k + 3, rep="") for k in range(3)])
    assert len([t for t in _targets("2016-12") if t.label == "GBR travelled"]) == len(base) + 3


def test_a_late_territory_figure_never_reaches_the_driver() -> None:
    """IHS's area for 31 Dec 2016 came out on 18 Jan 2017: a 2016-12 run must not see it."""
    months = drivers.month_index("2011-01", "2017-06")
    cutoff = pd.Timestamp("2016-12-01")
    territory = data.load("territory")
    assert territory["post_cutoff"].sum() == 1
    seen = drivers.observed_territory(months, territory, cutoff)
    without = drivers.observed_territory(
        months, territory[~territory["post_cutoff"]].reset_index(drop=True), cutoff)
    np.testing.assert_array_equal(seen, without)
    early = territory.copy()
    early.loc[early["post_cutoff"], "published_date"] = pd.Timestamp("2016-12-20")
    assert not np.array_equal(drivers.observed_territory(months, early, cutoff), seen)


def test_a_post_cutoff_row_changes_nothing(data_copy: Callable[[str, list[str]], None]) -> None:
    """Add a wildly different world total dated before the cut-off but published after it:
    calibration is unchanged."""
    base = calibrate(cutoff="2015-12", particles=60, seed=3, moves=1)
    late = ("LATE:world:cumulative_travelled,cumulative_travelled,world,90000,90000,persons,"
            "2015-06,2016-03,,TSG2015,,,a fake late statement,test,")
    data_copy("aggregates.csv", [late])
    assert (data.load("aggregates")["low"] == 90000).any()
    moved = calibrate(cutoff="2015-12", particles=60, seed=3, moves=1)
    assert len(moved.targets) == len(base.targets)
    np.testing.assert_array_equal(base.z, moved.z)
    later = calibrate(cutoff="2016-06", particles=60, seed=3, moves=1, max_stages=1)
    assert any(t.low == 90000 for t in later.targets)  # the row is used once it is known
