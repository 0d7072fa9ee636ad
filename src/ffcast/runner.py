"""Run a scenario end to end: stream draw chunks, write results, keep a small headline.

Warning first: memory stays bounded because each chunk is reduced to the headline (a few
numbers per draw) and, when ``out`` is given, appended to the writer before the next chunk
is simulated. Nothing else holds all draws of all variables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ffcast.engine import ChunkResult, Prepared, prepare
from ffcast.engine import layout as L
from ffcast.scenario import Scenario

PATHWAY_ROWS: tuple[tuple[str, str], ...] = (
    ("returned", "Returned home (all home-pipeline stocks)"),
    ("stayed", "Stayed in Iraq/Syria (in theatre or insurgency)"),
    ("joined_other", "Joined other groups in theatre"),
    ("relocated", "Relocated to third theatres"),
    ("dispatched", "Dispatched abroad (active)"),
    ("detained_in_theatre", "Detained in Iraq/Syria"),
    ("killed", "Killed"),
)
_HOME = list(range(L.UNDETECTED, L.N_STOCKS))
_RELOC = list(range(L.RELOCATED0, L.DISPATCHED))


@dataclass
class Headline:
    """Per-draw headline numbers of one run (arrays lead with the draw axis)."""

    scenario: str
    seed: int
    draws: np.ndarray
    end_month: pd.Timestamp
    forecast_from: pd.Timestamp
    countries: list[str]
    pathways: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (D,)
    returned_by_country: np.ndarray | None = None  # (D, C) cumulative returned at the end
    attacks: np.ndarray | None = None  # (D, 3 targets), executed after the cut-off
    attack_deaths: np.ndarray | None = None  # (D, 3)
    travelled: np.ndarray | None = None  # (D,)
    posterior: str | None = None  # cut-off of the posterior used, None = priors

    def extend(self, prep: Prepared, stocks: np.ndarray, flows: np.ndarray,
               months: np.ndarray | None = None, flows_from: int | None = None) -> None:
        """Add one chunk's reductions.

        ``months`` and ``flows_from`` describe the chunk's recording (``ChunkResult.months``
        and ``.flows_from``; default: every month from ``prep.record_from``). The headline
        needs the last month and the flows after the cut-off, so any recording that has a
        record boundary at the cut-off works, e.g. ``Recording.summary(prep)``.
        """
        if months is None:
            months = np.arange(prep.record_from, prep.record_from + stocks.shape[1])
        months = np.asarray(months)
        first = np.r_[months[0] if flows_from is None else flows_from, months[:-1] + 1]
        straddles = (first <= prep.cutoff_index) & (months > prep.cutoff_index)
        if straddles.any():
            from ffcast.errors import FFCastError

            raise FFCastError("record: the headline counts attacks after the cut-off; record "
                              "the cut-off month too")
        after = first > prep.cutoff_index
        end = stocks[:, -1]  # (D, C, S)
        tot = end.sum(axis=1).astype(np.int64)
        parts = {
            "returned": tot[:, _HOME].sum(1),
            "stayed": tot[:, L.IN_THEATRE] + tot[:, L.INSURGENT],
            "joined_other": tot[:, L.JOINED_OTHER],
            "relocated": tot[:, _RELOC].sum(1),
            "dispatched": tot[:, L.DISPATCHED],
            "detained_in_theatre": tot[:, L.DETAINED],
            "killed": tot[:, L.KILLED],
        }
        for k, v in parts.items():
            self.pathways[k] = np.concatenate([self.pathways.get(k, np.empty(0, np.int64)), v])
        home = end[:, :, _HOME].sum(-1).astype(np.int64)
        att = flows[:, after][..., L.ATTACKS0:L.ATTACKS0 + 3].sum(axis=(1, 2), dtype=np.int64)
        dth = flows[:, after][..., L.ATTACK_DEATHS0:L.ATTACK_DEATHS0 + 3].sum(axis=(1, 2),
                                                                               dtype=np.int64)
        self.returned_by_country = _cat(self.returned_by_country, home)
        self.attacks = _cat(self.attacks, att)
        self.attack_deaths = _cat(self.attack_deaths, dth)
        self.travelled = _cat(self.travelled, tot.sum(1))

    def to_dict(self, top: int = 10) -> dict:
        """JSON-ready summary: median and 5-95% interval of every headline number."""
        def q(x: np.ndarray) -> dict[str, float]:
            lo, med, hi = np.percentile(x, [5, 50, 95])
            return {"median": float(med), "p5": float(lo), "p95": float(hi),
                    "mean": float(np.mean(x))}

        assert self.returned_by_country is not None and self.attacks is not None
        assert self.attack_deaths is not None and self.travelled is not None
        med = np.median(self.returned_by_country, axis=0)
        order = np.argsort(-med, kind="stable")[:top]
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "draws": len(self.draws),
            "parameters": f"posterior (cut-off {self.posterior})" if self.posterior
            else "prior",
            "end_month": self.end_month.strftime("%Y-%m"),
            "attacks_counted_from": self.forecast_from.strftime("%Y-%m"),
            "travelled": q(self.travelled),
            "pathways": {k: q(v) for k, v in self.pathways.items()},
            "returned_by_country": {self.countries[i]: q(self.returned_by_country[:, i])
                                    for i in order},
            "attacks": {t: q(self.attacks[:, g]) for g, t in enumerate(L.TARGETS)},
            "attack_deaths": {t: q(self.attack_deaths[:, g]) for g, t in enumerate(L.TARGETS)},
        }


def _cat(a: np.ndarray | None, b: np.ndarray) -> np.ndarray:
    return b if a is None else np.concatenate([a, b])


def run(
    scenario: Scenario | str | None = "baseline",
    draws: int = 1000,
    seed: int = 0,
    start: str = "2011-01",
    end: str = "2026-12",
    out: str | Path | None = None,
    chunk_size: int = 250,
    countries: list[str] | None = None,
    progress: Callable[[int], None] | None = None,
    posterior: object | None = "auto",
    workers: int | None = None,
    scheduler: str | None = None,
) -> Headline:
    """Simulate ``draws`` draws of a scenario; optionally stream the results to ``out``.

    ``posterior``: ``"auto"`` uses the shipped posterior for the scenario's cut-off when there
    is one (else the priors), ``None`` the priors, or a path / :class:`Posterior`.
    ``workers=N`` runs the chunks on a local Dask cluster of N processes, ``scheduler`` on an
    existing one at ``tcp://HOST:PORT`` (see :mod:`ffcast.distributed`); the numbers are
    identical either way. ``progress`` is called with the number of draws finished after
    each chunk. Raises :class:`ffcast.errors.FFCastError` subclasses for bad input (before
    anything is written).
    """
    from ffcast.distributed import check_options, run_chunks
    from ffcast.errors import FFCastError

    check_options(workers, scheduler)
    if draws < 1:
        raise FFCastError("draws: must be at least 1")
    if chunk_size < 1:
        raise FFCastError("chunk_size: must be at least 1")
    prep = prepare(scenario, start=start, end=end, countries=countries)
    post = resolve_posterior(posterior, prep.scenario.cutoff)
    idx = np.arange(draws)
    head = Headline(
        scenario=prep.scenario.name, seed=seed, draws=idx, end_month=prep.months[-1],
        forecast_from=prep.months[prep.cutoff_index] + pd.offsets.MonthBegin(1),
        countries=prep.countries["iso3"].tolist(),
    )
    writer = None
    if out is not None:
        from ffcast import results

        writer = results.ResultsWriter(out, prep, seed)
    try:
        if writer is not None:
            writer.__enter__()

        def take(chunk: ChunkResult) -> None:
            head.extend(prep, chunk.stocks, chunk.flows)
            if writer is not None:
                from ffcast import results

                writer.append(results.to_dataset(prep, chunk, seed))
            if progress is not None:
                progress(len(chunk.draws))

        run_chunks(prep, seed, idx, chunk_size, post, workers=workers, scheduler=scheduler,
                   on_chunk=take)
    except BaseException as exc:
        if writer is not None:
            writer.__exit__(type(exc), exc, exc.__traceback__)
        raise
    if writer is not None:
        writer.__exit__(None, None, None)
    head.posterior = None if post is None else post.attrs.get("cutoff", "file")
    return head


def resolve_posterior(posterior: object | None, cutoff: str) -> object | None:
    """A Posterior (or None for priors) from ``"auto"``, ``None``, a path or a Posterior."""
    from ffcast.calibrate import posterior as post_mod

    if posterior is None:
        return None
    if isinstance(posterior, post_mod.Posterior):
        return posterior
    if posterior == "auto":
        return post_mod.shipped(cutoff)
    post = post_mod.load(posterior)  # type: ignore[arg-type]
    if post.cutoff != cutoff:
        from ffcast.errors import FFCastError

        raise FFCastError(f"--posterior: fitted at cut-off {post.cutoff}, but the scenario's "
                          f"cut-off is {cutoff}; fix: use a posterior for {cutoff}")
    return post


def compare(a: Scenario | str, b: Scenario | str, draws: int = 1000, seed: int = 0,
            end: str = "2026-12", chunk_size: int = 250, posterior: object | None = "auto"
            ) -> dict:
    """Paired differences B - A under common random numbers (same seed, same draws)."""
    ha = run(a, draws=draws, seed=seed, end=end, chunk_size=chunk_size, posterior=posterior)
    hb = run(b, draws=draws, seed=seed, end=end, chunk_size=chunk_size, posterior=posterior)

    def diff(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
        d = y.astype(np.int64) - x.astype(np.int64)
        lo, med, hi = np.percentile(d, [5, 50, 95])
        return {"median": float(med), "p5": float(lo), "p95": float(hi),
                "mean": float(d.mean()), "share_of_draws_lower": float((d < 0).mean())}

    assert ha.attacks is not None and hb.attacks is not None
    assert ha.attack_deaths is not None and hb.attack_deaths is not None
    return {
        "a": ha.scenario, "b": hb.scenario, "seed": seed, "draws": draws,
        "end_month": ha.end_month.strftime("%Y-%m"),
        "pathways": {k: diff(ha.pathways[k], hb.pathways[k]) for k in ha.pathways},
        "attacks": {t: diff(ha.attacks[:, g], hb.attacks[:, g])
                    for g, t in enumerate(L.TARGETS)},
        "attack_deaths": {t: diff(ha.attack_deaths[:, g], hb.attack_deaths[:, g])
                          for g, t in enumerate(L.TARGETS)},
        "attacks_total": diff(ha.attacks.sum(1), hb.attacks.sum(1)),
        "attack_deaths_total": diff(ha.attack_deaths.sum(1), hb.attack_deaths.sum(1)),
    }
