"""Built-in scenario presets (YAML files shipped in the package) and scenario loading."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from ffcast.errors import ScenarioError, echo, suggestion
from ffcast.scenario.model import Scenario
from ffcast.scenario.validation import format_errors

_PRESETS = resources.files("ffcast.scenario") / "presets"
MAX_SCENARIO_BYTES = 1_000_000  # a scenario is a page of YAML, not a data file
_MAX_NAME_BYTES = 255


def list_presets() -> list[str]:
    """Names of the built-in presets."""
    return sorted(p.name.removesuffix(".yaml") for p in _PRESETS.iterdir()
                  if p.name.endswith(".yaml"))


def preset_path(name: str) -> Path:
    """Path of a preset's YAML file; raises ScenarioError for unknown names."""
    if name not in list_presets():
        raise ScenarioError(
            f"unknown scenario preset {echo(name)}{suggestion(name, list_presets())}; "
            f"presets: {', '.join(list_presets())}; or pass a path to a .yaml file"
        )
    return Path(str(_PRESETS / f"{name}.yaml"))


def load_scenario(spec: str | Path | Scenario | None = None) -> Scenario:
    """A scenario from a preset name, a YAML path, or a Scenario (returned as is).

    Raises :class:`ScenarioError` (one message naming the field and the fix) for an unknown
    preset, a missing, unreadable, oversized or malformed file, or invalid values.
    """
    if spec is None:
        spec = "baseline"
    if isinstance(spec, Scenario):
        return spec
    if not isinstance(spec, str | Path):
        raise ScenarioError(f"scenario: {echo(spec)} is not a preset name, a YAML path or a "
                            "Scenario; fix: pass e.g. 'baseline' or 'my-scenario.yaml'")
    text_spec = str(spec)
    # A preset name wins over a same-named file or folder in the working directory.
    if text_spec in list_presets():
        return _from_yaml(preset_path(text_spec).read_text(encoding="utf-8"), text_spec)
    if "\x00" in text_spec or any(len(part.encode("utf-8", "replace")) > _MAX_NAME_BYTES
                                  for part in Path(text_spec).parts):
        raise ScenarioError(f"scenario: {echo(text_spec)} is neither a preset nor a usable file "
                            "name (too long); fix: use a preset name or a shorter path")
    path = Path(text_spec)
    try:
        exists = path.exists()
    except OSError as exc:
        raise ScenarioError(f"scenario: cannot look up {echo(text_spec)} ({exc.strerror}); "
                            "fix: check the path") from None
    if text_spec.endswith((".yaml", ".yml")) or exists:
        if not exists:
            raise ScenarioError(f"scenario file {echo(text_spec)} does not exist; fix: check "
                                f"the path, or use a preset ({', '.join(list_presets())})")
        if not path.is_file():
            raise ScenarioError(f"{echo(text_spec)} is not a file; pass a .yaml scenario file "
                                f"or a preset ({', '.join(list_presets())})")
        try:
            if path.stat().st_size > MAX_SCENARIO_BYTES:
                raise ScenarioError(f"{echo(text_spec)}: over {MAX_SCENARIO_BYTES:,} bytes; a "
                                    "scenario is a short YAML file; fix: pass the right file")
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise ScenarioError(f"{echo(text_spec)}: cannot be read ({exc.strerror}); fix: "
                                "check its permissions") from None
        return _from_yaml(text, str(path), default_name=path.stem[:80] or "scenario")
    return _from_yaml(preset_path(text_spec).read_text(encoding="utf-8"), text_spec)


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping (the plain loader keeps
    the last one and drops the first silently: two ``policy:`` blocks became one)."""


def _mapping_without_repeats(loader: _UniqueKeyLoader, node: yaml.MappingNode,
                             deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            repeated = key in seen
        except TypeError:  # an unhashable key: the constructor below names it
            break
        if repeated:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {echo(key)} is given twice in one block (the first "
                "would be dropped); fix: merge the two into one", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                 _mapping_without_repeats)


def _from_yaml(text: str, origin: str, default_name: str | None = None) -> Scenario:
    origin = echo(origin).strip("'\"")
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: no object tags
    except yaml.constructor.ConstructorError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ScenarioError(f"{origin}:{where}: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ScenarioError(f"{origin}:{where}: not valid YAML; fix the syntax") from exc
    except RecursionError:
        raise ScenarioError(f"{origin}: nested too deeply to be a scenario; fix: a scenario is "
                            "a few levels of keys (see `ffcast scenarios show baseline`)") from None
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
    except RecursionError:
        raise ScenarioError(f"{origin}: nested too deeply to be a scenario; fix: a scenario is "
                            "a few levels of keys (see `ffcast scenarios show baseline`)") from None
