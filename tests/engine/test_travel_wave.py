"""The travel wave's shape at early cut-offs: only what was public, but never 'nobody went
before autumn 2014'."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ffcast.engine import drivers, prepare
from ffcast.engine.prepared import world_travelled
from ffcast.scenario import Scenario


@pytest.mark.parametrize("cutoff", ["2014-12", "2015-06"])
def test_an_early_cut_off_puts_travellers_in_syria_before_the_first_public_anchor(
        cutoff: str) -> None:
    prep = prepare(Scenario(cutoff=cutoff), end="2016-01")
    months = prep.months
    cum = np.cumsum(prep.shape)
    k = int(np.flatnonzero(months == pd.Timestamp(cutoff + "-01"))[0])
    assert cum[k] == pytest.approx(1.0)
    before_2014 = cum[int(np.flatnonzero(months == pd.Timestamp("2013-12-01"))[0])]
    assert 0.05 < before_2014 < 0.5, before_2014


def test_the_early_ramp_matches_the_latest_public_world_total() -> None:
    cut = pd.Timestamp("2014-12-01")
    totals = world_travelled(cut)
    months = drivers.month_index("2011-01", "2014-12")
    shape = drivers.recruitment_shape(months, cut, totals)
    first, top = 45, 1700.0  # the first anchor public by 2014-12: 1,700 a month in 2014-10
    m, total = max((drivers._months_between(months[0], t), v) for t, v in totals if
                   drivers._months_between(months[0], t) <= first)
    ramp = top * (np.arange(first + 1) / first) ** drivers._early_power(first, top,
                                                                         [(m, total)])
    assert ramp[:m].sum() == pytest.approx(total, rel=0.1)  # the integral, summed by month
    assert np.all(np.diff(shape[:first]) >= 0)  # rising, as the wave did


def test_late_cut_offs_keep_the_published_anchors_unchanged() -> None:
    months = drivers.month_index("2011-01", "2017-12")
    cut = pd.Timestamp("2016-12-01")
    with_totals = drivers.recruitment_shape(months, cut, world_travelled(cut))
    without = drivers.recruitment_shape(months, cut)
    np.testing.assert_allclose(with_totals, without)
