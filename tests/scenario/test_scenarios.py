"""Falsify the scenario layer's promises (scenario/__init__.py, presets.py, validation.py).

"Unknown keys are errors that suggest the nearest valid key; shares must sum to 1; rates must
lie in their bounds; countries must be known ISO3 codes. All raise ScenarioError", and every
message names the field and reads as one line per problem, never a traceback.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ffcast.errors import FFCastError, ScenarioError
from ffcast.scenario import Scenario, list_presets, load_scenario, preset_path

EXPECTED_PRESETS = {
    "baseline", "border-lockdown", "diaspora", "expeditionary", "insurgency", "mass-return",
    "merger", "prosecute-all", "rehabilitation-first", "repatriate-camps", "repatriate-minors",
    "repatriate-women-minors", "leave-in-region", "prosecute-women",
}


def _error(tmp_path: Path, yaml_text: str) -> str:
    """The ScenarioError message raised by loading ``yaml_text`` from a file."""
    path = tmp_path / "scenario.yaml"
    path.write_text(textwrap.dedent(yaml_text), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return _readable(str(info.value))


def _readable(message: str) -> str:
    """Assert the message is for people: non-empty lines, no traceback, no pydantic URL."""
    assert message.strip()
    for line in message.splitlines():
        assert line.strip(), f"blank line in {message!r}"
        assert "Traceback" not in line and "errors.pydantic.dev" not in line, message
        assert len(line) < 400, line
    return message


def test_every_preset_loads_and_is_named_after_its_file() -> None:
    assert set(list_presets()) >= EXPECTED_PRESETS
    for name in list_presets():
        scen = load_scenario(name)
        assert isinstance(scen, Scenario)
        assert scen.name == name
        assert scen.description, f"{name} has no description"
        assert preset_path(name).is_file()
        assert load_scenario(preset_path(name)) == scen  # by path, too


def test_policy_presets_change_what_their_description_says() -> None:
    assert load_scenario("prosecute-all").policy.prosecution_rate == 0.9
    assert load_scenario("repatriate-camps").policy.camp_repatriation == 0.05
    assert load_scenario("border-lockdown").policy.border_control == 0.9
    assert load_scenario("mass-return").pathways.tilt.return_ == 3.0


def test_none_and_scenario_objects_pass_through() -> None:
    assert load_scenario(None) == load_scenario("baseline")
    scen = Scenario(name="x")
    assert load_scenario(scen) is scen
    assert Scenario(name="baseline") == load_scenario("baseline").model_copy(
        update={"description": ""})


def test_misspelled_policy_key_names_field_and_suggests(tmp_path: Path) -> None:
    msg = _error(tmp_path, "policy: {prosecuton_rate: 0.5}\n")
    assert "policy.prosecuton_rate" in msg
    assert "prosecution_rate" in msg.split("policy.prosecuton_rate", 1)[1]
    assert msg.count("\n") == 0


def test_misspelled_top_level_key_suggests(tmp_path: Path) -> None:
    msg = _error(tmp_path, "colapse: {midpoint: '2017-07'}\n")
    assert "colapse" in msg and "'collapse'" in msg


def test_misspelled_pathway_share_suggests_alias(tmp_path: Path) -> None:
    msg = _error(tmp_path, """
        pathways:
          all: {retrun: 0.5, stay: 0.2, join_other: 0.1, relocate: 0.1, dispatch: 0.1}
    """)
    assert "pathways.all.retrun" in msg and "'return'" in msg


@pytest.mark.parametrize(("yaml_text", "where", "suggestion"), [
    ("parameters:\n  death_base: {meen: 0.01}\n", "parameters.death_base.meen", "'mean'"),
    ("pathways:\n  by_region:\n    western_europe: {retrun: 0.5, stay: 0.2, join_other: 0.1,"
     " relocate: 0.1, dispatch: 0.1}\n", "pathways.by_region.western_europe.retrun", "'return'"),
])
def test_misspelled_nested_key_in_a_mapping_suggests(tmp_path: Path, yaml_text: str,
                                                    where: str, suggestion: str) -> None:
    msg = _error(tmp_path, yaml_text)
    assert where in msg
    assert suggestion in msg


def test_shares_not_summing_to_one(tmp_path: Path) -> None:
    msg = _error(tmp_path, """
        pathways:
          all: {return: 0.5, stay: 0.3, join_other: 0.1, relocate: 0.1, dispatch: 0.1}
    """)
    assert "pathways.all" in msg
    assert "sum to 1" in msg or "add up to 1" in msg
    by_region = _error(tmp_path, """
        pathways:
          by_region:
            maghreb: {return: 0.1, stay: 0.1, join_other: 0.1, relocate: 0.1, dispatch: 0.1}
    """)
    assert "pathways.by_region.maghreb" in by_region and "not 1" in by_region


def test_shares_summing_to_one_within_tolerance_load(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("pathways:\n  all: {return: 0.1, stay: 0.2, join_other: 0.3, "
                    "relocate: 0.2, dispatch: 0.2}\n", encoding="utf-8")
    assert load_scenario(path).pathways.all is not None


@pytest.mark.parametrize(("yaml_text", "field"), [
    ("policy: {prosecution_rate: -0.1}\n", "policy.prosecution_rate"),
    ("policy: {border_control: 1.5}\n", "policy.border_control"),
    ("policy: {camp_repatriation: 2}\n", "policy.camp_repatriation"),
    ("policy: {detection_capacity: -1}\n", "policy.detection_capacity"),
    ("policy: {dispatch_capacity: 11}\n", "policy.dispatch_capacity"),
    ("policy: {start: '2017-13'}\n", "policy.start"),
    ("collapse: {residual_share: 1.2}\n", "collapse.residual_share"),
    ("collapse: {steepness_months: 0}\n", "collapse.steepness_months"),
    ("collapse: {midpoint: 'July 2017'}\n", "collapse.midpoint"),
    ("pathways: {tilt: {stay: -2}}\n", "pathways.tilt.stay"),
    ("pathways: {concentration: 0}\n", "pathways.concentration"),
    ("parameters: {death_base: {mean: -0.01}}\n", "parameters.death_base.mean"),
    ("parameters: {detection: {mean: 1.5}}\n", "detection"),
    ("policy: {prosecution_rate: high}\n", "policy.prosecution_rate"),
])
def test_out_of_bounds_values_name_the_field(tmp_path: Path, yaml_text: str,
                                             field: str) -> None:
    assert field in _error(tmp_path, yaml_text)


def test_several_problems_make_one_line_naming_each_field(tmp_path: Path) -> None:
    msg = _error(tmp_path, "policy: {prosecution_rate: -0.1, border_control: 1.5}\n")
    assert len(msg.splitlines()) == 1
    assert "policy.prosecution_rate: must be at least 0 (got -0.1); fix:" in msg
    assert "(and 1 more: policy.border_control)" in msg


def test_unknown_country_names_the_code(tmp_path: Path) -> None:
    msg = _error(tmp_path, "policy: {countries: [FRA, FRX]}\n")
    assert "policy.countries" in msg and "FRX" in msg


def test_countries_are_upper_cased() -> None:
    scen = Scenario.model_validate({"policy": {"countries": ["fra", " bel "]}})
    assert scen.policy.countries == ["FRA", "BEL"]


def test_unknown_region_names_it(tmp_path: Path) -> None:
    msg = _error(tmp_path, """
        pathways:
          by_region:
            westen_europe: {return: 0.5, stay: 0.2, join_other: 0.1, relocate: 0.1,
                            dispatch: 0.1}
    """)
    assert "westen_europe" in msg and "western_europe" in msg


def test_unknown_parameter_names_it_and_suggests(tmp_path: Path) -> None:
    msg = _error(tmp_path, "parameters:\n  death_bse: {mean: 0.01}\n")
    assert "death_bse" in msg and "'death_base'" in msg


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    msg = _error(tmp_path, "name: x\npolicy: {prosecution_rate: 0.5, countries: [FRA]\n")
    assert "not valid YAML" in msg and "line" in msg
    assert str(tmp_path / "scenario.yaml") in msg


@pytest.mark.parametrize("text", ["- a\n- b\n", "just a string\n", "42\n"])
def test_non_mapping_file(tmp_path: Path, text: str) -> None:
    assert "mapping" in _error(tmp_path, text)


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(missing)
    assert str(missing) in _readable(str(info.value))
    assert "does not exist" in str(info.value)


@pytest.mark.parametrize(("typo", "preset"), [
    ("basline", "baseline"), ("prosecute_all", "prosecute-all"), ("mass-retrun", "mass-return"),
    ("diaspra", "diaspora"),
])
def test_unknown_preset_suggests_nearest(typo: str, preset: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(typo)
    msg = _readable(str(info.value))
    assert f"did you mean {preset!r}" in msg
    assert msg.count("\n") == 0


def test_scenario_error_is_a_user_error() -> None:
    assert issubclass(ScenarioError, FFCastError)


def test_directory_path_is_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError):
        load_scenario(tmp_path)


def test_preset_name_is_not_shadowed_by_a_folder_in_cwd(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "baseline").mkdir()
    monkeypatch.chdir(tmp_path)
    assert load_scenario("baseline").name == "baseline"


def test_scenario_layer_loads_without_the_engine() -> None:
    """Scenarios sit below the engine: validating one never imports (or compiles) it."""
    code = ("import sys; from ffcast.scenario import load_scenario; "
            "print(load_scenario('baseline').name, "
            "any(m.startswith('ffcast.engine') for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "baseline False"


@pytest.mark.parametrize("override", [
    "severity_alpha: {mean: 1.0, spread: 0}",
    "severity_alpha: {mean: 0.5}",
    "death_base: {mean: 0.007, spread: 1000}",
])
def test_overrides_the_engine_cannot_run_are_rejected_at_the_door(tmp_path: Path,
                                                                  override: str) -> None:
    msg = _error(tmp_path, f"parameters:\n  {override}\n")
    assert override.split(":")[0] in msg
