"""What the data did not decide (issue 19, item 4): the screening that marks forecast numbers
resting mostly on components the posterior did not narrow."""

from __future__ import annotations

import numpy as np
import pytest

from ffcast.calibrate.reliance import NARROWED, label, narrowed, rankdata, reliance
from ffcast.calibrate.smc import Block, read
from ffcast.engine import Latent, prepare
from ffcast.scenario.priors import PARAM_INDEX


@pytest.fixture(scope="module")
def setting():
    prep = prepare("baseline", end="2017-12", countries=["FRA", "TUN"])
    lat = Latent.from_streams(prep, 5, np.arange(600))
    return prep, lat


def test_narrowed_is_the_posterior_spread_against_the_prior():
    rng = np.random.default_rng(0)
    z = np.column_stack([rng.normal(0, 0.5, 4000), rng.normal(0, 1.0, 4000),
                         rng.normal(0, NARROWED * 0.97, 4000)])
    assert narrowed(["a", "b", "c"], z) == {"a": True, "b": False, "c": True}
    assert narrowed(["a"], None) == {"a": False}


def test_read_is_the_inverse_of_assign(setting):
    prep, lat = setting
    names = Block.for_run(prep).names
    u, kept = read(lat, names, prep)
    assert u.shape == (600, len(kept)) and set(kept) <= set(names)
    j = kept.index("param:ops_attrition")
    np.testing.assert_array_equal(u[:, j], lat.params[:, PARAM_INDEX["ops_attrition"], 0])
    j = kept.index("travellers:TUN")
    tun = list(prep.countries["iso3"]).index("TUN")
    np.testing.assert_array_equal(u[:, j], lat.travellers[:, tun])


@pytest.mark.parametrize("decided", [True, False])
def test_a_number_driven_by_one_component_follows_whether_the_data_narrowed_it(setting,
                                                                             decided):
    prep, lat = setting
    x = lat.params[:, PARAM_INDEX["ops_attrition"], 0]
    y = np.exp(3 * x) + 0.01 * np.random.default_rng(1).standard_normal(len(x))
    z_post = np.random.default_rng(2).normal(0, 0.3 if decided else 1.0, (1000, 1))
    out = reliance(lat, prep, {"y": y, "flat": np.zeros(len(x))}, ["param:ops_attrition"],
                   z_post)
    r = out["y"]
    assert r.prior_driven is (not decided)
    if decided:
        assert r.narrowed > 0.9 and r.open < 0.2
    else:
        assert r.drivers[0] == label("param:ops_attrition") == "ops_attrition"
        assert r.open > 0.9
    assert not out["flat"].prior_driven


def test_a_prior_run_decides_nothing(setting):
    prep, lat = setting
    y = lat.params[:, PARAM_INDEX["exit_decision"], 3]
    r = reliance(lat, prep, {"y": y})["y"]
    assert r.prior_driven and r.narrowed == 0.0


def test_labels_read_like_the_model_card():
    assert label("param:exit_decision:maghreb") == "exit_decision (maghreb)"
    assert label("pathways:maghreb:3") == "pathway share relocate (maghreb)"


@pytest.mark.parametrize("axis", [0, -1])
def test_rankdata_gives_the_numbers_of_scipy_stats(axis):
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(4)
    cases = [rng.normal(size=(300, 40)), rng.integers(0, 4, (60, 9)).astype(float),
             rng.integers(0, 3, (25, 25)), np.array([[1.0, np.nan, 2.0], [3.0, 1.0, 1.0]]),
             np.array([[-0.0, 0.0, 1.0], [2.0, 2.0, 2.0]]), np.empty((0, 3))]
    for a in cases:
        got, want = rankdata(a, axis=axis), stats.rankdata(a, axis=axis)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(rankdata(np.array([0, 2, 3, 2])), [1, 2.5, 4, 2.5])
