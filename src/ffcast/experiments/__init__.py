"""Experiments on the engine (EMA Workbench habits): uncertainties and levers mapped onto
scenario fields, outcomes computed from a run's headline, Sobol/Morris sensitivity (SALib)
and PRIM scenario discovery.

Warning first: every sample point is run with the same seed (common random numbers), so
results are conditional on that seed; see :mod:`ffcast.experiments.evaluate`.
"""

from ffcast.experiments.evaluate import evaluate
from ffcast.experiments.outcomes import OUTCOMES, Outcome, get_outcome
from ffcast.experiments.prim import PrimBox, peel, prim
from ffcast.experiments.sensitivity import (
    METHODS,
    SensitivityResult,
    analyse_function,
    analyze,
    sample,
)
from ffcast.experiments.space import LEVERS, UNCERTAINTIES, Factor, apply, bounds, factors
from ffcast.experiments.study import discover_run, sensitivity_run

__all__ = [
    "LEVERS", "METHODS", "OUTCOMES", "UNCERTAINTIES", "Factor", "Outcome", "PrimBox",
    "SensitivityResult", "analyse_function", "analyze", "apply", "bounds", "discover_run",
    "evaluate", "factors", "get_outcome", "peel", "prim", "sample", "sensitivity_run",
]
