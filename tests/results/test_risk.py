"""The risk reduction against the engine's own expected numbers and its region definition.

The engine records, per month, the expected number of attacks in the West linked to foreign
fighters given the simulated stocks (``run_chunk(..., expected=True)``); given a path, the
executed count in a year is Poisson with that mean, so P(at least one) = 1 - exp(-Lambda).
The headline's probabilities are shares of simulated draws, reduced by
:mod:`ffcast.results.risk` over the risk regions of :mod:`ffcast.results.quantities`: if the
West were defined differently there than in the engine (or a target were dropped), the two
would disagree.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ffcast.calibrate.risk import at_least_one
from ffcast.engine import prepare, run_chunk
from ffcast.results import quantities as Q
from ffcast.results import risk
from ffcast.scenario import Scenario, load_scenario

DRAWS = 2000
SEED = 11
# Small, mixed set: Western origins attack at home and abroad, TUN only abroad counts.
COUNTRIES = ["BEL", "NLD", "DNK", "SWE", "TUN"]
# P strictly inside (MIN_P, 1 - MIN_P): where a share of draws can disagree at all.
MIN_P = 0.05
Z = 4.0  # 4 standard errors: a false alarm about once in 15,000 years compared


@pytest.fixture(scope="module")
def ensemble() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per year: simulated counts (D, Y, RISK_REGIONS, RISK_COUNTS), expected (D, Y,
    N_EXPECTED), and the Western origins' attacks at home only (D, Y).

    Inmates radicalised in prison plot at home in the simulation but are not travellers, so
    the expected channel leaves them out; their plot rate is set to 0 here so both count the
    same people."""
    base = load_scenario("baseline").model_dump(by_alias=True)
    scen = Scenario.model_validate({**base, "parameters": {"plot_rate_radicalised":
                                                           {"mean": 0.0}}})
    prep = prepare(scen, end="2020-12", countries=COUNTRIES)
    ch = run_chunk(prep, SEED, np.arange(DRAWS), expected=True)
    months = prep.months[ch.months]
    counts = risk.yearly(Q.risk_counts(ch.flows, Q.western_origins(prep.countries["region"])),
                         months)
    expected = np.add.reduceat(ch.expected, risk.year_starts(months), axis=1)
    attacks = ch.flows[..., Q.flow_slots("attacks")]  # (D, T, C, TARGETS)
    western = Q.western_origins(prep.countries["region"])
    homes_only = risk.yearly(attacks[:, :, western, Q.TARGETS.index("home")].sum(-1), months)
    return counts, expected, homes_only


def _z(hit: np.ndarray, lam: np.ndarray) -> float:
    """Standardised mean of the paired difference 1{N > 0} - (1 - exp(-Lambda))."""
    d = hit.astype(float) - at_least_one(lam)
    return float(d.mean() / (d.std(ddof=1) / np.sqrt(len(d))))


@pytest.mark.parametrize(("count", "channel"), [("attacks", 0), ("mass_casualty_attacks", 1)])
def test_p_at_least_one_matches_the_closed_form(ensemble: tuple[np.ndarray, ...],
                                                count: str, channel: int) -> None:
    counts, expected, _ = ensemble
    west = counts[:, :, Q.RISK_REGIONS.index("west"), Q.RISK_COUNTS.index(count)]
    lam = expected[..., channel]
    closed = at_least_one(lam).mean(axis=0)
    informative = np.flatnonzero((closed > MIN_P) & (closed < 1 - MIN_P))
    assert len(informative) >= 4, closed  # enough years where the claim can fail
    for k in informative:
        z = _z(west[:, k] > 0, lam[:, k])
        assert abs(z) < Z, (k, (west[:, k] > 0).mean(), closed[k], z)


def test_the_closed_form_tells_a_wrong_west_apart(ensemble: tuple[np.ndarray, ...]) -> None:
    """The comparison has power: a West that forgets the attacks on other Western countries
    (Western origins' home attacks only) is caught."""
    _, expected, homes_only = ensemble
    lam = expected[..., 0]
    zs = [_z(homes_only[:, k] > 0, lam[:, k]) for k in range(lam.shape[1])
          if MIN_P < at_least_one(lam[:, k]).mean() < 1 - MIN_P]
    assert min(zs) < -Z, zs


def test_every_attack_lands_in_exactly_one_region() -> None:
    for west in (np.array([True, False, True]), np.array([False, False, False])):
        m = Q.risk_region_matrix(west)
        np.testing.assert_array_equal(m.sum(-1), 1)


def test_the_west_is_western_homes_and_every_attack_on_another_western_country() -> None:
    west = np.array([True, False])
    per_target = np.zeros((2, 2, len(Q.TARGETS)), dtype=np.int64)  # (draw, C, targets)
    per_target[0, 0, Q.TARGETS.index("home")] = 3  # a Western origin at home
    per_target[0, 1, Q.TARGETS.index("home")] = 5  # a non-Western origin at home
    per_target[1, 1, Q.TARGETS.index("western_abroad")] = 7  # non-Western, in the West
    per_target[1, 0, Q.TARGETS.index("third_theatre")] = 2
    out = Q.by_risk_region(per_target, west)
    r = {name: Q.RISK_REGIONS.index(name) for name in Q.RISK_REGIONS}
    assert out[0, r["west"]] == 3 and out[0, r["home_elsewhere"]] == 5
    assert out[1, r["west"]] == 7 and out[1, r["third_theatres"]] == 2
    np.testing.assert_array_equal(out.sum(-1), per_target.sum((1, 2)))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 9), st.integers(0, 2**32 - 1))
def test_regions_and_the_headline_agree_with_the_matrix_form(draws: int, origins: int,
                                                             seed: int) -> None:
    """The risk counts (every flow summed over Western and other origins in one pass) are
    each count's targets times :func:`Q.risk_region_matrix`, plus the radicalised inmates'
    counts at home in their own region (the West's) or at non-Western homes (ADR 0036), and
    each origin's part of the headline (:func:`Q.headline_by_origin`) adds up to the West's
    (ADR 0033): the inmates' attacks are never in it."""
    from ffcast.engine import layout as L

    rng = np.random.default_rng(seed)
    west = rng.random(origins) < 0.5
    flows = rng.integers(0, 2**31 - 1, size=(draws, 4, origins, L.N_FLOWS),
                         dtype=np.int64).astype(np.int32)
    m = Q.risk_region_matrix(west)
    out = Q.risk_counts(flows, west)
    for k, name in enumerate(Q.RISK_COUNTS):
        per_target = flows[..., Q.flow_slots(name)]
        expected = sum(per_target[..., g].astype(np.int64) @ m[:, g]
                       for g in range(len(Q.TARGETS)))
        inmates = flows[..., Q.flow_slots(Q.INMATE_RISK_COUNTS[name])[0]].astype(np.int64)
        expected[..., Q.RISK_REGIONS.index("inmates_west")] += inmates[..., west].sum(-1)
        expected[..., Q.RISK_REGIONS.index("home_elsewhere")] += inmates[..., ~west].sum(-1)
        np.testing.assert_array_equal(out[..., k], expected)
        np.testing.assert_array_equal(Q.by_risk_region(per_target, west, inmates), expected)
        west_total = out[..., Q.RISK_REGIONS.index("west"), k]
        np.testing.assert_array_equal(Q.headline_by_origin(per_target, west).sum(-1),
                                      west_total)
        np.testing.assert_array_equal(Q.headline_of_regions(out[..., k]), west_total)


def test_year_summary_is_ordered_and_probabilities_are_shares() -> None:
    rng = np.random.default_rng(3)
    counts = rng.poisson(1.5, size=(400, len(Q.RISK_REGIONS), len(Q.RISK_COUNTS)))
    counts[..., Q.RISK_COUNTS.index("mass_casualty_attacks")] = np.minimum(
        counts[..., Q.RISK_COUNTS.index("mass_casualty_attacks")], counts[..., 0])
    out = risk.year_summary(counts)
    for r, region in enumerate(Q.RISK_REGIONS):
        s = out[region]
        assert s["p_at_least_one"] == pytest.approx((counts[:, r, 0] > 0).mean())
        assert 0 <= s["p_mass_casualty"] <= s["p_at_least_one"] <= 1
        for q in (s["attacks"], s["deaths"]):
            assert 0 <= q["p5"] <= q["median"] <= q["p95"]


@pytest.mark.parametrize(("p", "text"), [(0.0, "0%"), (0.001, "<1%"), (0.5, "50%"),
                                         (0.997, ">99%"), (1.0, "100%")])
def test_a_possibility_never_rounds_to_zero_or_certainty(p: float, text: str) -> None:
    assert risk.percent(p) == text


def _expected_by_year(parameters: dict) -> np.ndarray:
    base = load_scenario("baseline").model_dump(by_alias=True)
    scen = Scenario.model_validate({**base, "parameters": parameters})
    prep = prepare(scen, end="2018-12", countries=COUNTRIES)
    ch = run_chunk(prep, SEED, np.arange(200), expected=True)
    months = prep.months[ch.months]
    return np.add.reduceat(ch.expected, risk.year_starts(months), axis=1)  # (D, Y, 4)


def test_the_expected_channels_nest_and_name_who_plotted() -> None:
    """Directed attacks (ADR 0022) are part of all attacks, their mass-casualty ones part of
    both; with no dispatched plots the directed channels are zero and the totals are the
    returnees', with no returnee plots the totals are the directed ones."""
    from ffcast.engine import layout as L

    tot, mass = L.EXPECTED_WEST_ATTACKS, L.EXPECTED_WEST_MASS
    d, dm = L.EXPECTED_WEST_DIRECTED, L.EXPECTED_WEST_DIRECTED_MASS
    e = _expected_by_year({})
    tol = 1e-9 * (1.0 + e[..., tot])
    assert (e >= 0).all()
    assert (e[..., d] <= e[..., tot] + tol).all() and (e[..., dm] <= e[..., d] + tol).all()
    assert (e[..., dm] <= e[..., mass] + tol).all()
    assert (e[..., mass] - e[..., dm] <= e[..., tot] - e[..., d] + tol).all()
    assert e[..., d].sum() > 0 and (e[..., tot] - e[..., d]).sum() > 0  # both sources act
    none_sent = _expected_by_year({"plot_rate_dispatched": {"mean": 0.0}})
    assert (none_sent[..., [d, dm]] == 0).all() and none_sent[..., tot].sum() > 0
    no_returnees = _expected_by_year({"plot_rate_reengaged": {"mean": 0.0},
                                      "plot_rate_undetected": {"mean": 0.0}})
    np.testing.assert_allclose(no_returnees[..., d], no_returnees[..., tot], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(no_returnees[..., dm], no_returnees[..., mass], rtol=1e-9,
                               atol=1e-12)
