"""Experiments on the engine: Sobol/Morris sensitivity and PRIM scenario discovery.

Both sample the declared factor space, evaluate one outcome per point with common random
numbers (:func:`ffcast.experiments.evaluate`), then analyse. Keyword arguments not named here
(``base``, ``start``, ``end``, ``countries``, ``posterior``, ``workers``, ``scheduler``,
``progress``) go to :func:`ffcast.experiments.evaluate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ffcast.errors import FFCastError
from ffcast.experiments import sensitivity as sa
from ffcast.experiments.evaluate import (
    DEFAULT_END,
    evaluate_with_history,
    history_note,
    what_is_counted,
)
from ffcast.experiments.outcomes import get_outcome
from ffcast.experiments.prim import PrimBox, prim, whole_steps
from ffcast.experiments.space import Factor, bounds, factors


def sensitivity_run(method: str, outcome: str, samples: int, draws_per_point: int = 20,
                    seed: int = 0, space: Sequence[Factor] | None = None,
                    conf_level: float = 0.95, **kwargs: Any) -> sa.SensitivityResult:
    """Indices of ``outcome`` for every factor of ``space`` (default: the uncertainties).

    ``samples`` is SALib's ``N``: Sobol runs ``N x (k + 2)`` scenarios, Morris ``N x (k + 1)``,
    each of ``draws_per_point`` draws. ``meta`` says what the outcome counts, what the
    ``±`` is a bootstrap over (``interval``) and, when points re-simulate the history
    (``history``, else None), that the indices include changes before the forecast starts;
    the result's ``warnings`` list what makes the indices doubtful, first of all an outcome
    that is the same at every point (Sobol indices NaN: undefined, not 0). Raises
    :class:`FFCastError` for an unknown method or outcome before anything runs.
    """
    sa.check_method(method)
    out = get_outcome(outcome)
    space = tuple(space) if space is not None else factors()
    names = [f.name for f in space]
    b = bounds(space)
    x = sa.sample(method, names, b, samples, seed)
    y, reasons = evaluate_with_history(x, out, draws_per_point, seed, space=space, **kwargs)
    draws = f"{draws_per_point} draw{'' if draws_per_point == 1 else 's'}"
    res = sa.analyze(method, names, b, x, y, seed=seed, conf_level=conf_level,
                     outcome=f"{out.name} ({out.reduce} over {draws})", fix=CONSTANT_FIX)
    counted = _counted(kwargs)
    res.meta = {"outcome": out.name, "unit": out.unit, "reduce": out.reduce,
                "samples": samples, "draws_per_point": draws_per_point,
                "outcome_mean": float(np.mean(y)), "outcome_sd": float(np.std(y)),
                **counted,
                "interval": (f"bootstrap over the {res.samples} {sa.POINTS[method]}, for "
                             f"these {draws} (seed {seed}): the draws' Monte "
                             "Carlo noise is not in it"),
                "history": history_note(space, reasons, str(counted["counted_from"]))}
    return res


#: What to change when an outcome is the same at every point (its indices are undefined).
CONSTANT_FIX = "fix: more --draws-per-point, more --countries, or a later --end"


def _counted(kwargs: dict[str, Any]) -> dict[str, object]:
    """:func:`what_is_counted` for the keyword arguments an experiment passes to evaluate."""
    return what_is_counted(kwargs.get("base", "baseline"), kwargs.get("end", DEFAULT_END),
                           kwargs.get("posterior", "auto"), kwargs.get("countries"))


def discover_run(outcome: str, threshold: float, samples: int = 200, draws_per_point: int = 20,
                 seed: int = 0, space: Sequence[Factor] | None = None, alpha: float = 0.05,
                 min_mass: float = 0.05, min_coverage: float = 0.5, **kwargs: Any
                 ) -> tuple[PrimBox, list[PrimBox], dict]:
    """PRIM box of the factor region where ``outcome`` exceeds ``threshold``.

    ``samples`` Latin-hypercube points over ``space`` (default: uncertainties and levers).
    Offset factors in months are peeled on the whole months the model uses, and the box's
    limits on them are ``k - 0.5 .. m + 0.5`` (the offsets that round to months ``k .. m``).
    Returns the chosen box (with quasi-p-values), the peeling trajectory and a summary dict
    (with ``history`` as in :func:`sensitivity_run` and a ``caveat``). Raises
    :class:`FFCastError` when no point (or every point) exceeds the threshold.
    """
    from SALib.sample import latin

    out = get_outcome(outcome)
    space = tuple(space) if space is not None else factors(levers=True)
    if samples < 10:
        raise FFCastError("--samples: PRIM needs at least 10 points")
    b = bounds(space)
    names = [f.name for f in space]
    x = latin.sample(sa.problem(names, b), samples, seed=seed)
    y, reasons = evaluate_with_history(x, out, draws_per_point, seed, space=space, **kwargs)
    hit = y > threshold
    if hit.all():
        raise FFCastError(f"every point has {out.name} above {threshold:g} (min "
                          f"{y.min():,.4g}); raise --threshold")
    # The model rounds an offset to whole months (space.apply): peel on the month it used.
    months = [j for j, f in enumerate(space) if f.kind == "offset_months"]
    xm = x.copy()
    xm[:, months] = np.rint(xm[:, months])
    best, trajectory = prim(xm, hit, alpha, min_mass, min_coverage, bounds=b, names=names)
    best = whole_steps(best, months)
    counted = _counted(kwargs)
    summary = {"outcome": out.name, "unit": out.unit, "threshold": threshold,
               "samples": samples, "draws_per_point": draws_per_point, "seed": seed,
               "cases": int(hit.sum()), "share_above": float(hit.mean()),
               "outcome_min": float(y.min()), "outcome_max": float(y.max()),
               **counted,
               "history": history_note(space, reasons, str(counted["counted_from"]),
                                       "boxes of people outcomes"),
               "caveat": PRIM_CAVEAT}
    return best, trajectory, summary


PRIM_CAVEAT = ("peeling only (no pasting); a restricted dimension's quasi-p-value is "
               "not corrected for the search that chose the box on these same points, so a "
               "small one is no proof: check the box on another --seed")
