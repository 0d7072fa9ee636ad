"""Pydantic models of a scenario: collapse timing, pathway propensities, policy levers."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ffcast.data.regions import REGIONS
from ffcast.errors import echo
from ffcast.scenario.fields import Cutoff, Month
from ffcast.scenario.priors import (
    PARAM_INDEX,
    PARAMS,
    PROBABILITIES,
    SEVERITY_ALPHA_FLOOR,
    Z_GUARD,
    Param,
)

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Multiplier = Annotated[float, Field(ge=0.0, le=10.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans(cls, v: Any) -> Any:
        """No scenario field is a yes/no: YAML reads ``yes``, ``on``, ``true`` as booleans,
        which would otherwise pass as the numbers 1 and 0 (``border_control: yes`` stopping
        every traveller)."""
        if isinstance(v, bool):
            raise ValueError(f"{str(v).lower()} is a yes/no, not a number; fix: write the "
                             "number (e.g. 0.5), and quote text that YAML reads as yes/no")
        return v


class Collapse(_Strict):
    """Timing of the territorial collapse after the cut-off (a logistic decline per draw)."""

    midpoint: Month = Field(
        "2017-07",
        description="Centre of the logistic decline after the cut-off (judgement as of Dec "
        "2016: Mosul offensive from Oct 2016, Raqqa expected next). The decline starts from "
        "the cut-off's level, so by this month somewhat less than half of the territory "
        "held at the cut-off is lost (45% for the default 2017-07 at steepness 3); half is "
        "lost a month or two later, more for a midpoint close to the cut-off.",
    )
    midpoint_sd_months: float = Field(
        3.0, ge=0.0, le=24.0, description="Uncertainty (sd, months) of the midpoint per draw."
    )
    steepness_months: float = Field(
        3.0, gt=0.5, le=24.0, description="Logistic scale of the decline (months)."
    )
    residual_share: Share = Field(
        0.02, description="Share of the January 2015 extent still held after the collapse."
    )



class PathwayShares(_Strict):
    """Shares of exiting fighters taking each of the essay's five pathways (sum to 1)."""

    return_: Share = Field(alias="return", description="Return home.")
    stay: Share = Field(description="Stay in Iraq/Syria as a clandestine insurgency.")
    join_other: Share = Field(description="Join other groups in theatre (e.g. JFS).")
    relocate: Share = Field(description="Relocate to a third theatre (Libya, Sahel, ...).")
    dispatch: Share = Field(description="Be dispatched abroad to attack.")

    @model_validator(mode="after")
    def _sum_to_one(self) -> PathwayShares:
        total = self.return_ + self.stay + self.join_other + self.relocate + self.dispatch
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"the five shares sum to {total:.4g}, not 1; fix: rescale return, stay, "
                "join_other, relocate and dispatch so that they add up to 1"
            )
        return self

    def as_tuple(self) -> tuple[float, float, float, float, float]:
        return (self.return_, self.stay, self.join_other, self.relocate, self.dispatch)


class PathwayTilt(_Strict):
    """Multipliers on the prior pathway means (renormalised), keeping regional differences."""

    return_: Multiplier = Field(1.0, alias="return")
    stay: Multiplier = 1.0
    join_other: Multiplier = 1.0
    relocate: Multiplier = 1.0
    dispatch: Multiplier = 1.0

    @model_validator(mode="after")
    def _some_pathway(self) -> PathwayTilt:
        if not max(self.as_tuple()) > 0:
            raise ValueError("the five multipliers are all 0, which leaves exits no pathway; "
                             "fix: give at least one of return, stay, join_other, relocate "
                             "and dispatch a multiplier above 0")
        return self

    def as_tuple(self) -> tuple[float, float, float, float, float]:
        return (self.return_, self.stay, self.join_other, self.relocate, self.dispatch)


class Pathways(_Strict):
    """Pathway propensities after the cut-off. Precedence: by_region > all > prior x tilt."""

    tilt: PathwayTilt = Field(default_factory=PathwayTilt)
    all: PathwayShares | None = Field(None, description="Absolute shares for every region.")
    by_region: dict[str, PathwayShares] = Field(default_factory=dict)
    concentration: float | None = Field(
        None, gt=0.0, le=10_000.0,
        description="Dirichlet concentration (higher = less uncertainty; near 0 each draw "
        "sits on one pathway, chosen with the mean shares' probabilities); default 20.",
    )

    @field_validator("by_region")
    @classmethod
    def _known_regions(cls, v: dict[str, PathwayShares]) -> dict[str, PathwayShares]:
        for region in v:
            if region not in REGIONS:
                raise ValueError(f"unknown region {echo(region)}; fix: use one of "
                                 f"{', '.join(REGIONS)}")
        return v


class Policy(_Strict):
    """Policy levers, in force from ``start`` for the listed countries (default: all)."""

    start: Month = Field("2017-01", description="First month the levers apply.")
    countries: list[str] | None = Field(None, description="ISO3 codes; default all countries.")
    prosecution_rate: Share | None = Field(
        None, description="Share of decided returnee cases prosecuted (replaces the prior)."
    )
    rehabilitation_uptake: Share | None = Field(
        None, description="Share of non-prosecuted cases entering rehabilitation."
    )
    rehabilitation_effect: Multiplier = Field(
        1.0, description="Multiplier on the odds that rehabilitation ends disengaged."
    )
    border_control: Share = Field(
        0.0, description="Share of the residual post-cut-off inflow stopped by travel controls."
    )
    camp_repatriation: Annotated[float, Field(ge=0.0, le=1.0)] | None = Field(
        None, description="Monthly hazard of repatriation from camps/detention (replaces prior)."
    )
    dispatch_capacity: Multiplier = Field(
        1.0, description="Multiplier on the network's dispatch propensity and dispatched plots."
    )
    detection_capacity: Multiplier = Field(
        1.0, description="Multiplier on the odds of detecting returnees when they arrive and "
        "of interdicting plots at home and in other Western countries (not the later "
        "detection of returnees already home, nor plots in third theatres)."
    )
    groups: list[Literal["men", "women", "minors"]] | None = Field(
        None, min_length=1,
        description="Groups the levers apply to (men, women, minors; default all): "
        "e.g. camp_repatriation for [minors] repatriates the children only. Travel controls "
        "(border_control) apply to everyone. Minors are never prosecuted: their cases go to "
        "child protection whatever prosecution_rate and rehabilitation_uptake say.",
    )

    @model_validator(mode="after")
    def _minors_are_not_prosecuted(self) -> Policy:
        if self.groups == ["minors"]:
            for name in ("prosecution_rate", "rehabilitation_uptake"):
                if getattr(self, name) is not None:
                    raise ValueError(
                        f"{name}: the levers apply to minors only, who are never prosecuted "
                        "(their cases go to child protection), so it would change nothing; "
                        f"fix: add women or men to groups, or drop {name}")
        return self


    @field_validator("groups")
    @classmethod
    def _unique_groups(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and len(set(v)) != len(v):
            raise ValueError("a group is listed twice; fix: list each of men, women, minors "
                             "at most once")
        return v

    @field_validator("countries")
    @classmethod
    def _known_countries(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("an empty list reaches nobody; fix: leave policy.countries out "
                             "for every country, or name at least one")
        from ffcast.scenario.validation import check_countries

        return check_countries(v)


class PriorOverride(_Strict):
    """Replace the prior mean/median and/or spread of one engine parameter.

    ``spread`` is the sd of log for log-normal priors (at most 3: beyond that a prior spans
    more than twelve orders of magnitude) or the concentration of beta priors (at most 1e6:
    the draws tighten around the mean as it grows; as it shrinks towards 0 they tend to 0 or
    1, a Bernoulli of the mean). ``spread: 0`` fixes the parameter at its mean.
    Whatever the pair, at most one draw in a thousand may pass the parameter's ceiling (see
    :attr:`ffcast.scenario.priors.Param.ceiling`): the scenario checks it.
    """

    mean: Annotated[float, Field(ge=0.0, le=1e6)] | None = None
    spread: Annotated[float, Field(ge=0.0, le=1e6)] | None = None


def check_override(name: str, override: PriorOverride) -> None:
    """Raise ValueError (one line with the fix) if ``override`` of parameter ``name`` puts
    more than one draw in a thousand above the parameter's ceiling, or breaks its own rule."""
    from ffcast.errors import suggestion

    if name not in PARAM_INDEX:
        raise ValueError(f"unknown parameter {echo(name)}{suggestion(name, PARAM_INDEX)}")
    p: Param = PARAMS[PARAM_INDEX[name]]
    if override.mean is not None and name in PROBABILITIES and override.mean > 1:
        raise ValueError(f"{name} is a probability: mean must be <= 1")
    if override.spread is not None and name not in PROBABILITIES and override.spread > 3:
        raise ValueError(f"{name}: spread {override.spread:g} (sd of log) is too wide; "
                         "fix: use at most 3")
    if name == "severity_alpha" and override.mean is not None and \
            override.mean <= SEVERITY_ALPHA_FLOOR:
        raise ValueError(f"severity_alpha: the power-law exponent must be above "
                         f"{SEVERITY_ALPHA_FLOOR:g} (CSN2009 estimates 2.4); fix: raise the mean")
    tail = p.tail(override.mean, override.spread)
    if tail <= p.ceiling:
        return
    mean = p.largest_mean if override.mean is None else override.mean
    spread = p.spread if override.spread is None else override.spread
    if p.dist != "lognormal" or spread == 0:
        raise ValueError(f"{name}: mean {mean:.4g} is above the ceiling of {p.ceiling:g} "
                         f"{p.unit} ({p.ceiling_why}); fix: use at most {p.ceiling:g}")
    top_mean = p.ceiling / math.exp(spread * Z_GUARD)
    room = math.log(p.ceiling / mean) / Z_GUARD if 0 < mean <= p.ceiling else 0.0
    fix = f"lower the mean to at most {_floor(top_mean)}" + (
        f" or the spread to at most {_floor(room)}" if room > 0 else "")
    raise ValueError(f"{name}: mean {mean:.4g} with spread {spread:g} puts one draw in a "
                     f"thousand above {tail:.3g} {p.unit}, past the ceiling of {p.ceiling:g} "
                     f"({p.ceiling_why}); fix: {fix}")


def _floor(x: float) -> str:
    """``x`` rounded down to 3 significant digits (a bound the user can type and pass)."""
    if x <= 0:
        return "0"
    scale = 10 ** (math.floor(math.log10(x)) - 2)
    return f"{math.floor(x / scale) * scale:.3g}"


class Scenario(_Strict):
    """A complete scenario. Every field has a default, so ``Scenario(name="x")`` is baseline."""

    name: str = Field("baseline", min_length=1, max_length=80)
    description: str = Field("", max_length=2000)
    cutoff: Cutoff = Field("2016-12", description="Last month of data the run knows (priors, "
                          "territory, posterior); the scenario takes over after it.")
    collapse: Collapse = Field(default_factory=Collapse)
    pathways: Pathways = Field(default_factory=Pathways)
    policy: Policy = Field(default_factory=Policy)
    parameters: dict[str, PriorOverride] = Field(
        default_factory=dict, description="Prior overrides by parameter name (docs/model.md)."
    )


    @field_validator("description")
    @classmethod
    def _one_paragraph(cls, v: str) -> str:
        return " ".join(v.split())

    @model_validator(mode="after")
    def _collapse_after_the_cutoff(self) -> Scenario:
        if self.collapse.midpoint <= self.cutoff:
            raise ValueError(
                f"collapse.midpoint: {self.collapse.midpoint} is not after the cut-off "
                f"{self.cutoff}; the territory up to the cut-off is the record's and the "
                "collapse is what follows it; fix: a month after the cut-off, or an earlier "
                "cutoff")
        return self

    @field_validator("parameters")
    @classmethod
    def _known_parameters(cls, v: dict[str, PriorOverride]) -> dict[str, PriorOverride]:
        for name, override in v.items():
            check_override(name, override)
        return v

    def replace(self, **changes: Any) -> Scenario:
        """A validated copy with ``changes`` (``model_copy`` would skip the checks).

        Raises :class:`ffcast.errors.ScenarioError` naming the field and the fix.
        """
        from ffcast.scenario.validation import format_errors

        data = self.model_dump(by_alias=True)
        data.update(changes)
        try:
            return Scenario.model_validate(data)
        except ValidationError as exc:
            raise format_errors(exc, Scenario, "scenario") from None
