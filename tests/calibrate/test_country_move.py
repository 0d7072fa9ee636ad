"""The countries' own moves (delayed acceptance) leave the posterior where it is.

A Gaussian model with a closed-form posterior: each "country" has one component with a
standard normal prior, one statement of its own, and all of them share one statement about
their sum. Started from exact posterior draws, the moves must keep the posterior's mean and
variance of every component and of the sum (the part only stage 2 sees), and must move
particles; and on the real model a country's statements depend on its own components only
(what stage 1 relies on).
"""

from __future__ import annotations

import numpy as np

from ffcast.calibrate import smc

C = 6
Y = np.array([1.5, -0.5, 2.0, 0.0, 1.0, -1.0])  # each country's own statement
S_LOCAL = 0.8
TOTAL, S_TOTAL = 1.0, 0.3  # the shared statement about the sum: tight, against the locals


def _posterior() -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of z given the statements (prior N(0, I))."""
    prec = np.eye(C) + np.eye(C) / S_LOCAL**2 + np.ones((C, C)) / S_TOTAL**2
    cov = np.linalg.inv(prec)
    return cov @ (Y / S_LOCAL**2 + TOTAL / S_TOTAL**2), cov


def _evaluate(z: np.ndarray, nid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    local = -0.5 * ((z - Y) / S_LOCAL) ** 2
    shared = -0.5 * ((z.sum(1) - TOTAL) / S_TOTAL) ** 2
    ll = np.column_stack([local, shared])
    return ll, z.sum(1, keepdims=True) + 0 * ll


def _blocks() -> smc.CountryBlocks:
    return smc.CountryBlocks(np.arange(C), np.array([*range(C), -1]), C)


def _moved(sweeps: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, float]:
    mean, cov = _posterior()
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal(mean, cov, size=20_000)
    sim = _evaluate(z, np.zeros(len(z)))[1]
    out, _, _, acc, _ = smc._country_move(z, sim, np.zeros(len(z)), 1.0, 1.0, sweeps, rng,
                                          _evaluate, _blocks())
    return z, out, acc


def test_country_moves_keep_the_posterior() -> None:
    mean, cov = _posterior()
    start, z, acc = _moved(30)
    assert acc > 0.05  # the moves do move
    assert np.mean(np.any(z != start, axis=1)) > 0.9
    se = np.sqrt(np.diag(cov) / 20_000) * 4  # generous: draws are correlated across sweeps
    assert np.all(np.abs(z.mean(0) - mean) < 5 * se)
    assert np.allclose(z.var(0), np.diag(cov), rtol=0.08)
    total_var = cov.sum()
    assert abs(z.sum(1).var() / total_var - 1) < 0.1  # what only stage 2 keeps
    assert abs(z.sum(1).mean() - mean.sum()) < 5 * np.sqrt(total_var / 20_000) * 4


def test_without_stage_two_the_sum_drifts() -> None:
    """The check above can fail: moves that ignore the shared statement spread the sum."""
    mean, cov = _posterior()
    rng = np.random.default_rng(1)
    z = rng.multivariate_normal(mean, cov, size=20_000)
    local_only = smc.CountryBlocks(np.arange(C), np.array([*range(C), 0]), C)  # sum read as local
    out, *_ = smc._country_move(z, _evaluate(z, z[:, 0])[1], z[:, 0], 1.0, 1.0, 30, rng,
                                _evaluate, local_only)
    # The shared column now counts in country 0's stage 1 only; the others ignore it, so the
    # sum's variance leaves the posterior's.
    assert abs(out.sum(1).var() / cov.sum() - 1) > 0.2


def test_country_statements_depend_on_their_own_components_only() -> None:
    from ffcast.calibrate.risk import record_years
    from ffcast.calibrate.targets import build_targets
    from ffcast.engine import prepare
    from ffcast.scenario import Scenario

    prep = prepare(Scenario(name="c", cutoff="2015-12"), end="2016-01")
    targets = build_targets(prep)
    records = record_years(prep.months, "2015-12")
    block = smc.Block.for_run(prep)
    ev = smc._Evaluator(prep, 0, targets, records, block)
    local = smc.CountryBlocks.build(block, targets, prep, len(records))
    assert local.width == 3 and (local.col_country >= 0).sum() > 50
    rng = np.random.default_rng(1)
    n = 12
    z = rng.standard_normal((n, block.size))
    nid = np.arange(10**9, 10**9 + n)
    base, _ = ev(z, nid)
    owned = local.comp_country >= 0
    prop = z + np.where(owned, rng.standard_normal(z.shape), 0.0)
    moved, _ = ev(prop, nid)
    pick = rng.random((n, local.n_countries)) < 0.5
    take = np.zeros(z.shape, dtype=bool)
    take[:, owned] = pick[:, local.comp_country[owned]]
    mixed, _ = ev(np.where(take, prop, z), nid)
    lc = local.col_country >= 0
    expect = np.where(pick[:, local.col_country[lc]], moved[:, lc], base[:, lc])
    np.testing.assert_array_equal(mixed[:, lc], expect)
    assert not np.array_equal(moved[:, lc], base[:, lc])
