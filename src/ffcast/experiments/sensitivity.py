"""Global sensitivity analysis (Sobol, Morris) through SALib, on any vectorised function.

Warning first: Sobol indices from ``N`` base samples cost ``N x (k + 2)`` evaluations (``k``
factors, no second-order terms) and their confidence intervals come from bootstrapping those
evaluations, so with small ``N`` the intervals are wide and first-order indices can be
slightly negative; read an index whose interval contains 0 as "not distinguishable from 0".
The interval is a bootstrap over the ``N`` sample points (Sobol: base samples; Morris:
trajectories) with the outputs at them held fixed: for an engine run, the draws (the seed)
are fixed too, so their Monte Carlo noise is not in it. Below ``N = 64`` the intervals
undercover (on Ishigami at ``N = 16`` the "95%" interval held the true ST of x1 for 76% of
1,000 seeds; 94% at 32, 98.5% at 64). ``N`` should be a power of two (Sobol' sequences
lose balance otherwise). SALib's own warnings are silenced; :func:`analyze` puts ffcast's
(small or non-power-of-two ``N``, first-order indices summing above 1, S1 above ST) in
:attr:`SensitivityResult.warnings`; for an outcome that is the same at every point
the Sobol indices are NaN (0/0, undefined), with a warning first. Morris needs only ``N x (k + 1)``
evaluations and ranks factors (``mu_star``: the mean absolute change of the outcome over a
factor's full range, the change over a step of 2/3 of the range divided by 2/3) but gives
no variance shares. The functions here are model-free;
:func:`ffcast.experiments.sensitivity_run` couples them to the engine.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ffcast.errors import FFCastError

Method = Literal["sobol", "morris"]
METHODS: tuple[str, ...] = ("sobol", "morris")
Model = Callable[[np.ndarray], np.ndarray]  # (n, k) points -> (n,) outcomes


@dataclass
class SensitivityResult:
    """Indices per factor: a table with one row per factor.

    Sobol columns: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (``*_conf`` is the half-width of
    the ``conf_level`` interval). Morris columns: ``mu_star``, ``mu_star_conf``, ``sigma``,
    ``mu``. ``evaluations`` is the number of model evaluations used; ``samples`` SALib's
    ``N`` (the points the ``*_conf`` bootstrap resamples); ``warnings`` what makes the
    indices or their intervals doubtful (also in :meth:`to_dict`).
    """

    method: str
    table: pd.DataFrame
    evaluations: int
    conf_level: float
    seed: int
    meta: dict = field(default_factory=dict)
    samples: int = 0
    warnings: list[str] = field(default_factory=list)

    def interval(self) -> str:
        """What ``±`` means: the half-width of the ``conf_level`` interval, and what it is
        a bootstrap over (the ``interval`` key of ``meta``, when the caller set one)."""
        over = self.meta.get("interval") or (
            f"bootstrap over the {self.samples} {POINTS[self.method]}, the outputs at them "
            f"held fixed (seed {self.seed})")
        return f"± = half-width of the {self.conf_level:.0%} interval, a {over}"

    def to_dict(self) -> dict:
        """JSON-ready: method, settings, warnings and one record per factor."""
        return {"method": self.method, "evaluations": self.evaluations,
                "samples": self.samples, "conf_level": self.conf_level, "seed": self.seed,
                **self.meta, "interval": self.interval(), "warnings": list(self.warnings),
                "indices": self.table.reset_index().to_dict("records")}


#: What SALib's N counts, per method (the points its bootstrap resamples).
POINTS = {"sobol": "base samples", "morris": "trajectories"}
#: Below this N the bootstrap intervals undercover (Ishigami, N = 16: 76% for "95%").
MIN_SAMPLES = 64
#: Tolerance on the sum of first-order indices above 1 before it is called out.
S1_SUM_SLACK = 0.1


def problem(names: Sequence[str], bounds: np.ndarray) -> dict:
    """A SALib problem dict from factor names and ``(k, 2)`` bounds."""
    b = np.asarray(bounds, dtype=float)
    if b.shape != (len(names), 2):
        raise FFCastError(f"bounds must be ({len(names)}, 2), got {b.shape}")
    return {"num_vars": len(names), "names": list(names), "bounds": b.tolist()}


def sample(method: str, names: Sequence[str], bounds: np.ndarray, samples: int,
           seed: int = 0) -> np.ndarray:
    """Sample points for ``method`` (``(n, k)``); raises :class:`FFCastError` for bad input.

    SALib's warnings (e.g. ``N`` not a power of two) are silenced here: :func:`analyze`
    reports them, and more, in :attr:`SensitivityResult.warnings`.
    """
    check_method(method)
    if samples < 2:
        raise FFCastError("--samples: must be at least 2")
    prob = problem(names, bounds)
    if method == "sobol":
        from SALib.sample import sobol

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the power-of-two advice: see sample_warnings
            return sobol.sample(prob, samples, calc_second_order=False, seed=seed)
    from SALib.sample import morris

    return morris.sample(prob, samples, num_levels=4, seed=seed)


def analyze(method: str, names: Sequence[str], bounds: np.ndarray, x: np.ndarray,
            y: np.ndarray, seed: int = 0, conf_level: float = 0.95,
            num_resamples: int = 200, *, outcome: str = "the outcome",
            fix: str = "") -> SensitivityResult:
    """Indices of ``y`` (outcomes at the points ``x`` from :func:`sample`) per factor, with
    the warnings of :func:`sample_warnings` and :func:`index_warnings`.

    When ``y`` is the same at every point, Sobol indices are 0/0: every index and interval
    is NaN (undefined; SALib would print 0 ± 0) and the first warning says so, naming
    ``outcome`` and ending with ``fix``; Morris keeps its μ* = 0 with the same warning.
    Raises :class:`FFCastError` when ``y`` is not finite.
    """
    check_method(method)
    y = np.asarray(y, dtype=float)
    if not np.all(np.isfinite(y)):
        raise FFCastError("the outcome is not finite at some sample points")
    n = len(y) // (len(names) + (2 if method == "sobol" else 1))
    said = []
    constant = len(y) > 0 and np.ptp(y) == 0
    if constant:
        said.append(f"{outcome} is {y[0]:g} at every one of the {len(y)} points: "
                    + ("its Sobol indices are undefined (0/0), not 0"
                       if method == "sobol" else
                       "μ* = 0 says no factor moved it at these points, not that none can")
                    + (f"; {fix}" if fix else ""))
    prob = problem(names, bounds)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")
        if method == "sobol":
            from SALib.analyze import sobol

            cols = ("S1", "S1_conf", "ST", "ST_conf")
            si = ({c: np.full(len(names), np.nan) for c in cols} if constant else
                  sobol.analyze(prob, y, calc_second_order=False, num_resamples=num_resamples,
                                conf_level=conf_level, seed=seed))
        else:
            from SALib.analyze import morris

            si = morris.analyze(prob, np.asarray(x), y, num_resamples=num_resamples,
                                conf_level=conf_level, num_levels=4, seed=seed)
            cols = ("mu_star", "mu_star_conf", "sigma", "mu")
    table = pd.DataFrame({c: np.asarray(si[c], dtype=float) for c in cols},
                         index=pd.Index(list(names), name="factor"))
    said += sample_warnings(method, n) + index_warnings(table)
    return SensitivityResult(method, table, len(y), conf_level, seed, samples=n,
                             warnings=said)


def sample_warnings(method: str, samples: int) -> list[str]:
    """What is doubtful about ``samples`` (``N``) for ``method``: a Sobol ``N`` that is not
    a power of two (the Sobol' sequence loses its balance), and any ``N`` below
    :data:`MIN_SAMPLES` (the bootstrap intervals undercover)."""
    out = []
    if method == "sobol" and samples & (samples - 1):
        out.append(f"N = {samples} is not a power of two: the Sobol' sequence loses its "
                   f"balance (use {1 << (samples - 1).bit_length()} or "
                   f"{1 << (samples.bit_length() - 1)})")
    if samples < MIN_SAMPLES:
        out.append(f"N = {samples} is below {MIN_SAMPLES}: the bootstrap intervals "
                   "undercover (on Ishigami at N = 16 the \"95%\" interval held the true ST of "
                   "x1 for 76% of seeds)")
    return out


def index_warnings(table: pd.DataFrame) -> list[str]:
    """What is impossible in Sobol indices (``table`` of :func:`analyze`), hence estimation
    error: first-order indices summing above 1 (by more than :data:`S1_SUM_SLACK`), and a
    factor's S1 above its ST by more than the ST interval. None for Morris."""
    if "S1" not in table:
        return []
    out = []
    total = float(table["S1"].sum())
    if total > 1 + S1_SUM_SLACK:
        out.append(f"the first-order indices sum to {total:.2f}, above 1: impossible, so "
                   "estimation error (more samples)")
    bad = table.index[table["S1"] > table["ST"] + table["ST_conf"]]
    if len(bad):
        out.append("S1 is above ST ± its interval for " + ", ".join(map(str, bad))
                   + ": impossible, so estimation error (more samples)")
    return out


def analyse_function(method: str, model: Model, names: Sequence[str], bounds: np.ndarray,
                     samples: int, seed: int = 0, conf_level: float = 0.95
                     ) -> SensitivityResult:
    """Sample, evaluate ``model`` on all points at once, and analyse: the whole loop."""
    x = sample(method, names, bounds, samples, seed)
    return analyze(method, names, bounds, x, model(x), seed=seed, conf_level=conf_level)


def check_method(method: str) -> None:
    """Raise :class:`FFCastError` (with a suggestion) unless ``method`` is known."""
    if method not in METHODS:
        from ffcast.errors import suggestion

        raise FFCastError(f"--method: unknown method {method!r}{suggestion(method, METHODS)}; "
                          f"choose from {', '.join(METHODS)}")


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function on ``[-pi, pi]^3`` (analytic Sobol indices known)."""
    x = np.asarray(x, dtype=float)
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> pd.DataFrame:
    """Analytic first-order and total Sobol indices of :func:`ishigami`."""
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return pd.DataFrame({"S1": [v1 / v, v2 / v, 0.0], "ST": [(v1 + v13) / v, v2 / v, v13 / v]},
                        index=pd.Index(["x1", "x2", "x3"], name="factor"))
