"""The rolling-origin backtest on published statements: several origins, pooled scores, goals.

Warning first: each origin is a separate forecast, made with what was published by then
(its own posterior, or the priors when none ships, and its own traveller priors), scored
on the statements published after it and by 2016-12, and at 2016-12 on the public 2017
validation set (:mod:`ffcast.backtest.statements`). The same country appears at several
origins and several statements of one country share a model run, so the rows are not
independent: bootstrap bands over rows are narrower than the truth, and pooled scores weight
origins by their number of rows (the early origins have the most).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ffcast.backtest import metrics, statements
from ffcast.backtest.run import (
    LEVELS,
    REFERENCE,
    OriginResult,
    Progress,
    score_origin,
    summarise,
    versus,
)

#: The origin the goals are judged at, and the goals (issue 14), on returnee rows.
GOAL_ORIGIN = "2016-12"
COVERAGE_GOAL = (0.70, 0.90)  # 80% central interval of reported_returned
SKILL_GOAL = 0.30  # CRPS on log1p at least 30% better than the best baseline
LOG_RATIO_GOAL = 0.30  # median |log ratio| of the median to the observation
PIT_BINS = 10
#: The goals of issue 19, against the persistence baseline, on every scored row.
POOLED_LOG_RATIO_GOAL = 0.30  # pooled median |log ratio| of ffcast
PERSISTENCE_SKILL_GOAL = 0.25  # pooled CRPS(log1p) skill against persistence, its rows
POOLED_COVERAGE_GOAL = (0.75, 0.85)  # pooled 80% central interval of ffcast


@dataclass
class RollingResult:
    """Scored origins of one rolling backtest (each an :class:`OriginResult`)."""

    origins: list[OriginResult]

    @property
    def draws(self) -> int:
        return self.origins[0].draws

    @property
    def seed(self) -> int:
        return self.origins[0].seed

    def table(self) -> pd.DataFrame:
        """Every scored row of every origin, with an ``origin`` column first."""
        return pd.concat([o.table.assign(origin=o.cutoff) for o in self.origins],
                         ignore_index=True)[["origin", *self.origins[0].table.columns]]

    def samples(self, name: str) -> np.ndarray:
        """Draws (rows of :meth:`table`, draws) of forecaster ``name``, origins stacked."""
        return np.concatenate([o.samples[name] for o in self.origins])

    def pooled(self) -> dict:
        """Scores over the rows of all origins together (see :func:`summarise`)."""
        names = list(self.origins[0].samples)
        return summarise(self.table(), {n: self.samples(n) for n in names}, cutoff="pooled",
                         draws=self.draws, seed=self.seed)

    def pit(self, name: str = "ffcast", bins: int = PIT_BINS) -> np.ndarray:
        """Pooled non-randomised PIT histogram of forecaster ``name`` (bins,), sums to 1."""
        y, draws = self._scored(name)
        return metrics.pit_histogram(y, draws, bins=bins)

    def reliability(self, name: str = "ffcast", n_boot: int = 1000,
                    single: bool = False) -> dict[str, np.ndarray]:
        """Pooled coverage of ``name`` at :data:`LEVELS` with bootstrap 90% bands;
        ``single``: only the rows whose statement is one figure or a range, not "at least
        X" / "up to X" (those are scored at X, where a covered X says little: the truth
        lies somewhere beyond it)."""
        y, draws = self._scored(name, single)
        return metrics.reliability(y, draws, LEVELS, n_boot=n_boot, seed=self.seed)

    def _scored(self, name: str, single: bool = False) -> tuple[np.ndarray, np.ndarray]:
        draws = self.samples(name)
        ok = ~np.isnan(draws).any(axis=1)
        table = self.table()
        if single:
            ok &= _single_figure(table)
        return table["value"].to_numpy(float)[ok], draws[ok]

    def goals(self) -> list[dict]:
        """The issue's goals judged on the returnee rows of the origin :data:`GOAL_ORIGIN`:
        each with its measured value, target and whether it is met."""
        origin = next((o for o in self.origins if o.cutoff == GOAL_ORIGIN), None)
        if origin is None:
            return []
        returned = (origin.table["quantity"] == "cumulative_returned").to_numpy()
        s = summarise(origin.table[returned].reset_index(drop=True),
                      {k: v[returned] for k, v in origin.samples.items()})
        f = s["forecasters"]["ffcast"]
        sk = s["skill"]
        cov, skill_log, ratio = (f.get("coverage_80", np.nan),
                                 sk.get("vs_best_baseline_log1p", np.nan),
                                 f.get("median_abs_log_ratio", np.nan))
        rows = s["observations"]
        return [
            {"goal": "80% interval coverage of the returnee counts as published (each read as "
                     "its producer publishes; these are a research centre's) in 70-90%",
             "measured": cov, "target": "0.70-0.90", "rows": rows,
             "met": bool(COVERAGE_GOAL[0] <= cov <= COVERAGE_GOAL[1])},
            {"goal": "CRPS on log1p at least 30% better than the best baseline "
                     f"({sk.get('best_baseline', 'none')})",
             "measured": skill_log, "target": f">= {SKILL_GOAL:.2f}", "rows": rows,
             "met": bool(skill_log >= SKILL_GOAL)},
            {"goal": "median |log ratio| of the median to the observation at most 0.3",
             "measured": ratio, "target": f"<= {LOG_RATIO_GOAL:.2f}", "rows": rows,
             "met": bool(ratio <= LOG_RATIO_GOAL)},
        ]

    def persistence_goals(self) -> list[dict]:
        """The goals of issue 19, on the rows of every origin: ffcast's pooled median
        |log ratio|, its median |log ratio| below :data:`REFERENCE`'s at every origin (on the
        rows persistence forecasts; ``measured`` is the worst origin's difference, ffcast
        minus persistence), its pooled CRPS(log1p) skill against persistence (its rows) and
        its pooled 80% coverage; each with its measured value, target and verdict."""
        pooled = self.pooled()
        f = pooled["forecasters"]["ffcast"]
        rows = pooled["observations"]
        v = pooled.get("versus", {})
        per_origin = {o.cutoff: versus(o.table, o.samples) for o in self.origins}
        gaps = {c: vo["ffcast"]["median_abs_log_ratio"]
                - vo[REFERENCE]["median_abs_log_ratio"]
                for c, vo in per_origin.items() if vo["rows"]}
        worst = max(gaps.values()) if gaps else np.nan
        compared = len(gaps) == len(self.origins)
        ratio, cov = f.get("median_abs_log_ratio", np.nan), f.get("coverage_80", np.nan)
        skill_log = v.get("skill_log1p", np.nan)
        lost = [c for c, g in gaps.items() if not g < 0]
        return [
            {"goal": f"pooled median |log ratio| of ffcast at most {POOLED_LOG_RATIO_GOAL}",
             "measured": ratio, "target": f"<= {POOLED_LOG_RATIO_GOAL:.2f}", "rows": rows,
             "met": bool(ratio <= POOLED_LOG_RATIO_GOAL)},
            {"goal": "median |log ratio| of ffcast below persistence's on the same rows at "
                     "every origin (measured: the worst origin, ffcast minus persistence"
                     + (f"; not below at {', '.join(lost)}" if lost else "") + ")",
             "measured": worst, "target": "< 0 at every origin",
             "rows": int(sum(vo["rows"] for vo in per_origin.values())),
             "met": bool(compared and worst < 0)},
            {"goal": "pooled CRPS on log1p at least 25% better than persistence (its rows)",
             "measured": skill_log, "target": f">= {PERSISTENCE_SKILL_GOAL:.2f}",
             "rows": int(v.get("rows", 0)), "met": bool(skill_log >= PERSISTENCE_SKILL_GOAL)},
            {"goal": "pooled 80% interval coverage of ffcast in 75-85%",
             "measured": cov, "target": "0.75-0.85", "rows": rows,
             "met": bool(POOLED_COVERAGE_GOAL[0] <= cov <= POOLED_COVERAGE_GOAL[1])},
        ]

    def summary(self) -> dict:
        """JSON-ready: per origin and pooled scores, goals (issue 14 in ``goals``, issue 19 in
        ``persistence_goals``), PIT and reliability."""
        rel, one = self.reliability(), self.reliability(single=True)
        return {
            "draws": self.draws, "seed": self.seed,
            "scored_rows": int(sum(len(o.table) for o in self.origins)),
            "origins": [o.summary for o in self.origins],
            "pooled": self.pooled(),
            "goals": self.goals(),
            "persistence_goals": self.persistence_goals(),
            "pit_ffcast": self.pit().tolist(),
            "reliability_ffcast": {k: v.tolist() for k, v in rel.items()},
            "reliability_ffcast_single": {k: v.tolist() for k, v in one.items()},
            "single_figure_rows": int(_single_figure(self.table()).sum()),
        }


def _single_figure(table: pd.DataFrame) -> np.ndarray:
    """Rows whose statement is one figure or a range (no "at least" / "up to" bound)."""
    return table["bound"].fillna("").eq("").to_numpy()


def rolling(origins: Sequence[str] = statements.ROLLING_ORIGINS, draws: int = 1000,
            seed: int = 0, stage: Callable[[str], Progress | None] | None = None
            ) -> RollingResult:
    """Score the forecasts from each origin on the statements published after it.

    ``stage(origin)`` (optional) is called as each origin starts and may return a progress
    callback for its draws. Raises :class:`ffcast.errors.OptionsError` for an origin after
    2016-12 or not a month.
    """
    for origin in origins:
        statements.check_origin(origin)
    results = []
    for origin in origins:
        progress = stage(origin) if stage is not None else None
        results.append(score_origin(statements.scored(origin), origin, draws, seed, progress))
    return RollingResult(results)
