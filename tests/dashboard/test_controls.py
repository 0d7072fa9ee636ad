"""The validation gate: browser values become a RunSpec or a ScenarioError naming each field."""

from __future__ import annotations

import threading

import pytest

from ffcast.dashboard import controls as C
from ffcast.dashboard.cache import RunCache
from ffcast.errors import ScenarioError
from ffcast.scenario import list_presets, load_scenario

LEVERS = {"rehabilitation_effect": 1.0, "border_control": 0.0, "dispatch_capacity": 1.0,
          "detection_capacity": 1.0}


def spec(**changes: object) -> C.RunSpec:
    args = {"preset": "baseline", "midpoint": "2017-07", "tilt": {}, "levers": LEVERS,
            "draws": 100, "seed": 0, "end": "2019-12", "focus": "FRA", **changes}
    return C.run_spec(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize("preset", list_presets())
def test_preset_controls_reproduce_the_preset(preset: str) -> None:
    values = C.preset_controls(preset)
    made = C.run_spec(preset, values["midpoint"], values["tilt"], values["levers"], 100, 0,
                      "2019-12", "FRA")
    assert made.scenario == load_scenario(preset)


def test_edited_scenario_is_renamed_and_round_trips_through_the_store() -> None:
    made = spec(levers={**LEVERS, "camp_repatriation": "0.1"})
    assert made.scenario.name == "baseline (edited)"
    assert made.scenario.policy.camp_repatriation == pytest.approx(0.1)
    assert C.from_store(made.to_store()) == made


@pytest.mark.parametrize(("changes", "needle"), [
    ({"midpoint": "2017-13"}, "collapse.midpoint"),
    ({"midpoint": None}, "collapse.midpoint"),
    ({"tilt": {"return": -1}}, "pathways.tilt.return"),
    ({"tilt": {"stay": "lots"}}, "tilt.stay"),
    ({"levers": {**LEVERS, "border_control": 5}}, "policy.border_control"),
    ({"levers": {**LEVERS, "prosecution_rate": [1]}}, "policy.prosecution_rate"),
    ({"draws": 10**9}, "draws"),
    ({"draws": 12.5}, "draws"),
    ({"seed": -1}, "seed"),
    ({"end": "2099-12"}, "horizon"),
    ({"focus": "<script>"}, "focus"),
    ({"preset": "../../etc/passwd"}, "preset"),
])
def test_bad_values_name_the_field(changes: dict, needle: str) -> None:
    with pytest.raises(ScenarioError, match=needle.replace(".", r"\.")):
        spec(**changes)


def test_every_problem_on_its_own_line() -> None:
    with pytest.raises(ScenarioError) as err:
        spec(midpoint="x", draws=1, seed="y")
    assert len(str(err.value).splitlines()) >= 3


@pytest.mark.parametrize("stored", [None, {}, {"scenario": "x"},
                                    {"scenario": {"name": "a", "colapse": {}}}])
def test_stored_spec_is_revalidated(stored: object) -> None:
    with pytest.raises(ScenarioError):
        C.from_store(stored)


def test_effective_shares_sum_to_one_and_follow_the_tilt() -> None:
    base = C.effective_shares(spec().scenario)
    more = C.effective_shares(spec(tilt={"return": 2.0}).scenario)
    assert sum(base.values()) == pytest.approx(1.0)
    assert sum(more.values()) == pytest.approx(1.0)
    assert more["return"] > base["return"]


def test_cache_is_lru_and_computes_once_per_key() -> None:
    cache: RunCache[int] = RunCache(maxsize=2)
    calls: list[str] = []

    def compute(key: str) -> int:
        calls.append(key)
        return len(calls)

    threads = [threading.Thread(target=cache.get_or_compute, args=("a", lambda: compute("a")))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == ["a"]
    cache.get_or_compute("b", lambda: compute("b"))
    cache.get_or_compute("c", lambda: compute("c"))  # evicts "a"
    cache.get_or_compute("a", lambda: compute("a"))
    assert calls == ["a", "b", "c", "a"] and len(cache) == 2
