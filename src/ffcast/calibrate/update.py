"""Fold statements published after a posterior's origin into it, without refitting.

Warning first: an update is the next step of the same sequential Monte Carlo, not a new
fit. Each particle keeps its parameters and its simulation noise, so its history up to the
old origin is the one it was weighted with; its noise goes on to the new month (the
particle's own continuation), the new statements weigh it through the reporting model
(the incremental likelihood: only the new columns), the population is resampled, and
moves that leave the posterior at the new month invariant rejuvenate it: random-walk and
prior-refresh moves of the parameters and a refresh of the noise, each accepted on the
whole likelihood (the embedded record, every statement folded in so far and the new ones,
with common random numbers), as in :mod:`.smc`. The result is a posterior whose origin is
the new month, with each particle's state there, so forecasts start after it.

What does not change: the embedded record and the priors stay those of the cut-off (no
figure the package holds beyond it is read; the cut-off rule applies to the embedded data
as before); only the user's statements, each with the date it became public, are new.
``scripts/update_check.py`` compares an update with a full calibration on synthetic truth
(figures in ``docs/validation.md``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ffcast.calibrate import posterior as posteriors
from ffcast.calibrate.posterior import Posterior
from ffcast.calibrate.risk import record_years
from ffcast.calibrate.smc import (
    RW_COMPONENTS,
    Block,
    CalibrationResult,
    Stage,
    Target,
    _ess,
    _Evaluator,
    _move,
    _refresh,
    _systematic,
    risk_targets,
)
from ffcast.calibrate.targets import build_targets, check_published, observation_targets
from ffcast.errors import FFCastError

#: The columns of a posterior's stored statements (the user's, folded in so far).
STATEMENT_COLUMNS = ("iso3", "quantity", "value", "low", "high", "as_of", "published",
                     "source", "notes")


@dataclass
class UpdateResult:
    """An updated posterior and what the update did.

    ``statements`` the new statements used (a frame: the figure, and the posterior
    predictive of the published figure before and after as median and 90% interval);
    ``ess`` the effective sample size of the incremental weights (out of the particles);
    ``acceptance`` / ``noise_acceptance`` of the rejuvenating moves; ``ignored`` how many
    rows of the file were not used, and why.
    """

    posterior: Posterior
    statements: pd.DataFrame
    ess: float
    acceptance: float
    noise_acceptance: float
    seconds: float
    ignored: dict[str, int] = field(default_factory=dict)


def stored_statements(post: Posterior) -> pd.DataFrame:
    """The user's statements a posterior has folded in so far (may be empty): the columns
    :func:`ffcast.calibrate.targets.observation_targets` reads (they were validated when
    first read, by :func:`ffcast.backtest.read_observations`)."""
    records = json.loads(post.attrs.get("statements", "[]") or "[]")
    frame = pd.DataFrame(records, columns=list(STATEMENT_COLUMNS))
    frame["month"] = pd.to_datetime(frame["as_of"].astype(str).str[:7] + "-01")
    frame["published_date"] = pd.to_datetime(frame["published"])
    for col in ("value", "low", "high"):
        frame[col] = pd.to_numeric(frame[col]).astype(float)
    frame["notes"] = frame["notes"].fillna("")
    return frame


def _as_records(obs: pd.DataFrame) -> list[dict]:
    out = []
    for r in obs.itertuples():
        out.append({"iso3": r.iso3, "quantity": r.quantity, "value": float(r.value),
                    "low": None if pd.isna(r.low) else float(r.low),
                    "high": None if pd.isna(r.high) else float(r.high),
                    "as_of": str(r.as_of),
                    "published": f"{pd.Timestamp(r.published_date):%Y-%m-%d}",
                    "source": str(r.source), "notes": str(getattr(r, "notes", "") or "")})
    return out


def update(posterior: Posterior | str, observations: pd.DataFrame, until: str, *,
           moves: int = 1, progress: Callable[[str], None] | None = None,
           name: str = "observations") -> UpdateResult:
    """Fold the statements of ``observations`` (a frame validated by
    :func:`ffcast.backtest.read_observations`; ``name`` for messages) published after the
    posterior's origin and by the end of ``until`` (``YYYY-MM``) into ``posterior`` (a
    :class:`Posterior`, a file, or a shipped cut-off such as ``"2016-12"``); see the module
    docstring.

    Raises :class:`FFCastError` for a posterior without particle noise (written before
    ffcast stored it: re-run ``ffcast calibrate``), a month not after the origin, or no
    statement to fold in (the message says which rows were left out and why).
    """
    from ffcast.scenario.fields import check_cutoff

    t0 = time.perf_counter()
    say = progress or (lambda text: None)
    post = posterior if isinstance(posterior, Posterior) else posteriors.load(posterior)
    if post.noise is None:
        raise FFCastError("--posterior: this posterior holds no particle noise ids (written "
                          "by an older ffcast); fix: re-run `ffcast calibrate` and update that")
    try:
        until = check_cutoff(until)
    except ValueError as exc:
        raise FFCastError(f"--until: {exc}") from None
    if pd.Period(until, "M") <= pd.Period(post.origin, "M"):
        raise FFCastError(f"--until: {until} is not after the posterior's origin "
                          f"{post.origin}; fix: give a later month")
    obs = check_published(observations, name)
    origin_end = pd.Period(post.origin, "M").end_time.normalize()
    until_end = pd.Period(until, "M").end_time.normalize()
    ignored = {
        "published by the origin (already public when the posterior was made)":
            int((obs["published_date"] <= origin_end).sum()),
        f"published after {until}": int((obs["published_date"] > until_end).sum()),
    }
    earlier = stored_statements(post)
    prep = posteriors.calibration_prep(post.cutoff, until)
    block = Block.for_run(prep)
    if block.names != post.names:
        raise FFCastError("--posterior: fitted with other components than this ffcast "
                          "calibrates; fix: re-run `ffcast calibrate`")
    old = build_targets(prep)
    if not earlier.empty:
        old += observation_targets(prep, earlier, until=origin_end)
    new = observation_targets(prep, obs, until=until_end, after=origin_end)
    usable = obs[(obs["published_date"] > origin_end) & (obs["published_date"] <= until_end)]
    ignored["another quantity, or a month outside 2011-01..--until"] = len(usable) - len(new)
    if not new:
        detail = "; ".join(f"{v} {k}" for k, v in ignored.items() if v)
        raise FFCastError(f"{name}: no statement published after {post.origin} and by "
                          f"{until} to fold in ({detail or 'the file is empty'}); fix: add "
                          "statements with their 'published' date, or choose --until")
    records = record_years(prep.months, post.cutoff)
    targets: list[Target] = [*old, *new]
    evaluate = _Evaluator(prep, post.seed, targets, records, block)
    say(f"weighing {len(post.z):,} particles by {len(new)} new statements")
    z = post.z.astype(float)
    nid = post.noise.copy()
    ll_t, sim = evaluate(z, nid)
    before = sim.copy()
    cols = slice(len(old), len(old) + len(new))
    logw = ll_t[:, cols].sum(axis=1)
    ess = _ess(logw)
    rng = np.random.default_rng([post.seed, 0x0DA7E, int(pd.Period(until, "M").ordinal)])
    idx = _systematic(logw, rng)
    z, ll, sim, nid = z[idx], ll_t.sum(axis=1)[idx], sim[idx], nid[idx]
    say(f"effective sample size {ess:,.0f}; rejuvenating")
    next_noise = int(post.noise.max()) + 1

    def fresh(k: int) -> np.ndarray:
        nonlocal next_noise
        ids = np.arange(next_noise, next_noise + k, dtype=np.int64)
        next_noise += k
        return ids

    scale = 2.38 / np.sqrt(min(z.shape[1], RW_COMPONENTS))
    t1 = time.perf_counter()
    z, ll, sim, acc, scale = _move(z, ll, sim, nid, 1.0, scale, moves, rng, evaluate)
    nid, ll, sim, refreshed = _refresh(z, ll, sim, nid, 1.0, rng, evaluate, fresh)
    stage = Stage(1.0, ess, acc, scale, time.perf_counter() - t1, refreshed)
    res = CalibrationResult(
        cutoff=post.cutoff, seed=post.seed, block=block, z=z, loglik=ll,
        targets=[*targets, *risk_targets(records)], predictive=sim, prior_predictive=before,
        stages=[stage], seconds=time.perf_counter() - t0, simulations=evaluate.calls,
        noise=nid)
    out = posteriors.from_result(res, states=False)
    history = json.loads(post.attrs.get("updates", "[]") or "[]")
    history.append({"until": until, "statements": len(new), "ess": round(ess, 1),
                    "acceptance": round(acc, 3), "noise_acceptance": round(refreshed, 3),
                    "seconds": round(time.perf_counter() - t0, 1),
                    "file": name})
    folded = _as_records(earlier) + _as_records(
        usable[usable.index.isin(_used_rows(prep, usable, until_end, origin_end))])
    out.attrs.update({"origin": until, "updates": json.dumps(history),
                      "statements": json.dumps(folded),
                      "observations": post.attrs.get("observations", "[]")})
    say("simulating each particle's state at the new origin")
    out = posteriors.attach_states(out, prep)
    table = _statement_table(new, before[:, cols], sim[:, cols])
    return UpdateResult(out, table, ess, acc, refreshed, time.perf_counter() - t0, ignored)


def _used_rows(prep: object, rows: pd.DataFrame, until_end: pd.Timestamp,
               origin_end: pd.Timestamp) -> pd.Index:
    """The index of the rows :func:`observation_targets` turns into targets."""
    keep = []
    for i in rows.index:
        if observation_targets(prep, rows.loc[[i]], until=until_end,  # type: ignore[arg-type]
                               after=origin_end):
            keep.append(i)
    return pd.Index(keep)


def _statement_table(targets: list[Target], before: np.ndarray,
                     after: np.ndarray) -> pd.DataFrame:
    rows = []
    for j, t in enumerate(targets):
        b = np.percentile(before[:, j], [5, 50, 95])
        a = np.percentile(after[:, j], [5, 50, 95])
        rows.append({"statement": t.label, "as_of": t.as_of, "figure": t.low,
                     "before_median": b[1], "before_p5": b[0], "before_p95": b[2],
                     "after_median": a[1], "after_p5": a[0], "after_p95": a[2]})
    return pd.DataFrame(rows)


__all__ = ["STATEMENT_COLUMNS", "UpdateResult", "stored_statements", "update"]
