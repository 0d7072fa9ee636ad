"""The reporting model's own moves (ADR 0023): the components that enter the likelihood
only move at fixed simulated counts, leave the tempered posterior where it is, unstick a
population that shares one value, and compute exactly the evaluator's likelihood.

A closed form: particle i simulated a count ``x_i`` (fixed); component 0 is a log bias, so
its statement reads ``z0 + x_i`` against ``Y0`` with noise ``S0``; component 1 has a
statement of its own; component 2 enters the simulation (not moved). With a standard
normal prior and the statements tempered by ``w``, z0 given x_i is normal with precision
1 + w / S0^2.
"""

from __future__ import annotations

import numpy as np
import pytest

from ffcast.calibrate import smc

Y0, S0 = 1.0, 0.5
Y1, S1 = -0.5, 0.8
N = 20_000


class _Toy:
    comps = np.array([0, 1])
    cols = np.array([0, 1])

    def __init__(self, x: np.ndarray) -> None:
        self.x = x

    def loglik(self, z: np.ndarray) -> np.ndarray:
        return np.column_stack([-0.5 * ((z[:, 0] + self.x - Y0) / S0) ** 2,
                                -0.5 * ((z[:, 1] - Y1) / S1) ** 2])


def _posterior(x: np.ndarray, w: float) -> tuple[np.ndarray, np.ndarray, float, float]:
    p0 = 1 + w / S0**2
    p1 = 1 + w / S1**2
    return (w * (Y0 - x) / S0**2 / p0, np.full(len(x), p0**-0.5),
            w * Y1 / S1**2 / p1, p1**-0.5)


@pytest.mark.parametrize("w", [1.0, 0.3])
def test_reading_moves_keep_the_tempered_posterior(w: float) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 0.5, N)
    m0, s0, m1, s1 = _posterior(x, w)
    z = np.column_stack([m0 + s0 * rng.standard_normal(N), m1 + s1 * rng.standard_normal(N),
                         rng.standard_normal(N)])
    toy = _Toy(x)
    out, dll, acc = smc._reading_move(z, toy, np.full(2, w), rng)
    assert 0.1 < acc < 0.9
    assert np.mean(out[:, 0] != z[:, 0]) > 0.9  # they move
    assert np.array_equal(out[:, 2], z[:, 2])  # the simulated part stays
    r = (out[:, 0] - m0) / s0
    assert abs(r.mean()) < 0.03 and abs(r.std() - 1) < 0.03
    assert abs(out[:, 1].mean() - m1) < 0.03 and abs(out[:, 1].std() / s1 - 1) < 0.03
    np.testing.assert_allclose(dll, toy.loglik(out) - toy.loglik(z), atol=1e-12)


def test_a_stuck_population_regains_the_posterior_spread() -> None:
    """After resampling, every particle on one value of the reporting components: the
    moves alone (no simulation) bring back the posterior's spread; the random walk of the
    whole model rarely proposed these components, which is what left them stuck."""
    rng = np.random.default_rng(1)
    x = rng.normal(0.0, 0.5, N)
    m0, s0, m1, s1 = _posterior(x, 1.0)
    z = np.column_stack([np.full(N, 2.0), np.full(N, 1.5), rng.standard_normal(N)])
    out, _, _ = smc._reading_move(z, _Toy(x), np.ones(2), rng)
    r = (out[:, 0] - m0) / s0
    assert len(np.unique(out[:, 0])) > 0.9 * N
    assert abs(r.mean()) < 0.05 and abs(r.std() - 1) < 0.05
    assert abs(out[:, 1].mean() - m1) < 0.05 and abs(out[:, 1].std() / s1 - 1) < 0.05


def test_a_move_that_ignored_the_temperature_would_fail() -> None:
    """The check above can fail: weighing the statements fully at temperature 0.3 leaves
    the particles at the untempered posterior."""
    rng = np.random.default_rng(2)
    x = np.zeros(N)
    m0, s0, _, _ = _posterior(x, 0.3)
    z = np.column_stack([m0 + s0 * rng.standard_normal(N), rng.standard_normal((N, 2))])
    out, _, _ = smc._reading_move(z, _Toy(x), np.ones(2), rng)
    assert abs((out[:, 0] - m0).std() / s0[0] - 1) > 0.15


def test_the_reading_is_the_evaluators_likelihood_and_moves_nothing_simulated() -> None:
    """On the real model at 2015-06: the reading gives, for the statements read through
    the reporting model, exactly the evaluator's columns; its components are the reporting
    model's and the travelled scope; and changing them changes no other column."""
    from ffcast.calibrate.risk import record_years
    from ffcast.calibrate.targets import build_targets
    from ffcast.engine import prepare
    from ffcast.scenario import Scenario, reporting

    prep = prepare(Scenario(name="t", cutoff="2015-06"), end="2015-07")
    targets = build_targets(prep)
    block = smc.Block.for_run(prep)
    ev = smc._Evaluator(prep, 3, targets, record_years(prep.months, "2015-06"), block)
    rng = np.random.default_rng(3)
    z = rng.standard_normal((8, block.size))
    nid = np.arange(8) + smc.NOISE_OFFSET
    view = ev.reading(z, nid)
    assert view is not None
    names = [block.names[i] for i in view.comps]
    assert sorted(names) == sorted([*reporting.COMPONENTS, "param:travelled_scope"])
    assert {targets[j].reporter for j in view.cols} <= set(reporting.KINDS)
    ll, _ = ev(z, nid)
    np.testing.assert_array_equal(view.loglik(z), ll[:, view.cols])
    z2 = z.copy()
    z2[:, view.comps] = rng.standard_normal((8, len(view.comps)))
    ll2, _ = ev(z2, nid)
    others = np.setdiff1d(np.arange(ll.shape[1]), view.cols)
    np.testing.assert_array_equal(ll2[:, others], ll[:, others])
    np.testing.assert_array_equal(view.loglik(z2), ll2[:, view.cols])


def test_the_updates_reading_move_keeps_its_bookkeeping() -> None:
    """In ``ffcast update`` the move weighs old and new statements as the bridge does, and
    the log-likelihoods it carries (the total, the old and the new parts) are those of a
    fresh evaluation at the moved particles."""
    from ffcast.calibrate.risk import record_years
    from ffcast.calibrate.targets import build_targets
    from ffcast.calibrate.update import _Bridge
    from ffcast.engine import prepare
    from ffcast.scenario import Scenario

    prep = prepare(Scenario(name="t", cutoff="2015-06"), end="2015-07")
    targets = build_targets(prep)
    block = smc.Block.for_run(prep)
    ev = smc._Evaluator(prep, 5, targets, record_years(prep.months, "2015-06"), block)
    reported = [j for j, t in enumerate(targets) if t.reporter]
    new = slice(reported[len(reported) // 2], len(targets))  # the later statements as new
    bridge = _Bridge(ev, new, reached=0.9)
    bridge.phi = 0.4
    rng = np.random.default_rng(5)
    z = rng.standard_normal((16, block.size))
    nid = np.arange(16) + smc.NOISE_OFFSET
    sim = bridge(z, nid)[1]
    z2, ll2, acc = bridge.reading_move(z, bridge.total(sim), sim, nid, rng)
    assert acc > 0 and np.any(z2 != z)
    fresh = bridge(z2, nid)[1]
    np.testing.assert_allclose(sim[:, -2:], fresh[:, -2:], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(ll2, bridge.total(fresh), rtol=1e-9, atol=1e-9)


def _evaluator_2015_06(seed: int) -> tuple:
    from ffcast.calibrate.risk import record_years
    from ffcast.calibrate.targets import build_targets
    from ffcast.engine import prepare
    from ffcast.scenario import Scenario

    prep = prepare(Scenario(name="t", cutoff="2015-06"), end="2015-07")
    targets = build_targets(prep)
    block = smc.Block.for_run(prep)
    return smc._Evaluator(prep, seed, targets, record_years(prep.months, "2015-06"),
                          block), targets, block, prep


def test_what_a_move_carries_is_what_a_fresh_evaluation_gives() -> None:
    """Calibration carries each column's log-likelihood and the counts the reporting model
    reads along with the particles (``_Carried``) instead of simulating them again: after a
    reading move and a country move, the carried columns equal a fresh evaluation at the
    moved particles, and the reading built from carried counts is the simulated one."""
    ev, targets, block, prep = _evaluator_2015_06(7)
    carried = smc._Carried(ev)
    rng = np.random.default_rng(7)
    z = rng.standard_normal((12, block.size))
    nid = np.arange(12) + smc.NOISE_OFFSET
    ll, sim = carried(z, nid)
    np.testing.assert_array_equal(carried.loglik(sim), ll)
    from_counts = ev.reading(z, nid, carried.counts(sim))
    simulated = ev.reading(z, nid)
    assert from_counts is not None and simulated is not None
    np.testing.assert_array_equal(from_counts.loglik(z), simulated.loglik(z))
    z, dll, cols, acc = smc._reading_step(ev, z, nid, sim, np.full(ev.n_columns, 0.5), rng,
                                          carried.counts(sim))
    assert acc > 0 and len(cols)
    carried.moved(sim, cols, dll)
    fresh_ll, _ = ev(z, nid)
    np.testing.assert_allclose(carried.loglik(sim), fresh_ll, rtol=1e-12, atol=1e-9)
    local = smc.CountryBlocks.build(block, targets, prep, len(ev.records))
    runs = []
    for llc in (carried.loglik(sim), None):  # carried, or simulated again: the same moves
        out = smc._country_move(z, sim, nid, 0.5, 0.5, 1, np.random.default_rng(11), carried,
                                local, llc)
        runs.append(out)
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_allclose(runs[0][1], runs[1][1], rtol=1e-12, atol=1e-9)
    z2, sim2 = runs[0][0], runs[0][2]
    np.testing.assert_allclose(carried.loglik(sim2), ev(z2, nid)[0], rtol=1e-12, atol=1e-9)


def test_the_updates_bridge_carries_what_a_fresh_evaluation_gives() -> None:
    """``ffcast update`` runs its bridge on a ``_Carried`` evaluator: after the reporting
    model's move, the carried columns (each statement's log-likelihood, the old and new
    parts) are those of a fresh evaluation, and the country move's starting point read from
    them is what ``per_column`` computes."""
    from ffcast.calibrate.update import _Bridge

    ev, targets, block, _ = _evaluator_2015_06(9)
    reported = [j for j, t in enumerate(targets) if t.reporter]
    new = slice(reported[len(reported) // 2], len(targets))
    carried = smc._Carried(ev)
    bridge = _Bridge(carried, new, reached=0.9)
    bridge.phi = 0.4
    rng = np.random.default_rng(9)
    z = rng.standard_normal((12, block.size))
    nid = np.arange(12) + smc.NOISE_OFFSET
    sim = bridge(z, nid)[1]
    np.testing.assert_array_equal(bridge.carried_columns(sim), bridge.per_column(z, nid)[0])
    z2, ll2, acc = bridge.reading_move(z, bridge.total(sim), sim, nid, rng)
    assert acc > 0 and np.any(z2 != z)
    fresh = bridge(z2, nid)[1]
    np.testing.assert_allclose(sim[:, -2:], fresh[:, -2:], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(carried.loglik(sim), carried.loglik(fresh), rtol=1e-12,
                               atol=1e-9)
    np.testing.assert_allclose(bridge.carried_columns(sim), bridge.per_column(z2, nid)[0],
                               rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(ll2, bridge.total(fresh), rtol=1e-9, atol=1e-9)
