"""The group backtest (issue 22): only statements published after an origin are scored, the
naive forecaster is the travellers' composition of that origin's prior, and the numbers are
proper scores.

Classes of defect: a statement published by the origin scored as a forecast (hindsight); a
naive forecaster built from later statements; a score that cannot fail.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ffcast import data
from ffcast.backtest import groups as G


@pytest.mark.parametrize("origin", ["2014-12", "2015-12", "2016-06", "2016-12"])
def test_only_statements_published_after_the_origin(origin):
    rows = G.group_statements(origin)
    assert (rows["published"] > data.cutoff_end(origin)).all()
    assert (rows["published"] <= data.cutoff_end("2016-12")).all()
    if origin == "2016-12":
        assert rows.empty


def test_the_naive_share_is_the_origins_travellers_composition():
    pri = data.group_priors("2015-06").set_index(["region", "group"])
    x = G._naive_share("2015-06", "western_europe", "women", 40_000, 1)
    w, m = pri.loc[("western_europe", "women"), "mean"], pri.loc[("western_europe", "minors"),
                                                                  "mean"]
    # E[(1 - m) w] = (1 - E m) E w: the two shares are drawn independently.
    assert abs(x.mean() - (1 - m) * w) < 0.005
    later = G._naive_share("2016-06", "western_europe", "women", 40_000, 1)
    assert abs(later.mean() - x.mean()) > 1e-3  # each origin its own prior


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return G.backtest_groups(origins=("2016-06",), draws=60, seed=3)


def test_each_share_has_both_forecasters_and_proper_scores(table):
    shares = table[table["kind"] == "share"]
    assert not shares.empty
    for _, rows in shares.groupby("statement"):
        assert set(rows["forecaster"]) == {"ffcast", G.NAIVE}
    assert (table["crps"] >= 0).all() and np.isfinite(table["crps"]).all()
    assert ((table["p5"] <= table["median"]) & (table["median"] <= table["p95"])).all()
    # The 90% interval contains the 80% one: a row in 80% is in 90%.
    assert (~table["in_80"] | table["in_90"]).all()
    assert "Mean CRPS over the share rows" in G.markdown(table)
