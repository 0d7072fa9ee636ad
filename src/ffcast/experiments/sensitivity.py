"""Global sensitivity analysis (Sobol, Morris) through SALib, on any vectorised function.

Warning first: Sobol indices from ``N`` base samples cost ``N x (k + 2)`` evaluations (``k``
factors, no second-order terms) and their confidence intervals come from bootstrapping those
evaluations, so with small ``N`` the intervals are wide and first-order indices can be
slightly negative; read an index whose interval contains 0 as "not distinguishable from 0".
``N`` should be a power of two (Sobol' sequences lose balance otherwise; SALib warns).
Morris needs only ``N x (k + 1)`` evaluations and ranks factors (``mu_star``) but gives no
variance shares. The functions here are model-free; :func:`ffcast.experiments.sensitivity_run`
couples them to the engine.
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
    ``mu``. ``evaluations`` is the number of model evaluations used.
    """

    method: str
    table: pd.DataFrame
    evaluations: int
    conf_level: float
    seed: int
    meta: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready: method, settings and one record per factor."""
        return {"method": self.method, "evaluations": self.evaluations,
                "conf_level": self.conf_level, "seed": self.seed, **self.meta,
                "indices": self.table.reset_index().to_dict("records")}


def problem(names: Sequence[str], bounds: np.ndarray) -> dict:
    """A SALib problem dict from factor names and ``(k, 2)`` bounds."""
    b = np.asarray(bounds, dtype=float)
    if b.shape != (len(names), 2):
        raise FFCastError(f"bounds must be ({len(names)}, 2), got {b.shape}")
    return {"num_vars": len(names), "names": list(names), "bounds": b.tolist()}


def sample(method: str, names: Sequence[str], bounds: np.ndarray, samples: int,
           seed: int = 0) -> np.ndarray:
    """Sample points for ``method`` (``(n, k)``); raises :class:`FFCastError` for bad input."""
    check_method(method)
    if samples < 2:
        raise FFCastError("--samples: must be at least 2")
    prob = problem(names, bounds)
    if method == "sobol":
        from SALib.sample import sobol

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the power-of-two advice; documented above
            return sobol.sample(prob, samples, calc_second_order=False, seed=seed)
    from SALib.sample import morris

    return morris.sample(prob, samples, num_levels=4, seed=seed)


def analyze(method: str, names: Sequence[str], bounds: np.ndarray, x: np.ndarray,
            y: np.ndarray, seed: int = 0, conf_level: float = 0.95,
            num_resamples: int = 200) -> SensitivityResult:
    """Indices of ``y`` (outcomes at the points ``x`` from :func:`sample`) per factor."""
    check_method(method)
    y = np.asarray(y, dtype=float)
    if not np.all(np.isfinite(y)):
        raise FFCastError("the outcome is not finite at some sample points")
    prob = problem(names, bounds)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")
        if method == "sobol":
            from SALib.analyze import sobol

            si = sobol.analyze(prob, y, calc_second_order=False, num_resamples=num_resamples,
                               conf_level=conf_level, seed=seed)
            cols = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            from SALib.analyze import morris

            si = morris.analyze(prob, np.asarray(x), y, num_resamples=num_resamples,
                                conf_level=conf_level, num_levels=4, seed=seed)
            cols = ("mu_star", "mu_star_conf", "sigma", "mu")
    table = pd.DataFrame({c: np.asarray(si[c], dtype=float) for c in cols},
                         index=pd.Index(list(names), name="factor"))
    return SensitivityResult(method, table, len(y), conf_level, seed)


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
