"""Outcomes: numbers of interest computed from a run's :class:`ffcast.runner.Headline`.

Each outcome maps a Headline to one value per draw (people or events at the end month, or
summed after the cut-off) and reduces the draws to one number per sample point, the mean by
default. The mean is what Sobol indices decompose; the median is offered for skewed counts
(attack deaths, with a power-law tail) where a few draws would otherwise dominate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ffcast.errors import FFCastError
from ffcast.runner import Headline

Reduce = Literal["mean", "median"]


@dataclass(frozen=True)
class Outcome:
    """A named per-draw quantity of a Headline, reduced over draws to one number."""

    name: str
    per_draw: Callable[[Headline], np.ndarray]
    unit: str
    description: str
    reduce: Reduce = "mean"

    def value(self, head: Headline) -> float:
        """The reduced outcome of one run (``reduce`` over its draws)."""
        x = np.asarray(self.per_draw(head), dtype=float)
        return float(np.median(x) if self.reduce == "median" else np.mean(x))


def _pathway(key: str) -> Callable[[Headline], np.ndarray]:
    return lambda h: h.pathways[key]


def _attacks(h: Headline) -> np.ndarray:
    return h.headline_attacks("attacks")


def _attacks_home(h: Headline) -> np.ndarray:
    assert h.attacks is not None
    return h.attacks[:, 0]


def _deaths(h: Headline) -> np.ndarray:
    return h.headline_attacks("attack_deaths")


def _travelled(h: Headline) -> np.ndarray:
    assert h.travelled is not None
    return h.travelled


_AFTER = ("executed after the cut-off in the West, the region the record fits (attacks at "
          "home by non-Western origins, in third theatres and by inmates radicalised in "
          "prison, prior-driven scenarios, left out)")
OUTCOMES: dict[str, Outcome] = {o.name: o for o in (
    Outcome("returned", _pathway("returned"), "people", "Returned home by the end month."),
    Outcome("killed", _pathway("killed"), "people", "Killed by the end month."),
    Outcome("relocated", _pathway("relocated"), "people",
            "In third theatres (Libya, Sahel, ...) at the end month."),
    Outcome("stayed", _pathway("stayed"), "people",
            "In Iraq/Syria (in theatre or insurgency) at the end month."),
    Outcome("dispatched", _pathway("dispatched"), "people",
            "Dispatched operatives active at the end month."),
    Outcome("travelled", _travelled, "people", "Travelled or born there."),
    Outcome("attacks_total", _attacks, "attacks", f"Attacks {_AFTER}."),
    Outcome("attacks_home", _attacks_home, "attacks",
            "Attacks executed after the cut-off by the fighters in their origin countries, "
            "Western and not (at non-Western homes a prior-driven scenario fitted to no "
            "record; inmates they radicalised in prison left out)."),
    Outcome("attack_deaths_total", _deaths, "deaths", f"Deaths in attacks {_AFTER} (mean)."),
    Outcome("attack_deaths_median", _deaths, "deaths",
            f"Deaths in attacks {_AFTER} (median over draws).", "median"),
)}


def get_outcome(name: str) -> Outcome:
    """The declared outcome ``name``; raises :class:`FFCastError` suggesting the nearest."""
    from ffcast.errors import suggestion

    try:
        return OUTCOMES[name]
    except KeyError:
        raise FFCastError(f"--outcome: unknown outcome {name!r}{suggestion(name, OUTCOMES)}; "
                          f"choose from {', '.join(OUTCOMES)}") from None
