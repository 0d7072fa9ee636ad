"""Scenarios: every knob a user can turn, validated once at the door.

``load_scenario("baseline")`` returns a preset; ``load_scenario("my.yaml")`` reads a file.
Unknown keys are errors that suggest the nearest valid key; shares must sum to 1; rates must
lie in their bounds; countries must be known ISO3 codes. All raise :class:`ScenarioError`.
"""

from ffcast.scenario.model import (
    Collapse,
    Pathways,
    PathwayShares,
    Policy,
    PriorOverride,
    Scenario,
)
from ffcast.scenario.presets import list_presets, load_scenario, preset_path

__all__ = [
    "Collapse",
    "PathwayShares",
    "Pathways",
    "Policy",
    "PriorOverride",
    "Scenario",
    "list_presets",
    "load_scenario",
    "preset_path",
]
