"""Fold statements published after a posterior's origin into it, without refitting.

Warning first: an update is the next step of the same sequential Monte Carlo, not a new
fit. Each particle keeps its parameters and its simulation noise, so its history up to the
old origin is the one it was weighted with; its noise goes on to the new month (the
particle's own continuation), the new statements weigh it through the reporting model
(the incremental likelihood: only the new columns), tempered in over as many steps as keep
each step's effective sample size at half the particles (one step when they say little the
posterior did not expect; twenty monthly counts of four countries left an effective 2 to
11 of 300 particles in one step, measured in ``docs/validation.md``). At each step the
population is resampled and moves that leave that step's target invariant rejuvenate it:
random-walk and prior-refresh moves of the parameters, every country's own components
moved against its own statements (:func:`.smc._country_move`, per column at the bridge's
weights) and a refresh of the noise, each accepted on the whole likelihood (the embedded
record, every statement folded in so far and the new ones at the step's weight, with
common random numbers), as in :mod:`.smc`. The
result is a posterior whose origin is the new month, with each particle's state there, so
forecasts start after it.

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
from ffcast.calibrate.risk import YearRecord, record_years
from ffcast.calibrate.smc import (
    RW_COMPONENTS,
    Block,
    CalibrationResult,
    CountryBlocks,
    Stage,
    Target,
    _Carried,
    _country_move,
    _ess,
    _Evaluator,
    _move,
    _next_temperature,
    _reading_step,
    _refresh,
    _systematic,
    risk_targets,
)
from ffcast.calibrate.targets import (
    build_targets,
    check_published,
    observation_targets,
    statement_records,
    why_not_used,
)
from ffcast.errors import FFCastError

#: At most this many tempering steps bring the new statements in (the last one goes to 1).
MAX_STAGES = 40
#: Moves per tempering step, as many as calibration makes (``calibrate(moves=2)``): with
#: one, an update's intervals came out narrower than a recalibration's on synthetic truth
#: (coverage 32%/73% at 50%/90% against 41%/79%, Monte Carlo error 1.48x; with two 36%/78%
#: and 1.22x, docs/validation.md "Updating without refitting").
UPDATE_MOVES = 2
#: The columns of a posterior's stored statements (the user's, folded in so far).
STATEMENT_COLUMNS = ("iso3", "quantity", "value", "low", "high", "as_of", "published",
                     "source", "notes", "covers")


@dataclass
class UpdateResult:
    """An updated posterior and what the update did.

    ``statements`` the new statements used (a frame: the figure, and the posterior
    predictive of the published figure before and after as median and 90% interval);
    ``ess`` the effective sample size of the incremental weights of all the new statements
    at once (out of the particles: how much they say that the posterior did not expect);
    ``acceptance`` / ``noise_acceptance`` of the last step's rejuvenating moves; ``ignored``
    how many rows of the file were not used, and why; ``stages`` the tempering steps.
    """

    posterior: Posterior
    statements: pd.DataFrame
    ess: float
    acceptance: float
    noise_acceptance: float
    seconds: float
    ignored: dict[str, int] = field(default_factory=dict)
    stages: list[Stage] = field(default_factory=list)


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
    frame["covers"] = frame["covers"].fillna("")  # files written before covers: everyone
    return frame


def reached_temperature(post: Posterior) -> float:
    """The temperature the posterior's last SMC stage reached (1 unless its calibration
    stopped at ``max_stages``; 1 when the file does not say)."""
    stages = json.loads(post.attrs.get("stages", "[]") or "[]")
    return float(stages[-1]["temperature"]) if stages else 1.0


_SAME = ("iso3", "quantity", "as_of", "value", "low", "high", "source", "covers")


def _refuse_repeats(new: pd.DataFrame, earlier: pd.DataFrame, name: str) -> None:
    """Raise FFCastError for a statement given twice (the same country, quantity, month,
    figure, source and scope), in the file or already folded into the posterior: its
    likelihood would count twice. Repeats of one figure by different sources are allowed."""
    def keys(frame: pd.DataFrame) -> list[tuple]:
        cols = frame.reindex(columns=list(_SAME)).astype(object)
        cols = cols.where(cols.notna(), None)
        cols["as_of"] = cols["as_of"].astype(str).str[:7]
        cols["covers"] = cols["covers"].fillna("")
        return [tuple(r) for r in cols.itertuples(index=False)]

    folded = set(keys(earlier)) if not earlier.empty else set()
    seen: set = set()
    for key in keys(new):
        label = f"{key[0]} {key[1]} {key[3]:g} as of {key[2]} ({key[6]})"
        if key in folded:
            raise FFCastError(f"{name}: the statement {label} is folded into the posterior "
                              "already; fix: drop it from the file (it would count twice)")
        if key in seen:
            raise FFCastError(f"{name}: the statement {label} is given twice; fix: keep one "
                              "(it would count twice)")
        seen.add(key)


def update(posterior: Posterior | str, observations: pd.DataFrame, until: str, *,
           moves: int = UPDATE_MOVES, progress: Callable[[str], None] | None = None,
           name: str = "observations", targets: list[Target] | None = None,
           records: list[YearRecord] | None = None, target_ess: float = 0.5
           ) -> UpdateResult:
    """Fold the statements of ``observations`` (a frame validated by
    :func:`ffcast.backtest.read_observations`; ``name`` for messages) published after the
    posterior's origin and by the end of ``until`` (``YYYY-MM``) into ``posterior`` (a
    :class:`Posterior`, a file, or a shipped cut-off such as ``"2016-12"``); see the module
    docstring.

    ``targets`` and ``records`` replace the embedded statements and attack record of the
    cut-off, as in :func:`ffcast.calibrate.calibrate` (synthetic-truth checks: pass the
    ones the posterior was fitted to). A posterior whose calibration stopped before
    temperature 1 (``max_stages``) is brought there: its incremental weights include the
    rest of the old likelihood, so the moves at temperature 1 and the weights target the
    same posterior. The new statements are tempered in over as many steps as keep the
    effective sample size of each step's weights at ``target_ess`` of the particles (as in
    the calibration; 0 folds them in at once, in one step).

    Raises :class:`FFCastError` for a posterior without particle noise (written before
    ffcast stored it: re-run ``ffcast calibrate``), a month not after the origin, or no
    statement to fold in (the message says which rows were left out and why).
    """
    from ffcast.scenario.fields import check_origin

    t0 = time.perf_counter()
    say = progress or (lambda text: None)
    post = posterior if isinstance(posterior, Posterior) else posteriors.load(posterior)
    if post.noise is None:
        raise FFCastError("--posterior: this posterior holds no particle noise ids (written "
                          "by an older ffcast); fix: re-run `ffcast calibrate` and update that")
    try:
        until = check_origin(until)
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
    if not earlier.empty and (earlier["published_date"] > until_end).any():
        # A posterior fitted with ``calibrate(..., through=...)`` holds statements
        # published after its origin (its cut-off): an origin before them would forecast
        # from a month whose future the posterior has already seen.
        last = f"{earlier['published_date'].max():%Y-%m}"
        raise FFCastError(f"--until: {until} is before {last}, when the last statement "
                          f"the posterior was fitted to was published; fix: give {last} "
                          "or later")
    prep = posteriors.calibration_prep(post.cutoff, until)
    block = Block.for_run(prep)
    if block.names != post.names:
        raise FFCastError("--posterior: fitted with other components than this ffcast "
                          "calibrates; fix: re-run `ffcast calibrate`")
    old = build_targets(prep) if targets is None else list(targets)
    if not earlier.empty:
        # Every statement the posterior was fitted to, whenever it was published (by
        # ``until``, checked above): one fitted by ``calibrate(..., through=...)`` may be
        # published after the origin, and its likelihood must stay in the target.
        kept = observation_targets(prep, earlier, until=until_end)
        if len(kept) != len(earlier):
            raise FFCastError(f"--posterior: {len(earlier) - len(kept)} of the "
                              f"{len(earlier)} statements it was fitted to cannot be read "
                              "again; fix: re-run `ffcast calibrate` with them")
        old += kept
    used: list = []  # the rows of ``obs`` the new statements come from
    new = observation_targets(prep, obs, until=until_end, after=origin_end, used=used)
    usable = obs[(obs["published_date"] > origin_end) & (obs["published_date"] <= until_end)]
    _refuse_repeats(usable, earlier, name)
    ignored.update(why_not_used(usable[~usable.index.isin(used)], prep))
    if not new:
        detail = "; ".join(f"{v} {k}" for k, v in ignored.items() if v)
        raise FFCastError(f"{name}: no statement published after {post.origin} and by "
                          f"{until} to fold in ({detail or 'the file is empty'}); fix: add "
                          "statements with their 'published' date, or choose --until")
    if records is None:
        records = record_years(prep.months, post.cutoff)
    every: list[Target] = [*old, *new]
    evaluate = _Evaluator(prep, post.seed, every, records, block)
    say(f"weighing {len(post.z):,} particles by {len(new)} new statements")
    n = len(post.z)
    z = post.z.astype(float)
    nid = post.noise.copy()
    cols = slice(len(old), len(old) + len(new))
    carried = _Carried(evaluate)
    bridge = _Bridge(carried, cols, reached_temperature(post))
    if bridge.reached < 1.0:
        say(f"the posterior stopped at temperature {bridge.reached:.3f}: completing it")
    sim = bridge(z, nid)[1]
    before = carried.predictive(sim).copy()
    ess = _ess(bridge.increment(sim))
    rng = np.random.default_rng([post.seed, 0x0DA7E, int(pd.Period(until, "M").ordinal)])
    say(f"effective sample size of the new statements' weights {ess:,.0f}")
    next_noise = int(post.noise.max()) + 1

    def fresh(k: int) -> np.ndarray:
        nonlocal next_noise
        ids = np.arange(next_noise, next_noise + k, dtype=np.int64)
        next_noise += k
        return ids

    scale = 2.38 / np.sqrt(min(z.shape[1], RW_COMPONENTS))
    local = CountryBlocks.build(block, every, prep, len(records))
    c_scale = 2.38 / np.sqrt(max(local.width, 1))
    stages: list[Stage] = []
    while bridge.phi < 1.0:
        t1 = time.perf_counter()
        inc = bridge.increment(sim)
        phi = (1.0 if len(stages) == MAX_STAGES - 1
               else _next_temperature(inc, bridge.phi, target_ess * n))
        logw = (phi - bridge.phi) * inc
        stage_ess = _ess(logw)
        idx = _systematic(logw, rng)
        z, sim, nid = z[idx], sim[idx], nid[idx]
        bridge.phi = phi
        ll = bridge.total(sim)
        z, ll, sim, acc, scale = _move(z, ll, sim, nid, 1.0, scale, moves, rng, bridge)
        # Each country's own components against its own statements, as calibration moves
        # them (ADR 0017): without it an update's intervals come out narrower than a
        # recalibration's (docs/validation.md, "Updating without refitting").
        z, ll, sim, c_acc, c_scale = _country_move(z, sim, nid, 1.0, c_scale, moves, rng,
                                                   bridge.per_column, local,
                                                   bridge.carried_columns(sim))
        z, ll, r_acc = bridge.reading_move(z, ll, sim, nid, rng)
        nid, ll, sim, refreshed = _refresh(z, ll, sim, nid, 1.0, rng, bridge, fresh)
        stages.append(Stage(phi, stage_ess, acc, scale, time.perf_counter() - t1, refreshed,
                            c_acc, r_acc))
        say(f"statements at weight {phi:.3f} (ESS {stage_ess:,.0f}, acceptance {acc:.2f}, "
            f"countries' moves {c_acc:.2f})")
    sim = carried.predictive(sim)
    res = CalibrationResult(
        cutoff=post.cutoff, seed=post.seed, block=block, z=z, loglik=ll,
        targets=[*every, *risk_targets(records)], predictive=sim, prior_predictive=before,
        stages=stages, seconds=time.perf_counter() - t0, simulations=evaluate.calls,
        noise=nid)
    out = posteriors.from_result(res, states=False)
    history = json.loads(post.attrs.get("updates", "[]") or "[]")
    history.append({"until": until, "statements": len(new), "ess": round(ess, 1),
                    "stages": len(stages), "acceptance": round(acc, 3),
                    "noise_acceptance": round(refreshed, 3),
                    "seconds": round(time.perf_counter() - t0, 1),
                    "file": name})
    folded = statement_records(earlier) + statement_records(
        usable[usable.index.isin(used)])
    out.attrs.update({"origin": until, "updates": json.dumps(history),
                      "statements": json.dumps(folded),
                      "observations": post.attrs.get("observations", "[]")})
    say("simulating each particle's state at the new origin")
    out = posteriors.attach_states(out, prep)
    table = _statement_table(new, obs.loc[used, "value"].to_numpy(float), before[:, cols],
                             sim[:, cols])
    return UpdateResult(out, table, ess, acc, refreshed, time.perf_counter() - t0, ignored,
                        stages)


class _Bridge:
    """The whole likelihood on the way from the old posterior to the new one.

    At step ``phi`` (0 to 1) the target is p(theta, u) L_old^(r + (1 - r) phi) L_new^phi,
    where ``r`` is the temperature the old posterior reached (1 unless its calibration
    stopped early): the new statements' likelihood is tempered in, as :func:`.smc.calibrate`
    tempers the record, so a batch of statements that says much more than the posterior
    expected does not leave one surviving particle. Called like the evaluator: the
    log-likelihood columns at ``phi`` and the predictive draws, with each particle's old
    and new log-likelihood appended as two last columns (the moves carry them along with
    the accepted draws; :meth:`increment` and :meth:`total` read them).
    """

    def __init__(self, evaluate: _Evaluator | _Carried, new: slice, reached: float) -> None:
        self.evaluate, self.new, self.reached, self.phi = evaluate, new, reached, 0.0
        # The evaluator itself; with a _Carried one the draws also carry each column's
        # log-likelihood and the counts the reporting model reads (no simulation for them).
        self.carried = evaluate if isinstance(evaluate, _Carried) else None
        self.raw = evaluate.evaluate if isinstance(evaluate, _Carried) else evaluate

    @property
    def calls(self) -> int:
        return self.evaluate.calls

    def __call__(self, z: np.ndarray, noise_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ll_t, sim = self.evaluate(z, noise_ids)
        old = ll_t[:, : self.new.start].sum(axis=1) + ll_t[:, self.new.stop:].sum(axis=1)
        both = np.column_stack([old, ll_t[:, self.new].sum(axis=1)])
        return both * self._weights(), np.column_stack([sim, both])

    def per_column(self, z: np.ndarray, noise_ids: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
        """Like :meth:`__call__`, but the log-likelihood per column, each weighted as the
        bridge weighs it (what :func:`.smc._country_move` needs to tell a country's own
        statements from the others); the draws carry the same two last columns."""
        ll_t, sim = self.evaluate(z, noise_ids)
        old = ll_t[:, : self.new.start].sum(axis=1) + ll_t[:, self.new.stop:].sum(axis=1)
        return (ll_t * self._column_weights(ll_t.shape[1]),
                np.column_stack([sim, old, ll_t[:, self.new].sum(axis=1)]))

    def reading_move(self, z: np.ndarray, ll: np.ndarray, sim: np.ndarray,
                     nid: np.ndarray, rng: np.random.Generator
                     ) -> tuple[np.ndarray, np.ndarray, float]:
        """The reporting model's own moves (:func:`.smc._reading_move`) at the bridge's
        weights: returns ``(z, ll, acceptance)`` and updates ``sim`` in place (the moved
        particles' draws and their old and new log-likelihoods)."""
        weights = self._column_weights(self.raw.n_columns)
        counts = None if self.carried is None else self.carried.counts(sim)
        z, dll, cols, acc = _reading_step(self.raw, z, nid, sim, weights, rng, counts)
        new = (cols >= self.new.start) & (cols < self.new.stop)
        sim[:, -2] += dll[:, ~new].sum(axis=1)
        sim[:, -1] += dll[:, new].sum(axis=1)
        if self.carried is not None:
            self.carried.moved(sim, cols, dll)
        return z, ll + dll @ weights[cols], acc

    def carried_columns(self, sim: np.ndarray) -> np.ndarray | None:
        """What :meth:`per_column` would give at the particles ``sim`` belongs to, from the
        columns carried along (None without them: the country move then simulates)."""
        if self.carried is None:
            return None
        ll_t = self.carried.loglik(sim)
        return ll_t * self._column_weights(ll_t.shape[1])

    def _column_weights(self, k: int) -> np.ndarray:
        weights = np.full(k, self._weights()[0])
        weights[self.new] = self.phi
        return weights

    def _weights(self) -> np.ndarray:
        return np.array([self.reached + (1.0 - self.reached) * self.phi, self.phi])

    def increment(self, sim: np.ndarray) -> np.ndarray:
        """The log-likelihood that goes from weight 0 to 1 along the bridge, per particle."""
        return sim[:, -1] + (1.0 - self.reached) * sim[:, -2]

    def total(self, sim: np.ndarray) -> np.ndarray:
        """The log-likelihood at the current step, per particle."""
        return sim[:, -2:] @ self._weights()


def _statement_table(targets: list[Target], figures: np.ndarray, before: np.ndarray,
                     after: np.ndarray) -> pd.DataFrame:
    """Per new statement: its figure (the statement's ``value``) and the predictive of the
    published figure before and after the update (median and 90% interval)."""
    rows = []
    for j, (t, figure) in enumerate(zip(targets, figures, strict=True)):
        b = np.percentile(before[:, j], [5, 50, 95])
        a = np.percentile(after[:, j], [5, 50, 95])
        rows.append({"statement": t.label, "as_of": t.as_of, "figure": float(figure),
                     "before_median": b[1], "before_p5": b[0], "before_p95": b[2],
                     "after_median": a[1], "after_p5": a[0], "after_p95": a[2]})
    return pd.DataFrame(rows)


__all__ = ["STATEMENT_COLUMNS", "UpdateResult", "reached_temperature", "stored_statements",
           "update"]
