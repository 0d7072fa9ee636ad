"""Built-in scenario presets (YAML files shipped in the package) and scenario loading."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from ffcast.errors import ScenarioError
from ffcast.scenario.model import Scenario
from ffcast.scenario.validation import format_errors, nearest

_PRESETS = resources.files("ffcast.scenario") / "presets"


def list_presets() -> list[str]:
    """Names of the built-in presets."""
    return sorted(p.name.removesuffix(".yaml") for p in _PRESETS.iterdir()
                  if p.name.endswith(".yaml"))


def preset_path(name: str) -> Path:
    """Path of a preset's YAML file; raises ScenarioError for unknown names."""
    if name not in list_presets():
        raise ScenarioError(
            f"unknown scenario preset {name!r}{nearest(name, list_presets())}; "
            f"presets: {', '.join(list_presets())}; or pass a path to a .yaml file"
        )
    return Path(str(_PRESETS / f"{name}.yaml"))


def load_scenario(spec: str | Path | Scenario | None = None) -> Scenario:
    """A scenario from a preset name, a YAML path, or a Scenario (returned as is)."""
    if spec is None:
        spec = "baseline"
    if isinstance(spec, Scenario):
        return spec
    text_spec = str(spec)
    path = Path(text_spec)
    # A preset name wins over a same-named file or folder in the working directory.
    if text_spec in list_presets():
        return _from_yaml(preset_path(text_spec).read_text(encoding="utf-8"), text_spec)
    if text_spec.endswith((".yaml", ".yml")) or path.exists():
        if not path.exists():
            raise ScenarioError(f"scenario file {text_spec} does not exist")
        if not path.is_file():
            raise ScenarioError(f"{text_spec} is not a file; pass a .yaml scenario file or a "
                                f"preset ({', '.join(list_presets())})")
        return _from_yaml(path.read_text(encoding="utf-8", errors="replace"), str(path),
                          default_name=path.stem)
    return _from_yaml(preset_path(text_spec).read_text(encoding="utf-8"), text_spec)


def _from_yaml(text: str, origin: str, default_name: str | None = None) -> Scenario:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ScenarioError(f"{origin}:{where}: not valid YAML; fix the syntax") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ScenarioError(f"{origin}: a scenario must be a mapping of keys (e.g. name: ...)")
    if default_name and "name" not in raw:
        raw["name"] = default_name
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise format_errors(exc, Scenario, origin) from exc
