"""Scenario settings that finished with a wrong answer and said nothing (review, 2026-12-07).

Each test fails on 4501693's behaviour:

- every lever with the default ``groups`` (all) also prosecuted minors: ``prosecute-all``
  put 248 minors in prison at home against 41 in the baseline;
- ``dispatch_capacity`` acted from the cut-off, not from ``policy.start``: a lever from
  2020 changed the runs of 2017-2019;
- a country ``policy.countries`` names without a row of its own (its travellers pooled in a
  remainder) left the scenario equal to the baseline, every difference 0;
- a key given twice in a YAML file dropped the first block silently; ``yes`` became 1;
- a collapse midpoint at or before the cut-off was moved to the month after it, and a
  residual share above what was held at the cut-off made the "collapse" an expansion.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ffcast.engine import layout as L
from ffcast.engine import prepare, run_chunk
from ffcast.engine.parameters import PARAM_INDEX, sample_parameters
from ffcast.errors import ScenarioError
from ffcast.scenario import Scenario, load_scenario

COUNTRIES = ["FRA", "BEL", "TUN"]
DRAWS = np.arange(12)


def _minors(params: np.ndarray, name: str) -> np.ndarray:
    return params[:, L.MINORS::L.N_GROUPS, PARAM_INDEX[name]]


@pytest.mark.parametrize("preset", ["prosecute-all", "rehabilitation-first"])
def test_levers_for_every_group_leave_minors_in_child_protection(preset: str) -> None:
    dp = sample_parameters(prepare(preset, countries=COUNTRIES), 0, DRAWS)
    assert np.all(_minors(dp.params_post, "prosecution") == 0.0)
    assert np.all(_minors(dp.params_post, "rehabilitation_uptake") == 1.0)
    women = dp.params_post[:, L.WOMEN::L.N_GROUPS, PARAM_INDEX["prosecution"]]
    if preset == "prosecute-all":  # the lever still reaches the adults
        assert np.all(women == load_scenario(preset).policy.prosecution_rate)


def test_a_prosecution_lever_for_minors_alone_is_refused() -> None:
    with pytest.raises(ValueError, match="never prosecuted"):
        Scenario.model_validate({"policy": {"groups": ["minors"], "prosecution_rate": 0.5}})
    Scenario.model_validate({"policy": {"groups": ["women", "minors"],
                                        "prosecution_rate": 0.5}})


def _run(scen: Scenario, end: str) -> tuple[np.ndarray, np.ndarray]:
    prep = prepare(scen, end=end, countries=COUNTRIES)
    res = run_chunk(prep, 3, np.arange(6))
    return res.stocks, res.flows


def test_the_dispatch_lever_acts_from_the_policy_start() -> None:
    base = Scenario(name="base")
    later = Scenario.model_validate({"name": "later", "policy": {
        "start": "2020-01", "dispatch_capacity": 1.5}})
    before = _run(base, "2019-12"), _run(later, "2019-12")
    for a, b in zip(*before, strict=True):  # the lever has not started by 2019-12
        np.testing.assert_array_equal(a, b)
    s_a, _ = _run(base, "2021-12")
    s_b, _ = _run(later, "2021-12")
    assert not np.array_equal(s_a, s_b)  # and acts once it has


def test_the_dispatch_lever_from_before_the_cut_off_acts_before_it() -> None:
    early = Scenario.model_validate({"name": "early", "policy": {
        "start": "2016-01", "dispatch_capacity": 0.0}})
    dp = sample_parameters(prepare(early, end="2017-06", countries=COUNTRIES), 0, DRAWS)
    assert np.all(dp.pathways_pre_policy[..., 4] == 0.0)
    assert np.all(dp.pathways_post_policy[..., 4] == 0.0)
    assert np.any(dp.pathways_pre[..., 4] > 0.0)  # before the start, the prior's shares


def test_a_policy_country_without_a_row_of_its_own_is_refused() -> None:
    scen = Scenario.model_validate({"policy": {"countries": ["AZE"],
                                               "prosecution_rate": 0.9}})
    with pytest.raises(ScenarioError, match=r"AZE .*R-FSU") as err:
        prepare(scen)
    assert "\n" not in str(err.value) and "fix:" in str(err.value)


def test_a_key_given_twice_in_a_yaml_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "twice.yaml"
    path.write_text("name: twice\npolicy:\n  countries: [FRA]\n  prosecution_rate: 0.9\n"
                    "policy:\n  rehabilitation_uptake: 0.5\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"line 5: the key 'policy' is given twice"):
        load_scenario(str(path))


@pytest.mark.parametrize("text", ["yes", "on", "true", "off"])
def test_a_yes_or_no_is_not_a_number(tmp_path: Path, text: str) -> None:
    path = tmp_path / "yes.yaml"
    path.write_text(f"name: y\npolicy:\n  border_control: {text}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="yes/no, not a number"):
        load_scenario(str(path))


def test_a_collapse_before_the_cut_off_is_refused() -> None:
    with pytest.raises(ValueError, match="not after the cut-off"):
        Scenario.model_validate({"collapse": {"midpoint": "2016-12"}})
    Scenario.model_validate({"cutoff": "2015-12", "collapse": {"midpoint": "2016-01"}})


def test_a_residual_above_what_was_held_at_the_cut_off_is_refused() -> None:
    scen = Scenario.model_validate({"collapse": {"residual_share": 0.9}})
    with pytest.raises(ScenarioError, match=r"residual_share: 0.9 .*0\.721.*at most 0.721"):
        prepare(scen)
    prepare(Scenario.model_validate({"collapse": {"residual_share": 0.72}}))


def test_closing_dispatch_on_a_subnormal_concentration_leaves_the_other_exits_open() -> None:
    """Found by the long fuzz profile (2026-12-07): with ``pathways.concentration: 5e-324``
    a draw sits on the dispatch vertex; closing dispatch (``dispatch_capacity: 0``) must hand
    its mass to the next most likely pathway (ffcast.scenario.priors.reweigh). The excluded
    component's log weight overflowed to +inf, +inf + -inf made the row NaN, and the run was
    refused as "nowhere to go" with four exits open."""
    import numpy as np

    from ffcast.engine import prepare
    from ffcast.engine.parameters import sample_parameters
    from ffcast.scenario import Scenario, load_scenario

    data = load_scenario("baseline").model_dump(by_alias=True)
    data["pathways"]["concentration"] = 5e-324
    data["policy"].update({"start": "2011-01", "dispatch_capacity": 0.0})
    prep = prepare(Scenario.model_validate(data), end="2018-12", countries=["TUN", "FRA"])
    dp = sample_parameters(prep, 0, np.arange(12))
    shares = dp.pathways_post_policy
    assert np.isfinite(shares).all()
    np.testing.assert_allclose(shares.sum(axis=-1), 1.0)
    assert (shares[..., 4] == 0).all()
