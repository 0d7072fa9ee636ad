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
def test_true_values_inside_posterior_intervals_over_repeated_seeds() -> None:
    """With the truth drawn from the prior, a perfect posterior covers 90% of components.

    Measured here: about 70-83% per seed (200 particles), i.e. the posterior is somewhat
    overconfident (docs/validation.md). The issue's bar is "most parameters": every seed
    must cover at least 60% and the seeds together at least 70%.
    """
    coverage = []
    for seed in (1, 2, 3):
        targets, truth, block = _synthetic_targets(seed)
        res = calibrate(cutoff=CUTOFF, particles=200, seed=seed, targets=targets)
        lo, hi = np.percentile(res.z, [5, 95], axis=0)
        inside = (truth >= lo) & (truth <= hi)
        coverage.append(inside.mean())
        names = np.array(block.names)
        informed = (np.char.startswith(names, "param:death")
                    | np.char.startswith(names, "param:early"))
        assert inside[informed].mean() >= 0.5, (seed, inside[informed].mean())
        # It learns: informed components are narrower than the prior's 90% width (3.29).
        assert np.median((hi - lo)[informed]) < 3.29
    assert min(coverage) >= 0.6, coverage
    assert np.mean(coverage) >= 0.7, coverage
