"""Run the model once per sample point and reduce each run to one outcome value.

Warning first: every point is run with the *same* seed, so every point sees the same random
numbers draw for draw (common random numbers, see :mod:`ffcast.engine.rng`). Differences
between points are then caused by the factors, not by Monte Carlo noise, which is what lets a
Sobol analysis work with tens of draws per point instead of thousands. The price: the noise
that remains is shared, so a result is conditional on the seed; repeat with another seed
before trusting a small index. ``workers=N`` starts a local Dask cluster with the ``spawn``
method, so a script calling it needs an ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ffcast.errors import FFCastError
from ffcast.experiments.outcomes import Outcome, get_outcome
from ffcast.experiments.space import Factor, apply, factors
from ffcast.scenario import Scenario

DEFAULT_END = "2020-12"  # three and a half years after the expected collapse


def evaluate(points: np.ndarray, outcome: str | Outcome, draws_per_point: int = 20,
             seed: int = 0, **options: Any) -> np.ndarray:
    """The outcome at each of ``points``: :func:`evaluate_with_history` (the same keyword
    ``options``: ``space``, ``base``, ``start``, ``end``, ``countries``, ``posterior``,
    ``workers``, ``scheduler``, ``progress``) without why points re-simulated the history."""
    return evaluate_with_history(points, outcome, draws_per_point, seed, **options)[0]


def evaluate_with_history(
    points: np.ndarray,
    outcome: str | Outcome,
    draws_per_point: int = 20,
    seed: int = 0,
    *,
    space: Sequence[Factor] | None = None,
    base: Scenario | str = "baseline",
    start: str = "2011-01",
    end: str = DEFAULT_END,
    countries: list[str] | None = None,
    posterior: object | None = "auto",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, list[str | None]]:
    """The outcome at each of ``points`` (``(N, k)``, one column per factor of ``space``).

    Each point becomes a scenario (:func:`ffcast.experiments.space.apply` on ``base``) run
    with ``draws_per_point`` draws and ``seed`` (the same for all points) through
    :func:`ffcast.runner.run`; ``space`` defaults to the declared uncertainties. With
    ``workers`` or ``scheduler`` the points are spread over a Dask cluster, one task per
    point; the numbers are identical. Returns ``(N,)`` floats in the outcome's unit, and per
    point why its run re-simulated the posterior particles' history from 2011 (the
    runner's :attr:`ffcast.runner.Headline.history`; None when it started from their stored
    states or ran on the priors). Raises :class:`FFCastError` for bad input, before
    anything runs.
    """
    from ffcast.calibrate.posterior import resolve
    from ffcast.options import run_options
    from ffcast.scenario import load_scenario

    run_options(draws=draws_per_point, seed=seed, start=start, end=end, countries=countries,
                posterior=posterior, workers=workers, scheduler=scheduler)
    out = get_outcome(outcome) if isinstance(outcome, str) else outcome
    space = tuple(space) if space is not None else factors()
    pts = np.atleast_2d(np.asarray(points, dtype=float))
    if pts.shape[1] != len(space):
        raise FFCastError(f"points have {pts.shape[1]} columns for {len(space)} factors")
    scen = load_scenario(base) if isinstance(base, str) else base
    scenarios = [apply(scen, space, p) for p in pts]  # validate every point first
    post = resolve(posterior, scen.cutoff)
    job = _Job(out, draws_per_point, seed, start, end, countries, post)
    if progress is not None:
        progress(0)  # every point passed its checks: the work starts
    if workers is None and scheduler is None:
        runs = _in_process(job, scenarios, progress)
    else:
        runs = _on_cluster(job, scenarios, workers, scheduler, progress)
    return np.array([v for v, _ in runs], dtype=float), [h for _, h in runs]


def history_note(space: Sequence[Factor], reasons: Sequence[str | None],
                 counted_from: str, what: str = "indices of people outcomes") -> str | None:
    """What the indices of a design include besides the forecast, or None: when any point
    re-simulated the history from 2011 (``reasons``, one per point, as
    :func:`evaluate_with_history` gives them), or the design multiplies prior means (which
    act on the months before the cut-off too, also on the priors), people counted at the
    end month include what the factors changed before ``counted_from`` (``what`` names
    the result that inherits it)."""
    why = sorted({r for r in reasons if r is not None})
    priors = [f.name for f in space if f.target.startswith("parameters.")]
    if not why and not priors:
        return None
    if why:
        head = f"points re-simulate the history from 2011 ({'; '.join(why)})"
    else:
        head = ("points simulate the history from 2011 with the multiplied priors ("
                + ", ".join(priors) + ")")
    return (f"{head}: {what} include changes before {counted_from}, and events after it "
            "start from that changed past")


def what_is_counted(base: Scenario | str = "baseline", end: str = DEFAULT_END,
                    posterior: object | None = "auto",
                    countries: list[str] | None = None) -> dict[str, object]:
    """What an experiment's outcomes count: the base scenario's name, the months flows are
    summed over (after the cut-off, or after an updated posterior's origin, to ``end``;
    people are counted at ``end``) and the countries (None: every country)."""
    import pandas as pd

    from ffcast.calibrate.posterior import resolve
    from ffcast.scenario import load_scenario

    scen = load_scenario(base) if isinstance(base, str) else base
    post = resolve(posterior, scen.cutoff)
    origin = scen.cutoff if post is None else post.origin
    first = pd.Period(origin, "M") + 1
    return {"scenario": scen.name, "counted_from": str(first), "end_month": str(end),
            "period": f"{first} – {end}", "countries": countries}


def _in_process(job: _Job, scenarios: list[Scenario],
                progress: Callable[[int], None] | None) -> list[tuple[float, str | None]]:
    import numba

    # A point is a handful of draws: numba's threads would spend more time at barriers than
    # computing (measured 12x slower with 2 threads on the shared 2-core machine), so run
    # the points on one thread and give the caller's setting back afterwards.
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        values = []
        for s in scenarios:
            values.append(job(s))
            if progress is not None:
                progress(1)
    finally:
        numba.set_num_threads(threads)
    return values


class _Job:
    """One point's run, picklable so a Dask worker can call it."""

    def __init__(self, outcome: Outcome, draws: int, seed: int, start: str, end: str,
                 countries: list[str] | None, posterior: object | None) -> None:
        # Declared outcomes travel by name (their functions are closures, which pickle cannot
        # send); a caller's own outcome travels as itself and must then be picklable.
        self.outcome_name = outcome.name
        self.outcome = outcome if outcome.name not in _registered() else None
        self.draws, self.seed, self.start, self.end = draws, seed, start, end
        self.countries, self.posterior = countries, posterior

    def __call__(self, scenario: Scenario) -> tuple[float, str | None]:
        """The point's outcome, and why its run re-simulated the history (or None)."""
        from ffcast.runner import run

        out = self.outcome or get_outcome(self.outcome_name)
        head = run(scenario, draws=self.draws, seed=self.seed, start=self.start, end=self.end,
                   countries=self.countries, posterior=self.posterior,
                   chunk_size=max(self.draws, 1))
        return out.value(head), head.history


def _registered() -> set[str]:
    from ffcast.experiments.outcomes import OUTCOMES

    return set(OUTCOMES)


def _on_cluster(job: _Job, scenarios: list[Scenario], workers: int | None,
                scheduler: str | None, progress: Callable[[int], None] | None
                ) -> list[tuple[float, str | None]]:
    from distributed import as_completed

    values: list[tuple[float, str | None]] = [(np.nan, None)] * len(scenarios)
    from ffcast.distributed import client as dask_client

    with dask_client(workers, scheduler) as client:
        job_f = client.scatter(job, broadcast=True, hash=False)
        futures = {client.submit(_run_point, job_f, s, pure=False, retries=2): i
                   for i, s in enumerate(scenarios)}
        for fut in as_completed(futures, loop=client.loop):
            values[futures[fut]] = fut.result()
            if progress is not None:
                progress(1)
    return values


def _run_point(job: _Job, scenario: Scenario) -> tuple[float, str | None]:
    import numba

    numba.set_num_threads(1)  # worker processes already use every core between them
    return job(scenario)
