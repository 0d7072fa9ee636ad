"""From control values to a validated run: the dashboard's one validation gate.

Warning first: the values come from a browser and may be anything (strings, None, numbers
out of range, lists); :func:`run_spec` turns them into a :class:`RunSpec` or raises
:class:`ffcast.errors.ScenarioError` with one line per problem, and nothing downstream
looks at the raw values again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import ValidationError

from ffcast import data
from ffcast.errors import ScenarioError
from ffcast.scenario import Scenario, list_presets, load_scenario
from ffcast.scenario.validation import format_errors

PATHWAY_KEYS: tuple[str, ...] = ("return", "stay", "join_other", "relocate", "dispatch")
PATHWAY_NAMES: dict[str, str] = {
    "return": "Return home", "stay": "Stay (insurgency)", "join_other": "Join other groups",
    "relocate": "Relocate to a third theatre", "dispatch": "Dispatched abroad",
}
# Optional levers: blank = keep the prior (the scenario's None).
OPTIONAL_LEVERS: tuple[str, ...] = ("prosecution_rate", "rehabilitation_uptake",
                                    "camp_repatriation")
SLIDER_LEVERS: tuple[str, ...] = ("rehabilitation_effect", "border_control",
                                  "dispatch_capacity", "detection_capacity")
#: Which groups the levers apply to (a checklist; all three = everyone, the default).
GROUP_LEVER = "groups"
GROUPS: tuple[str, ...] = ("men", "women", "minors")
LEVERS: tuple[str, ...] = OPTIONAL_LEVERS + SLIDER_LEVERS + (GROUP_LEVER,)
DRAWS_MIN, DRAWS_MAX, DRAWS_DEFAULT = 50, 2000, 1000
SEED_MAX = 2**31 - 1
# Horizons offered: the engine always starts in 2011-01, so later horizons cost more.
HORIZONS: tuple[str, ...] = ("2018-12", "2019-12", "2022-12", "2026-12")
HORIZON_DEFAULT = "2019-12"
DEFAULT_FOCUS = "FRA"


#: The posteriors a run may use, by name: the server's (``ffcast dashboard --posterior``,
#: default the shipped one for the cut-off) and the one before the update (``--before``).
POSTERIORS: tuple[str, ...] = ("current", "before")


@dataclass(frozen=True)
class RunSpec:
    """A validated request for one run: the cache key and the input of every view.

    ``posterior`` names which of the server's posteriors the run uses (:data:`POSTERIORS`);
    the browser never chooses it (the store holds the current one's runs), the server does
    for the "Before the update" view."""

    scenario: Scenario
    draws: int
    seed: int
    end: str
    focus: str
    posterior: str = "current"

    def __post_init__(self) -> None:
        if self.posterior not in POSTERIORS:
            raise ScenarioError(f"posterior: {self.posterior!r} is not one of "
                                f"{', '.join(POSTERIORS)}")

    @property
    def key(self) -> tuple[str, int, int, str, str, str]:
        """Cache key: (scenario JSON, draws, seed, horizon, focus country, posterior)."""
        return (self.scenario.model_dump_json(), self.draws, self.seed, self.end, self.focus,
                self.posterior)

    def to_store(self) -> dict[str, Any]:
        """JSON for the browser's ``dcc.Store`` (re-validated by :func:`from_store`)."""
        return {"scenario": self.scenario.model_dump(mode="json", by_alias=True),
                "draws": self.draws, "seed": self.seed, "end": self.end, "focus": self.focus}

    def with_draws(self, draws: int) -> RunSpec:
        """The first ``draws`` draws of this run (a preview; same numbers for those draws)."""
        return RunSpec(self.scenario, draws, self.seed, self.end, self.focus, self.posterior)

    def with_scenario(self, scenario: Scenario) -> RunSpec:
        """The same draws, seed, horizon and focus for another scenario (for CRN pairs)."""
        return RunSpec(scenario, self.draws, self.seed, self.end, self.focus, self.posterior)

    def with_posterior(self, posterior: str) -> RunSpec:
        """The same run under another of the server's posteriors (:data:`POSTERIORS`; the
        draws are not paired: the posteriors' particles differ)."""
        return RunSpec(self.scenario, self.draws, self.seed, self.end, self.focus, posterior)


def focus_options() -> list[dict[str, str]]:
    """Origin countries with a traveller estimate, by name (the remainder pools excluded)."""
    best = data.best_estimates()
    best = best[~best["iso3"].map(data.is_remainder)].sort_values("name")
    return [{"label": f"{n} ({c})", "value": c} for c, n in zip(best["iso3"], best["name"],
                                                                strict=True)]


def preset_controls(name: str) -> dict[str, Any]:
    """Control values that reproduce a preset (raises ScenarioError for unknown names)."""
    scen = load_scenario(_preset_name(name))
    policy = scen.policy
    return {
        "midpoint": scen.collapse.midpoint,
        "tilt": dict(zip(PATHWAY_KEYS, scen.pathways.tilt.as_tuple(), strict=True)),
        "levers": {**{k: getattr(policy, k) for k in LEVERS},
                   GROUP_LEVER: list(policy.groups or GROUPS)},
    }


def _preset_name(name: Any) -> str:
    if not isinstance(name, str) or name not in list_presets():
        raise ScenarioError(f"preset: {name!r} is not a preset; presets: "
                            f"{', '.join(list_presets())}")
    return name


def _number(field: str, value: Any, problems: list[str], integer: bool = False) -> Any:
    """A number from a browser value, or the value unchanged for pydantic to reject."""
    if isinstance(value, bool):
        problems.append(f"{field}: {value!r} is not a number")
        return value
    if isinstance(value, str) and value.strip():
        try:
            value = float(value)
        except ValueError:
            problems.append(f"{field}: {value!r} is not a number")
            return value
    if integer and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def run_spec(preset: Any, midpoint: Any, tilt: dict[str, Any], levers: dict[str, Any],
             draws: Any, seed: Any, end: Any, focus: Any) -> RunSpec:
    """Validate raw control values into a RunSpec (raises ScenarioError, one line a problem).

    ``tilt``: multipliers on the prior pathway means by :data:`PATHWAY_KEYS`; ``levers``:
    policy levers by :data:`LEVERS` (blank optional levers keep the prior).
    """
    problems: list[str] = []
    try:
        name = _preset_name(preset)
    except ScenarioError as exc:  # keep checking the rest against the baseline
        problems.append(str(exc))
        name = "baseline"
    base = load_scenario(name).model_dump(mode="json", by_alias=True)
    raw = json.loads(json.dumps(base))
    raw["collapse"]["midpoint"] = midpoint
    tilt = tilt if isinstance(tilt, dict) else {}
    levers = levers if isinstance(levers, dict) else {}
    raw["pathways"]["tilt"] = {k: _number(f"tilt.{k}", tilt.get(k, 1.0), problems)
                               for k in PATHWAY_KEYS}
    for k in LEVERS:
        value = levers.get(k)
        if k in OPTIONAL_LEVERS and (value is None or value == ""):
            raw["policy"][k] = None
        elif k == GROUP_LEVER:
            raw["policy"][k] = _groups(value, base["policy"].get(k), problems)
        else:
            raw["policy"][k] = _number(f"policy.{k}", value, problems)
    if raw != base:
        raw["name"] = f"{name} (edited)"
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        problems += str(format_errors(exc, Scenario, "controls")).splitlines()
        scenario = None
    options = _run_options(draws, seed, end, focus, problems)
    if problems or scenario is None or options is None:
        raise ScenarioError("\n".join(dict.fromkeys(problems)))
    return RunSpec(scenario, *options)


def _groups(value: Any, preset: Any, problems: list[str]) -> Any:
    """The checklist's groups: every group ticked (or an untouched control) is everyone
    (None); none ticked is refused (the levers would apply to nobody)."""
    if value is None:
        return preset
    if not isinstance(value, list) or any(v not in GROUPS for v in value):
        problems.append(f"policy.groups: {value!r} is not a list of {', '.join(GROUPS)}")
        return preset
    if not value:
        problems.append("policy.groups: tick at least one group the levers apply to")
        return preset
    return None if set(value) == set(GROUPS) else [g for g in GROUPS if g in value]


def _run_options(draws: Any, seed: Any, end: Any, focus: Any,
                 problems: list[str]) -> tuple[int, int, str, str] | None:
    """Draws, seed, horizon and focus checked; problems appended, None if any."""
    before = len(problems)
    n_draws = _number("draws", draws, problems, integer=True)
    if not isinstance(n_draws, int) or not DRAWS_MIN <= n_draws <= DRAWS_MAX:
        problems.append(f"draws: {draws!r} must be a whole number from {DRAWS_MIN} to "
                        f"{DRAWS_MAX}")
    n_seed = _number("seed", seed, problems, integer=True)
    if not isinstance(n_seed, int) or not 0 <= n_seed <= SEED_MAX:
        problems.append(f"seed: {seed!r} must be a whole number from 0 to {SEED_MAX}")
    if not isinstance(end, str) or end not in HORIZONS:
        problems.append(f"horizon: {end!r} is not one of {', '.join(HORIZONS)}")
    if not isinstance(focus, str) or focus not in {o["value"] for o in focus_options()}:
        problems.append(f"focus: {focus!r} is not an origin country with an estimate")
    if len(problems) > before:
        return None
    return n_draws, n_seed, end, focus  # type: ignore[return-value]


def from_store(stored: Any) -> RunSpec:
    """Re-validate a RunSpec that came back from the browser (raises ScenarioError)."""
    if not isinstance(stored, dict) or not isinstance(stored.get("scenario"), dict):
        raise ScenarioError("no valid run yet; fix: press Run first")
    try:
        scenario = Scenario.model_validate(stored["scenario"])
    except ValidationError as exc:
        raise format_errors(exc, Scenario, "stored run") from exc
    problems: list[str] = []
    options = _run_options(stored.get("draws"), stored.get("seed"), stored.get("end"),
                           stored.get("focus"), problems)
    if options is None:
        raise ScenarioError("\n".join(problems))
    return RunSpec(scenario, *options)


def effective_shares(scenario: Scenario) -> dict[str, float]:
    """Post-cut-off pathway shares averaged over regions, weighted by travellers (sum 1).

    The per-region shares come from the engine (:func:`ffcast.engine.simulate.pathway_means`),
    so the page shows exactly what the model will use.
    """
    from ffcast.engine.simulate import pathway_means
    from ffcast.scenario.priors import REGIONS

    weights = data.best_estimates().groupby("region")["central"].sum()
    w = np.array([float(weights.get(region, 0.0)) for region in REGIONS])
    total = w @ pathway_means(scenario)
    total /= max(total.sum(), 1e-12)
    return dict(zip(PATHWAY_KEYS, (float(x) for x in total), strict=True))


def preset_cutoff() -> str:
    """The cut-off of the page's scenarios (every preset shares the baseline's; the page
    has no control for it), the one a posterior given to the dashboard must have."""
    return load_scenario("baseline").cutoff
