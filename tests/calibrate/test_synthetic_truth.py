"""Synthetic truth: data simulated from known parameters -> calibration recovers them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from ffcast.calibrate import build_targets, calibrate
from ffcast.calibrate.smc import CALIBRATED_PARAMS, NOISE_OFFSET, Block, _Evaluator
from ffcast.engine import prepare
from ffcast.scenario import Scenario

CUTOFF = "2016-12"


def _synthetic_targets(seed: int) -> tuple[list, np.ndarray, Block]:
    """Targets whose values are simulated (with observation noise) from a true particle."""
    prep = prepare(Scenario(cutoff=CUTOFF), end=str(pd.Period(CUTOFF, "M") + 1))
    targets = build_targets(prep)
    block = Block(CALIBRATED_PARAMS, tuple(prep.countries["iso3"]))
    rng = np.random.default_rng(1000 + seed)
    truth = rng.standard_normal((1, block.size))
    _, sim = _Evaluator(prep, seed, targets, block)(truth, np.array([NOISE_OFFSET * 2 + seed]))
    noisy = []
    for t, value in zip(targets, sim[0], strict=True):
        if t.kind == "share":
            v = float(np.clip(value + t.sigma * rng.standard_normal(), 0, 1))
        else:
            v = float(value * np.exp(t.sigma * rng.standard_normal()))
        noisy.append(replace(t, low=v, high=v))
    return noisy, truth[0], block


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_true_values_inside_posterior_intervals(seed: int) -> None:
    targets, truth, block = _synthetic_targets(seed)
    res = calibrate(cutoff=CUTOFF, particles=200, seed=seed, targets=targets)
    lo, hi = np.percentile(res.z, [5, 95], axis=0)
    inside = (truth >= lo) & (truth <= hi)
    # With the truth drawn from the prior, a correct posterior covers ~90% of components.
    assert inside.mean() >= 0.75, inside.mean()
    # And it learns: the posterior is narrower than the prior on informed components.
    width = hi - lo
    assert np.median(width) < 2 * 1.645
    names = np.array(block.names)
    informed = np.char.startswith(names, "param:death") | np.char.startswith(names, "param:early")
    assert inside[informed].mean() >= 0.7
