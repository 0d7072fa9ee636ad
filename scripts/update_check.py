"""Updating without refitting against the slow way, on synthetic truth.

For each truth (a point drawn from the prior, ``ffcast.calibrate.synthetic``): the embedded
statements and attack record at the cut-off 2016-06 are replaced by the ones the model
produces under that truth, and 20 user statements are drawn from the same truth (cumulative
returnees of the four countries with the most travellers, as of 2016-07..2016-11, each
published a month later, read as official counts through the reporting model). Then, in two
replicates with different SMC seeds:

- A0 = calibrate(2016-06), A = update(A0, statements, until=2016-12) (the fast way);
- B = calibrate(2016-06, observations=statements, through=2016-12) (the slow way).

Agreement: per posterior component, the distance between two posteriors' means in units of
their pooled sd, d = |mean_1 - mean_2| / sqrt((sd_1^2 + sd_2^2) / 2), summarised as a root
mean square over the components. Between two runs of the same method (A-A, B-B) it measures
Monte Carlo error only; if the update targets the same posterior as the full calibration,
the cross pairs (A-B) satisfy E[d_AB^2] = (E[d_AA^2] + E[d_BB^2]) / 2, so the ratio
rms(A-B) / sqrt((rms(A-A)^2 + rms(B-B)^2) / 2) is about 1, and a bias of the update makes it
larger. It does not tell a noisy update from a good one (a collapsed population has a large
A-A and keeps the ratio near 1), so the verdict also asks the update's Monte Carlo error,
rms(A-A) / rms(B-B), to stay within 1.5, and the coverage to match. "informed" restricts to
the components the new statements speak to most (travellers and country return effect of
the four countries); "shift" is how far the statements moved those from A0 to B (the
check's power). Coverage: the share of true components inside the 50% and 90% intervals of
A0, A and B.

Run: ``PYTHONPATH=src python scripts/update_check.py`` (12 minutes on 2 shared cores;
``--quick`` for a smoke run of under a minute; ``--target-ess 0`` folds the statements in
at once, as the update did before it tempered them).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field

import numpy as np

from ffcast.backtest import validate_observations
from ffcast.calibrate import calibrate, from_result
from ffcast.calibrate.posterior import calibration_prep
from ffcast.calibrate.risk import record_years
from ffcast.calibrate.smc import Block
from ffcast.calibrate.synthetic import (
    coverage,
    prior_truth,
    statement_frame,
    synthetic_statements,
)
from ffcast.calibrate.targets import build_targets
from ffcast.calibrate.update import update

CUTOFF = "2016-06"
UNTIL = "2016-12"
AS_OF = ("2016-07", "2016-08", "2016-09", "2016-10", "2016-11")
COUNTRIES = 4  # the countries with the most travellers (central estimate)


@dataclass
class Run:
    """One posterior: its particles (normal scores) and how long it took."""

    z: np.ndarray
    seconds: float
    figures: np.ndarray  # log(1 + median of the predictive) of each new statement's figure


@dataclass
class Truth:
    """Everything measured for one truth."""

    seed: int
    a0: list[Run] = field(default_factory=list)
    a: list[Run] = field(default_factory=list)
    b: list[Run] = field(default_factory=list)
    ess: list[float] = field(default_factory=list)


def distance(z1: np.ndarray, z2: np.ndarray) -> np.ndarray:
    """Per component, |mean_1 - mean_2| in units of the pooled posterior sd."""
    sd = np.sqrt(0.5 * (z1.var(axis=0) + z2.var(axis=0)))
    return np.abs(z1.mean(axis=0) - z2.mean(axis=0)) / np.maximum(sd, 1e-9)


def rms(values: list[np.ndarray]) -> float:
    return float(np.sqrt(np.mean(np.square(np.concatenate(values)))))


def pairs(t: Truth, mask: np.ndarray) -> dict[str, list[np.ndarray]]:
    """Per-component distances (restricted to ``mask``) within and across methods."""
    a, b = [r.z for r in t.a], [r.z for r in t.b]
    return {"AA": [distance(a[0], a[1])[mask]], "BB": [distance(b[0], b[1])[mask]],
            "AB": [distance(x, y)[mask] for x in a for y in b],
            "shift": [distance(r0.z, y)[mask] for r0, y in zip(t.a0, b, strict=True)]}


def ratio(d: dict[str, list[np.ndarray]]) -> float:
    return rms(d["AB"]) / np.sqrt(0.5 * (rms(d["AA"]) ** 2 + rms(d["BB"]) ** 2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--particles", type=int, default=300)
    ap.add_argument("--truths", type=int, default=3, help="synthetic truths (default 3)")
    ap.add_argument("--seed", type=int, default=1, help="first truth's seed")
    ap.add_argument("--target-ess", type=float, default=0.5,
                    help="the update's tempering (share of the particles; 0: one step)")
    ap.add_argument("--moves", type=int, default=None,
                    help="the update's moves per step (default: ffcast.update's)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 60 particles, one truth (no verdict)")
    args = ap.parse_args()
    particles, truths = (60, 1) if args.quick else (args.particles, args.truths)
    t_start = time.perf_counter()
    prep = calibration_prep(CUTOFF, UNTIL)
    targets, records = build_targets(prep), record_years(prep.months, CUTOFF)
    block = Block.for_run(prep)
    names = np.array(block.names)
    kinds = np.array([n.split(":")[0] for n in names])
    countries = prep.countries[prep.countries["kind"] == "country"]
    stated = list(countries.sort_values("central", ascending=False)["iso3"][:COUNTRIES])
    informed = np.isin(names, [f"{k}:{c}" for c in stated
                               for k in ("travellers", "country:return")])
    frame = validate_observations(statement_frame(stated, list(AS_OF)), "synthetic statements")
    everything = np.ones(len(names), dtype=bool)
    print(f"cut-off {CUTOFF}, statements published by {UNTIL}: {len(frame)} cumulative "
          f"returnee counts ({', '.join(stated)}; as of {AS_OF[0]}..{AS_OF[-1]}, published a "
          f"month later); {particles} particles, {truths} truths x 2 replicates, "
          f"{block.size} components ({informed.sum()} informed)", flush=True)
    results: list[Truth] = []
    statements: list[np.ndarray] = []  # the figures each truth's statements give
    cov: dict[str, dict[float, list[np.ndarray]]] = {k: {0.5: [], 0.9: []}
                                                      for k in ("A0", "A", "B")}
    for k in range(truths):
        seed = args.seed + k
        truth = prior_truth(block, seed)
        syn_t, syn_r, said = synthetic_statements(prep, targets, records, block, truth, seed,
                                                  frame, UNTIL)
        figures = ", ".join(f"{r.iso3} {r.value:,.0f}" for r in said.itertuples()
                            if r.as_of == AS_OF[-1])
        print(f"truth {seed}: statements as of {AS_OF[-1]}: {figures}", flush=True)
        t = Truth(seed)
        statements.append(said["value"].to_numpy())
        for rep in (1, 2):
            s = 1000 * seed + rep
            t0 = time.perf_counter()
            res = calibrate(CUTOFF, particles=particles, seed=s,
                            targets=syn_t, records=syn_r)
            seconds = time.perf_counter() - t0
            t0 = time.perf_counter()
            more = {} if args.moves is None else {"moves": args.moves}
            up = update(from_result(res, states=False), said, UNTIL, targets=syn_t,
                        records=syn_r, target_ess=args.target_ess, **more)
            t.a0.append(Run(res.z, seconds, np.log1p(up.statements["before_median"].to_numpy())))
            t.a.append(Run(up.posterior.z.astype(float), time.perf_counter() - t0,
                           np.log1p(up.statements["after_median"].to_numpy())))
            t.ess.append(up.ess / particles)
            t0 = time.perf_counter()
            full = calibrate(CUTOFF, particles=particles, seed=s + 10,
                             targets=syn_t, records=syn_r, observations=said, through=UNTIL)
            user = [i for i, tg in enumerate(full.targets) if tg.channel == "user_returned"]
            t.b.append(Run(full.z, time.perf_counter() - t0,
                           np.log1p(np.median(full.predictive[:, user], axis=0))))
            print(f"  replicate {rep}: calibration {t.a0[-1].seconds:.0f} s "
                  f"({len(res.stages)} stages), update {t.a[-1].seconds:.0f} s "
                  f"(ESS {up.ess:.0f}/{particles}, {len(up.stages)} steps, acceptance "
                  f"{up.acceptance:.2f}, noise "
                  f"{up.noise_acceptance:.2f}), full calibration {t.b[-1].seconds:.0f} s "
                  f"({len(full.stages)} stages, temperature {full.stages[-1].temperature:.2f})",
                  flush=True)
        for key, runs in (("A0", t.a0), ("A", t.a), ("B", t.b)):
            for r in runs:
                c = coverage(truth, r.z)
                cov[key][0.5].append(c[0.5])
                cov[key][0.9].append(c[0.9])
        results.append(t)

    print("\nMeans: rms over components of |mean_1 - mean_2| / pooled sd (A = update, "
          "B = full calibration)")
    head = (f"{'truth':>6} | {'all: A-A':>8} {'B-B':>5} {'A-B':>5} {'ratio':>5} | "
            f"{'informed: A-A':>13} {'B-B':>5} {'A-B':>5} {'ratio':>5} {'shift':>5}")
    print(head)
    print("-" * len(head))
    pooled: dict[str, dict[str, list[np.ndarray]]] = {"all": {}, "inf": {}}
    for t in results:
        cells = []
        for key, mask in (("all", everything), ("inf", informed)):
            d = pairs(t, mask)
            for name, v in d.items():
                pooled[key].setdefault(name, []).extend(v)
            cells.append(d)
        print(f"{t.seed:>6} | {rms(cells[0]['AA']):8.3f} {rms(cells[0]['BB']):5.3f} "
              f"{rms(cells[0]['AB']):5.3f} {ratio(cells[0]):5.2f} | "
              f"{rms(cells[1]['AA']):13.3f} {rms(cells[1]['BB']):5.3f} "
              f"{rms(cells[1]['AB']):5.3f} {ratio(cells[1]):5.2f} "
              f"{rms(cells[1]['shift']):5.2f}")
    pa, pi = pooled["all"], pooled["inf"]
    print(f"{'all':>6} | {rms(pa['AA']):8.3f} {rms(pa['BB']):5.3f} {rms(pa['AB']):5.3f} "
          f"{ratio(pa):5.2f} | {rms(pi['AA']):13.3f} {rms(pi['BB']):5.3f} "
          f"{rms(pi['AB']):5.3f} {ratio(pi):5.2f} {rms(pi['shift']):5.2f}")

    print(f"\nThe published figures of the {len(frame)} statements: rms over them of the "
          "difference of log(1 + predictive median)")
    print(f"{'truth':>6} | {'A-A':>5} {'B-B':>5} {'A-B':>5} | {'A0-B (before)':>13} | "
          f"{'A-statement':>11} {'B-statement':>11}")
    figs: dict[str, list[np.ndarray]] = {}
    for t, said_t in zip(results, statements, strict=True):
        seen = np.log1p(said_t)
        d = {"AA": [t.a[0].figures - t.a[1].figures], "BB": [t.b[0].figures - t.b[1].figures],
             "AB": [x.figures - y.figures for x in t.a for y in t.b],
             "A0B": [x.figures - y.figures for x, y in zip(t.a0, t.b, strict=True)],
             "As": [x.figures - seen for x in t.a], "Bs": [y.figures - seen for y in t.b]}
        for key, v in d.items():
            figs.setdefault(key, []).extend(v)
        print(f"{t.seed:>6} | {rms(d['AA']):5.3f} {rms(d['BB']):5.3f} {rms(d['AB']):5.3f} | "
              f"{rms(d['A0B']):13.3f} | {rms(d['As']):11.3f} {rms(d['Bs']):11.3f}")
    print(f"{'all':>6} | {rms(figs['AA']):5.3f} {rms(figs['BB']):5.3f} {rms(figs['AB']):5.3f} | "
          f"{rms(figs['A0B']):13.3f} | {rms(figs['As']):11.3f} {rms(figs['Bs']):11.3f}")

    sd_ratio = np.concatenate([r_a.z.std(axis=0) / np.maximum(r_b.z.std(axis=0), 1e-9)
                               for t in results for r_a, r_b in zip(t.a, t.b, strict=True)])
    print(f"\nPosterior sd, update / full calibration: median {np.median(sd_ratio):.2f} "
          f"(5-95%: {np.percentile(sd_ratio, 5):.2f}-{np.percentile(sd_ratio, 95):.2f})")

    print("\nCoverage of the true components (share inside the central interval)")
    print(f"{'':24} {'50%':>6} {'90%':>6}")
    for key, label in (("A0", "A0 (cut-off 2016-06)"), ("A", "A (update)"),
                       ("B", "B (full calibration)")):
        c50, c90 = (np.concatenate(cov[key][lv]) for lv in (0.5, 0.9))
        print(f"{label:24} {c50.mean():6.3f} {c90.mean():6.3f}")
    reps = len(results) * 2
    for key, label in (("A", "A (update)"), ("B", "B (full calibration)")):
        c50, c90 = (np.concatenate(cov[key][lv]) for lv in (0.5, 0.9))
        by = ", ".join(f"{kd} {c90[np.tile(kinds == kd, reps)].mean():.2f}"
                       for kd in np.unique(kinds))
        print(f"  90% by kind, {label}: {by}")

    times = {k: np.mean([r.seconds for t in results for r in getattr(t, k)])
             for k in ("a0", "a", "b")}
    ess = np.mean([e for t in results for e in t.ess])
    print(f"\nTime per run (mean): calibration at {CUTOFF} {times['a0']:.0f} s, update "
          f"{times['a']:.0f} s, full calibration through {UNTIL} {times['b']:.0f} s "
          f"(update {times['b'] / times['a']:.1f}x faster); incremental-weight ESS "
          f"{ess:.0%} of the particles")

    a90 = np.concatenate(cov["A"][0.9]).mean()
    b90 = np.concatenate(cov["B"][0.9]).mean()
    a50 = np.concatenate(cov["A"][0.5]).mean()
    b50 = np.concatenate(cov["B"][0.5]).mean()
    noise = rms(pa["AA"]) / rms(pa["BB"])
    means_ok = ratio(pa) <= 1.25 and ratio(pi) <= 1.5 and noise <= 1.5
    cover_ok = abs(a90 - b90) <= 0.05 and abs(a50 - b50) <= 0.07
    verdict = "AGREES" if means_ok and cover_ok else "DISAGREES"
    print(f"\nVerdict: the update {verdict} with the full calibration: mean distances "
          f"{ratio(pa):.2f}x (all) and {ratio(pi):.2f}x (informed) the Monte Carlo "
          f"error, the update's own Monte Carlo error {noise:.2f}x the full calibration's "
          f"(agreement: <= 1.25, 1.5, 1.5); coverage 50% {a50:.2f} vs {b50:.2f}, "
          f"90% {a90:.2f} vs {b90:.2f} (agreement: within 0.07 and 0.05). "
          f"{len(results)} truths, {particles} particles, "
          f"{(time.perf_counter() - t_start) / 60:.1f} min.")
    if args.quick:
        print("(--quick: too few particles and stages for a verdict; a smoke run)")


if __name__ == "__main__":
    main()
