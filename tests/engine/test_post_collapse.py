"""The post-collapse regime (issue 19): routes out closing, the external-operations network's
losses and the security response at home, each known only from the cut-off its evidence
was public."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from ffcast.engine import layout as L
from ffcast.engine import prepare, run_chunk
from ffcast.engine.parameters import (
    CLOSURE,
    EASE,
    NETWORK,
    RESPONSE,
    REVIEW,
    routes,
    sample_parameters,
)
from ffcast.engine.prepared import (
    BORDER_TIGHTENING,
    BORDER_TIGHTENING_PUBLISHED,
    CALIPHATE_EXIT,
    CALIPHATE_EXIT_PUBLISHED,
    HOME_RESPONSE,
    HOME_RESPONSE_PUBLISHED,
)
from ffcast.engine.theatre import leave_theatre
from ffcast.scenario import load_scenario
from ffcast.scenario.priors import PARAM_INDEX, PARAMS, sample_scalar


def _index(prep, month: str) -> int:
    return int(np.flatnonzero(prep.months == pd.Period(month, "M").start_time)[0])


# Each event the post-collapse regime knows of: the month it applies from, the field of
# Prepared that marks it, and cut-offs before and from the month it was public.
_KNOWN_FROM = [
    *[(CALIPHATE_EXIT, "caliphate", c, k)
      for c, k in [("2014-11", False), (CALIPHATE_EXIT_PUBLISHED, True), ("2016-12", True)]],
    *[(BORDER_TIGHTENING, "tightened", c, k)
      for c, k in [("2014-12", False), ("2015-05", False), (BORDER_TIGHTENING_PUBLISHED, True),
                   ("2016-12", True)]],
    *[(HOME_RESPONSE, "responded", c, k)
      for c, k in [("2015-12", False), ("2016-02", False), (HOME_RESPONSE_PUBLISHED, True),
                   ("2016-12", True)]],
]


@pytest.mark.parametrize("since, field, cutoff, knows", _KNOWN_FROM)
def test_each_event_only_from_the_cutoff_that_knew_it(since, field, cutoff, knows):
    """The caliphate's exit ban, the border tightening and the security response at home
    apply from their month on, and only at cut-offs by which they were public."""
    prep = prepare(load_scenario("baseline").replace(cutoff=cutoff), end="2017-12",
                   countries=["FRA"])
    marked = getattr(prep, field)
    k = _index(prep, since)
    assert not marked[:k].any()
    assert bool(marked[k:].all()) is knows
    assert bool(marked.any()) is knows


@settings(max_examples=60, deadline=None)
@given(ease=st.floats(0, 1), closure=st.floats(0, 1),
       attrition=st.one_of(st.floats(0, 1e6), st.sampled_from([0.0, 5e-324, 1e300])),
       response=st.floats(0, 1), exit_ease=st.floats(0, 1), seed=st.integers(0, 2**32 - 1))
def test_routes_closed_forms(ease, closure, attrition, response, exit_ease, seed):
    """Each column is its closed form, in [0, 1], whatever the accepted inputs."""
    rng = np.random.default_rng(seed)
    t = 30
    caliphate = (np.arange(t) >= 5).astype(float)
    tightened = (np.arange(t) >= 10).astype(float)
    responded = (np.arange(t) >= 20).astype(float)
    pressure = np.clip(np.cumsum(rng.uniform(0, 0.1, (2, t)), axis=1), 0, 1)
    out = routes(tightened, pressure, np.array([ease, ease]), np.array([closure, closure]),
                 np.array([attrition, attrition]), responded, np.array([response, response]),
                 caliphate, np.array([exit_ease, exit_ease]))
    assert out.shape == (2, t, 5)
    assert np.isfinite(out).all() and (out >= 0).all() and (out <= 1).all()
    np.testing.assert_allclose(out[:, :5, EASE], 1.0)
    np.testing.assert_allclose(out[:, 5:10, EASE], exit_ease)
    np.testing.assert_allclose(out[:, 10:, EASE], ease * exit_ease)
    np.testing.assert_allclose(out[..., CLOSURE], closure * pressure)
    with np.errstate(over="ignore"):
        network = np.exp(-attrition * np.cumsum(pressure, axis=1))
    np.testing.assert_allclose(out[..., NETWORK], network, rtol=1e-12)
    assert (np.diff(out[..., NETWORK], axis=1) <= 0).all()  # losses are never undone
    np.testing.assert_allclose(out[:, :20, RESPONSE], 0.0)
    np.testing.assert_allclose(out[:, 20:, RESPONSE], response)
    # One review of the returnees already home, in the response's first month (ADR 0035).
    np.testing.assert_allclose(out[:, 20, REVIEW], response)
    np.testing.assert_allclose(np.delete(out[..., REVIEW], 20, axis=1), 0.0)


@pytest.mark.parametrize("closure", [0.0, 0.3, 1.0])
def test_who_cannot_leave_is_killed_or_captured(closure):
    """The closure moves would-be returners to death and capture; who leaves the theatre
    (and every other exit) is unchanged, so people are conserved."""
    args = dict(n=50_000, death=0.02, capture=0.01, early_return=0.03, decide=0.05,
                props=(0.5, 0.2, 0.1, 0.1, 0.1), dispatch=0.001)
    key, t, code = np.uint64(12345), 70, 250
    open_ = leave_theatre(**args, closure=0.0, key=key, t=t, code=code)
    shut = leave_theatre(**args, closure=closure, key=key, t=t, code=code)
    assert sum(open_) == sum(shut)  # the same number leave
    killed, detained, returned = shut[:3]
    if closure == 1.0:
        assert returned == 0
    going_home = args["early_return"] + args["decide"] * args["props"][0]
    total = args["death"] + args["capture"] + going_home + args["decide"] * 0.5 + 0.001
    left = sum(shut)
    # Expected share of the leavers going home, within 5 binomial standard errors.
    p_home = going_home * (1 - closure) / total
    assert abs(returned - left * p_home) <= 5 * np.sqrt(left * p_home * (1 - p_home)) + 1
    p_killed = (args["death"] + going_home * closure * 2 / 3) / total
    assert abs(killed - left * p_killed) <= 5 * np.sqrt(left * p_killed * (1 - p_killed)) + 1
    assert detained + killed >= open_[0] + open_[1] - 5 * np.sqrt(left) or closure == 0.0


def _scenario(cutoff: str, **params: float):
    scen = load_scenario("baseline").replace(cutoff=cutoff)
    data = scen.model_dump(mode="json")
    data["parameters"] = {k: {"mean": v, "spread": 0.0} for k, v in params.items()}
    return type(scen).model_validate(data)


def test_a_spent_network_sends_and_directs_nobody():
    """With the network gone at the first loss of territory, nobody is dispatched after
    2015 and dispatched operatives plot no more; with no attrition they do."""
    def run(attrition: float):
        prep = prepare(_scenario("2016-12", ops_attrition=attrition, directed_dispatch=0.01,
                                 plot_rate_dispatched=0.5),
                       end="2018-12", countries=["FRA", "BEL", "DEU"])
        res = run_chunk(prep, 3, np.arange(4))
        months = prep.months[prep.record_from:]
        later = np.asarray(months >= pd.Timestamp("2017-01-01"))
        return res, later

    gone, later = run(1000.0)
    kept, _ = run(0.0)
    d = L.STOCK_NAMES.index("dispatched")
    # Those sent before the first loss of territory remain until caught, killed or out;
    # nobody joins them later.
    assert (np.diff(gone.stocks[..., d][:, later], axis=1) <= 0).all()
    assert (np.diff(kept.stocks[..., d][:, later], axis=1) > 0).any()
    assert gone.flows[..., L.FLOW_NAMES.index("plots[home]")][:, later].sum() \
        < kept.flows[..., L.FLOW_NAMES.index("plots[home]")][:, later].sum()


def test_the_exit_ban_holds_back_only_early_returns_after_it():
    """Paired runs (common random numbers), the ban near total against none: identical to
    the month before the caliphate (2014-06), fewer returns after it and nobody lost: who is
    held back stays in theatre (and may die or be captured there)."""
    def run(exit_ease: float):
        prep = prepare(_scenario("2016-12", caliphate_exit=exit_ease), end="2017-06",
                       countries=["FRA", "DEU", "GBR"])
        return prep, run_chunk(prep, 5, np.arange(6))

    prep, banned = run(1e-9)
    _, open_ = run(1.0)
    months = prep.months[prep.record_from:]
    before = np.asarray(months < pd.Timestamp(CALIPHATE_EXIT))
    after = np.asarray((months >= pd.Timestamp(CALIPHATE_EXIT))
                       & (months < pd.Timestamp(BORDER_TIGHTENING)))
    returns = L.FLOW_NAMES.index("returns")
    np.testing.assert_array_equal(banned.stocks[:, before], open_.stocks[:, before])
    np.testing.assert_array_equal(banned.flows[:, before], open_.flows[:, before])
    assert banned.flows[:, after, :, returns].sum() < 0.3 * open_.flows[:, after, :, returns].sum()
    for res in (banned, open_):  # everyone who arrived or was born is in one stock
        people = res.stocks.sum(axis=-1)
        entered = (res.flows[..., L.ARRIVALS] + res.flows[..., L.BIRTHS]).cumsum(axis=1)
        np.testing.assert_array_equal(people, entered)
    theatre = L.STOCK_NAMES.index("in_theatre")
    assert banned.stocks[:, after, :, theatre].sum() > open_.stocks[:, after, :, theatre].sum()


def test_new_parameters_are_global_and_cited():
    for name in ("border_ease", "caliphate_exit", "route_closure", "ops_attrition",
                 "home_response"):
        p = PARAMS[PARAM_INDEX[name]]
        assert p.scope == "global" and p.source and "judgement" in p.source
    prep = prepare("baseline", end="2017-12", countries=["FRA", "TUN"])
    dp = sample_parameters(prep, 0, np.arange(8))
    for name in ("border_ease", "caliphate_exit", "route_closure", "ops_attrition",
                 "home_response"):
        v = dp.params_pre[:, :, PARAM_INDEX[name]]
        assert np.isfinite(v).all() and (v == v[:, :1]).all()  # one value per draw


@pytest.mark.parametrize("cutoff", ["2015-12", "2016-06", "2016-12"])
def test_territory_does_not_bounce_back_at_the_cutoff(cutoff):
    """Between the last figure public by the cut-off and the cut-off, the territory stays at
    that figure; after it, it only falls (it went back to 100% before issue 19)."""
    prep = prepare(load_scenario("baseline").replace(cutoff=cutoff), end="2019-12",
                   countries=["FRA"])
    dp = sample_parameters(prep, 0, np.arange(6))
    seen = np.flatnonzero(~np.isnan(prep.observed[: prep.cutoff_index + 1]))[-1]
    last = prep.observed[seen]
    np.testing.assert_allclose(dp.territory[:, seen: prep.cutoff_index + 1], last)
    assert (np.diff(dp.territory[:, seen:], axis=1) <= 1e-12).all()
    assert (dp.pressure[:, seen:] >= dp.pressure[:, seen: seen + 1] - 1e-12).all()


def test_the_exit_ban_prior_leans_to_a_ban_but_keeps_the_open_reading():
    """ADR 0027: caliphate_exit's prior leans to a ban that held most fighters in (mean 0.3)
    yet keeps the reading of one that changed little (a tenth of the draws above 0.6); the
    engine's sampler draws it as that beta (closed form)."""
    p = PARAMS[PARAM_INDEX["caliphate_exit"]]
    u = (np.arange(20_000) + 0.5) / 20_000
    x = sample_scalar(p, np.array([p.mean]), u)
    a, b = p.mean * p.spread, (1 - p.mean) * p.spread
    np.testing.assert_allclose(x, stats.beta(a, b).ppf(u), rtol=1e-9, atol=1e-12)
    assert abs(x.mean() - 0.3) < 1e-3
    assert (x < 0.1).mean() > 0.2  # the ban that held (0.24)
    assert (x > 0.6).mean() > 0.10  # the ban that changed little


def test_base_deaths_prior_spans_the_world_anchor_and_the_western_statements():
    """ADR 0027: death_base's prior (sd log 0.6) covers both the world anchor (5-10% dead by
    Jan 2015 after ~10 months in theatre) and the Western statements of late 2014 (11-18%)
    inside its 90% interval; the old sd (0.3) left the Western reading outside it."""
    p = PARAMS[PARAM_INDEX["death_base"]]
    lo, hi = p.mean * np.exp(-1.645 * p.spread), p.mean * np.exp(1.645 * p.spread)

    def share(h: float) -> float:  # dead after ten months at a constant hazard
        return 1 - np.exp(-10 * h)

    assert share(lo) < 0.05 and share(hi) > 0.15
    assert share(0.007 * np.exp(1.645 * 0.3)) < 0.11  # the old prior's upper end


def test_the_response_reviews_the_western_returnees_already_home():
    """ADR 0035: paired runs (common random numbers), the response finding everyone against
    no response: identical before 2015-11; at the end of 2015-11 no Western returnee is
    unnoticed (the review found those already home, the screening every new one), and the
    non-Western origin is untouched in every month; nobody is lost."""
    countries = ["FRA", "BEL", "TUN"]

    def run(response: float):
        prep = prepare(_scenario("2016-12", home_response=response), end="2017-03",
                       countries=countries)
        return prep, run_chunk(prep, 7, np.arange(6))

    prep, full = run(1.0)
    _, none = run(0.0)
    months = prep.months[prep.record_from:]
    before = np.asarray(months < pd.Timestamp(HOME_RESPONSE))
    at = int(np.flatnonzero(months == pd.Timestamp(HOME_RESPONSE))[0])
    np.testing.assert_array_equal(full.stocks[:, before], none.stocks[:, before])
    undetected, detected = L.STOCK_NAMES.index("undetected"), L.STOCK_NAMES.index("detected")
    order = list(prep.countries["iso3"])
    west = [order.index("FRA"), order.index("BEL")]
    assert (none.stocks[:, at - 1, west, undetected] > 0).all()  # someone to find
    assert (full.stocks[:, at, west, undetected] == 0).all()
    assert (full.stocks[:, at, west, detected] > none.stocks[:, at, west, detected]).all()
    tun = order.index("TUN")
    np.testing.assert_array_equal(full.stocks[:, :, tun], none.stocks[:, :, tun])
    np.testing.assert_array_equal(full.flows[:, :, tun], none.flows[:, :, tun])
    for res in (full, none):
        people = res.stocks.sum(axis=-1)
        entered = (res.flows[..., L.ARRIVALS] + res.flows[..., L.BIRTHS]).cumsum(axis=1)
        np.testing.assert_array_equal(people, entered)


@pytest.mark.parametrize("cutoff", ["2015-12", "2016-02"])
def test_no_review_at_a_cutoff_that_did_not_know_the_response(cutoff):
    """Before the response was public (2016-03), home_response changes nothing at all."""
    def run(response: float):
        prep = prepare(_scenario(cutoff, home_response=response), end="2017-06",
                       countries=["FRA", "BEL"])
        return run_chunk(prep, 7, np.arange(4))

    a, b = run(1.0), run(0.0)
    np.testing.assert_array_equal(a.stocks, b.stocks)
    np.testing.assert_array_equal(a.flows, b.flows)
