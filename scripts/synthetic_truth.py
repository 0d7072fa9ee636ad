"""Synthetic-truth coverage of the calibration (issue 14's measurement).

For each seed: a truth drawn from the prior (normal scores of every calibrated component),
the statements and the attack record simulated from it through the observation model the
likelihood assumes (``ffcast.calibrate.synthetic``), a calibration at 2016-12, and whether
each true component lies inside the posterior's central 50% and 90% intervals.

Run: ``PYTHONPATH=src python scripts/synthetic_truth.py --particles 1000 --seeds 1,2,3,4,5``
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from ffcast.calibrate.risk import record_years
from ffcast.calibrate.smc import Block, calibrate
from ffcast.calibrate.synthetic import coverage, prior_truth, synthetic_record
from ffcast.calibrate.targets import build_targets
from ffcast.engine import prepare
from ffcast.scenario import Scenario


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--particles", type=int, default=1000)
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--cutoff", default="2016-12")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    prep = prepare(Scenario(cutoff=args.cutoff), end="2017-01")
    targets, records = build_targets(prep), record_years(prep.months, args.cutoff)
    block = Block.for_run(prep)
    kinds = np.array([n.split(":")[0] for n in block.names])
    in50, in90 = [], []
    for seed in seeds:
        truth = prior_truth(block, seed)
        syn_t, syn_r = synthetic_record(prep, targets, records, block, truth, seed)
        t0 = time.perf_counter()
        res = calibrate(args.cutoff, particles=args.particles, seed=seed, targets=syn_t,
                        records=syn_r)
        cov = coverage(truth, res.z)
        in50.append(cov[0.5])
        in90.append(cov[0.9])
        print(f"seed {seed}: inside 50% {cov[0.5].mean():.3f}, 90% {cov[0.9].mean():.3f} "
              f"({len(res.stages)} stages, {time.perf_counter() - t0:.0f} s)", flush=True)
    a50, a90 = np.concatenate(in50), np.concatenate(in90)
    print(f"all {len(seeds)} seeds, {block.size} components each: inside 50% {a50.mean():.3f}, "
          f"90% {a90.mean():.3f}")
    for k in np.unique(kinds):
        m = np.tile(kinds == k, len(seeds))
        print(f"  {k:12s} {m.sum() // len(seeds):4d} components: 50% {a50[m].mean():.3f}, "
              f"90% {a90[m].mean():.3f}")


if __name__ == "__main__":
    main()
