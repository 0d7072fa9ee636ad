"""The experiment space: uncertainties and levers, each a range mapped onto a Scenario field.

Warning first: a point is applied to a *copy* of a base scenario, field by field, and the
result is validated by the Scenario model, so a range that leaves a field's bounds (e.g. a
probability above 1) fails at the door with :class:`ffcast.errors.FFCastError`, not deep
inside the engine. Multipliers on ``parameters.<name>.mean`` scale the base scenario's prior
mean (or the table default in :data:`ffcast.scenario.priors.PARAMS`). A scenario override
holds one scalar mean, so parameters with per-region means cannot be multiplied; declaring
such a factor raises at once.

Vocabulary follows the EMA Workbench: *uncertainties* are things nobody controls (when the
caliphate collapses, how many fighters return), *levers* are policy choices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ffcast.errors import FFCastError
from ffcast.scenario import Scenario
from ffcast.scenario.priors import PARAM_INDEX, PARAMS

Kind = Literal["offset_months", "set", "multiplier"]
_TILTS = ("return", "stay", "join_other", "relocate", "dispatch")
_POLICY = ("prosecution_rate", "rehabilitation_uptake", "rehabilitation_effect",
           "border_control", "camp_repatriation", "dispatch_capacity", "detection_capacity")


@dataclass(frozen=True)
class Factor:
    """One dimension of the experiment space.

    ``target`` is a dotted Scenario path: ``collapse.midpoint`` (``kind="offset_months"``:
    months added to the base midpoint, never before the month after the cut-off, where the
    engine puts any draw's collapse anyway), ``pathways.tilt.<pathway>`` (``kind=
    "multiplier"``: times the base scenario's tilt, so a preset's own tilt is kept; or
    ``"set"``: the value replaces it), ``policy.<lever>`` (``kind="set"``: the value replaces
    the field), or ``parameters.<name>.mean`` (``kind="multiplier"``: times the base prior
    mean). ``low`` < ``high`` in the units of ``kind``. Raises :class:`FFCastError` for an
    unknown target or an empty range.
    """

    name: str
    target: str
    low: float
    high: float
    kind: Kind = "set"
    description: str = ""

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise FFCastError(f"factor {self.name}: low {self.low:g} must be below "
                              f"high {self.high:g}")
        _check_target(self.name, self.target, self.kind)


def _check_target(name: str, target: str, kind: Kind) -> None:
    parts = target.split(".")
    ok = (
        (target == "collapse.midpoint" and kind == "offset_months")
        or (len(parts) == 3 and parts[:2] == ["pathways", "tilt"] and parts[2] in _TILTS
            and kind in ("set", "multiplier"))
        or (len(parts) == 2 and parts[0] == "policy" and parts[1] in _POLICY and kind == "set")
        or (len(parts) == 3 and parts[0] == "parameters" and parts[1] in PARAM_INDEX
            and parts[2] == "mean" and kind == "multiplier"
            and not isinstance(PARAMS[PARAM_INDEX[parts[1]]].mean, dict))
    )
    if not ok:
        raise FFCastError(
            f"factor {name}: cannot map {kind} onto {target!r}; use collapse.midpoint "
            "(offset_months), pathways.tilt.<pathway> (multiplier or set), policy.<lever> "
            "(set), or parameters.<scalar-mean parameter>.mean (multiplier)")


def _p(name: str) -> str:
    return f"parameters.{name}.mean"


# Ranges are judgement: wide enough to span the pre-2017 debate, narrow enough that every
# point is a scenario someone argued for. Multipliers x0.5..x2 bracket a factor-of-two error
# in a prior median.
UNCERTAINTIES: tuple[Factor, ...] = (
    Factor("collapse_midpoint", "collapse.midpoint", -6.0, 12.0, "offset_months",
           "Months added to the collapse midpoint (2017-07): Mosul faster or Raqqa slower."),
    Factor("tilt_return", "pathways.tilt.return", 0.5, 1.5, "multiplier",
           "Multiplier on the propensity to return home (renormalised), times the base "
           "scenario's own tilt."),
    Factor("tilt_relocate", "pathways.tilt.relocate", 0.5, 1.5, "multiplier",
           "Multiplier on the propensity to relocate to third theatres, times the base "
           "scenario's own tilt."),
    Factor("death_collapse", _p("death_collapse"), 0.5, 2.0, "multiplier",
           "Multiplier on the extra death hazard at full collapse."),
    Factor("exit_decision", _p("exit_decision"), 0.5, 2.0, "multiplier",
           "Multiplier on the hazard of choosing a post-caliphate pathway."),
    Factor("plot_rate_dispatched", _p("plot_rate_dispatched"), 0.5, 2.0, "multiplier",
           "Multiplier on plots per dispatched operative-month."),
    Factor("undetected_reengage", _p("undetected_reengage"), 0.5, 2.0, "multiplier",
           "Multiplier on re-engagement of undetected returnees."),
)

LEVERS: tuple[Factor, ...] = (
    Factor("prosecution_rate", "policy.prosecution_rate", 0.2, 0.9, "set",
           "Share of decided returnee cases prosecuted."),
    Factor("border_control", "policy.border_control", 0.0, 0.9, "set",
           "Share of the residual post-cut-off inflow stopped."),
    Factor("detection_capacity", "policy.detection_capacity", 0.5, 2.0, "set",
           "Multiplier on the odds of detecting returnees and interdicting plots."),
    Factor("dispatch_capacity", "policy.dispatch_capacity", 0.5, 1.5, "set",
           "Multiplier on the network's dispatch propensity."),
)


def factors(names: Sequence[str] | None = None, levers: bool = False) -> tuple[Factor, ...]:
    """The declared factors: all uncertainties (plus levers if ``levers``), or those named.

    Raises :class:`FFCastError` for an unknown name, suggesting the nearest one.
    """
    pool = {f.name: f for f in (*UNCERTAINTIES, *LEVERS)}
    if names is None:
        return UNCERTAINTIES + (LEVERS if levers else ())
    from ffcast.errors import suggestion

    out = []
    for n in names:
        if n not in pool:
            raise FFCastError(f"unknown factor {n!r}{suggestion(n, pool)}")
        out.append(pool[n])
    return tuple(out)


def bounds(space: Sequence[Factor]) -> np.ndarray:
    """``(k, 2)`` array of (low, high) per factor."""
    return np.array([[f.low, f.high] for f in space], dtype=float)


def _check_tilt_reaches(base: Scenario, factor: Factor) -> None:
    """Refuse a tilt factor on a base whose pathway shares replace the tilt everywhere
    (``pathways.all``, or ``by_region`` for every region): the factor would change nothing
    and its index would read 0, as if the pathway did not matter (review, 2026-12-07)."""
    from ffcast.scenario.priors import REGIONS

    paths = base.pathways
    if paths.all is not None or set(REGIONS) <= set(paths.by_region):
        what = "pathways.all" if paths.all is not None else "pathways.by_region"
        raise FFCastError(f"{factor.name}: the base scenario sets {what}, which replaces the "
                          "tilt the factor multiplies, so it would change nothing; fix: drop "
                          f"{factor.name} from the factors, or use a base that tilts the "
                          "prior's shares")


def apply(base: Scenario, space: Sequence[Factor], point: Sequence[float] | Mapping[str, float]
          ) -> Scenario:
    """A copy of ``base`` with one value per factor applied (a sequence in ``space`` order).

    Raises :class:`FFCastError` when the result is not a valid scenario.
    """
    values = [point[f.name] for f in space] if isinstance(point, Mapping) else list(point)
    if len(values) != len(space):
        raise FFCastError(f"a point has {len(values)} values for {len(space)} factors")
    data = base.model_dump(by_alias=True)
    for f, v in zip(space, values, strict=True):
        v = float(v)
        parts = f.target.split(".")
        if f.kind == "offset_months":
            mid = pd.Period(data["collapse"]["midpoint"], freq="M") + round(v)
            first = pd.Period(data["cutoff"], freq="M") + 1  # the engine's earliest collapse
            data["collapse"]["midpoint"] = max(mid, first).strftime("%Y-%m")
        elif f.kind == "multiplier" and parts[0] == "pathways":
            _check_tilt_reaches(base, f)
            data["pathways"]["tilt"][parts[2]] = float(data["pathways"]["tilt"][parts[2]]) * v
        elif f.kind == "multiplier":
            name = parts[1]
            over = data["parameters"].setdefault(name, {"mean": None, "spread": None})
            mean = over["mean"] if over.get("mean") is not None else PARAMS[PARAM_INDEX[name]].mean
            over["mean"] = float(mean) * v
        else:
            node = data
            for key in parts[:-1]:
                node = node[key]
            node[parts[-1]] = v
    try:
        return Scenario.model_validate(data)
    except ValueError as exc:
        raise FFCastError(f"a sample point gives an invalid scenario: {exc}") from exc
