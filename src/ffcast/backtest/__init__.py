"""Backtesting: score ffcast's ensemble forecasts against observed counts, as ViEWS does.

- :mod:`ffcast.backtest.metrics`: pure NumPy scores on ``obs (N,)`` and ``samples (N, S)``.
- :mod:`ffcast.backtest.observations`: read and validate observation files once, at the door.
- :mod:`ffcast.backtest.risk`: rolling-origin scores of attacks in the West linked to foreign
  fighters (``ffcast backtest --risk``).
"""

from ffcast.backtest.metrics import (
    crps_ensemble,
    crps_log1p,
    crps_normal,
    interval_coverage,
    interval_score,
    log_ratio,
    skill_score,
    summarise,
)
from ffcast.backtest.observations import read_observations, validate_observations

# ffcast.backtest.run imports the engine; import it as a module to keep metrics light.

__all__ = [
    "crps_ensemble",
    "crps_log1p",
    "crps_normal",
    "interval_coverage",
    "interval_score",
    "log_ratio",
    "read_observations",
    "skill_score",
    "summarise",
    "validate_observations",
]
