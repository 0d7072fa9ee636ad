"""Synthetic truth: a record simulated from known parameters -> calibration recovers them.

The full measurement (5 seeds, 1,000 particles; docs/validation.md) is
``python scripts/synthetic_truth.py --particles 1000 --seeds 1,2,3,4,5``; this test runs a
small version of it so a change that breaks the sampler (a biased move, a likelihood that no
longer matches its generator) fails the suite.
"""

from __future__ import annotations

import numpy as np
import pytest

from ffcast.calibrate import calibrate
from ffcast.calibrate.risk import record_years
from ffcast.calibrate.smc import Block
from ffcast.calibrate.synthetic import coverage, prior_truth, synthetic_record
from ffcast.calibrate.targets import build_targets
from ffcast.engine import prepare
from ffcast.scenario import Scenario

CUTOFF = "2016-12"


@pytest.mark.slow
def test_true_values_inside_posterior_intervals_and_the_data_narrow_them() -> None:
    prep = prepare(Scenario(cutoff=CUTOFF), end="2017-01")
    targets, records = build_targets(prep), record_years(prep.months, CUTOFF)
    block = Block.for_run(prep)
    names = np.array(block.names)
    # The regional hazards the statements inform. (Travellers per country were in this set:
    # they are informed mainly by travelled counts weighted ~0.04 each, their priors being
    # built from those counts; since the per-country move samples them fully (ADR 0017) their
    # median 90% width is 3.1 at seed 11, against 2.66 with the random walk alone, at the
    # same 90% coverage, 0.81.)
    informed = np.array([n.startswith(("param:death_base", "param:early_return"))
                         for n in names])
    inside50, inside90, widths = [], [], []
    for seed in (11, 12):
        truth = prior_truth(block, seed)
        syn_t, syn_r = synthetic_record(prep, targets, records, block, truth, seed)
        res = calibrate(cutoff=CUTOFF, particles=200, seed=seed, targets=syn_t, records=syn_r)
        cov = coverage(truth, res.z)
        inside50.append(cov[0.5])
        inside90.append(cov[0.9])
        lo, hi = np.quantile(res.z, [0.05, 0.95], axis=0)
        widths.append(np.median((hi - lo)[informed]))
    # The data narrow what they inform (the prior's 90% width is 3.29 in normal scores).
    # Judged over the seeds: with 200 particles one seed's median width varies by about
    # +-0.3 (ADR 0022's record split: 3.10 and 2.67 at seeds 11 and 12, 2.32 and 2.60 at 13
    # and 14; before it 2.82, 2.57, 2.66, 2.67).
    assert np.mean(widths) < 3.0, widths
    c50, c90 = np.mean(inside50), np.mean(inside90)
    # Measured with 1,000 particles over five seeds: 0.46 at 50%, 0.87 at 90%
    # (docs/validation.md); 300 particles over three seeds: 0.44 and 0.85. A broken sampler
    # covers far less (0.27 and 0.72 with an independence proposal; 0.58 at 90% before the
    # fix of the stickiness).
    assert c90 >= 0.78, (c50, c90)
    assert c50 >= 0.33, (c50, c90)
