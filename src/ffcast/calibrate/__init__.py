"""Calibration to the record up to a cut-off: targets, likelihood, SMC and the posterior."""

from ffcast.calibrate.posterior import (
    SHIPPED_CUTOFFS,
    Posterior,
    fit_table,
    from_result,
    load,
    parameter_table,
    reporting_table,
    save,
    shipped,
)
from ffcast.calibrate.smc import CALIBRATED_PARAMS, CalibrationResult, calibrate
from ffcast.calibrate.targets import Target, build_targets

__all__ = [
    "CALIBRATED_PARAMS",
    "SHIPPED_CUTOFFS",
    "CalibrationResult",
    "Posterior",
    "Target",
    "build_targets",
    "calibrate",
    "fit_table",
    "from_result",
    "load",
    "parameter_table",
    "reporting_table",
    "save",
    "shipped",
]
