"""Bounds a modeller could defend: every parameter's ceiling, the earliest cut-off the data
support, and validated copies. Each test tries to get an absurd value past the door."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from ffcast.errors import ScenarioError
from ffcast.scenario import Scenario, load_scenario
from ffcast.scenario.fields import CUTOFF_MAX, CUTOFF_MIN, check_cutoff
from ffcast.scenario.priors import PARAM_INDEX, PARAMS, Z_GUARD, sample_scalar


def _refused(**fields: object) -> str:
    with pytest.raises(ScenarioError) as err:
        Scenario().replace(**fields)  # replace(): the validated path for code
    return str(err.value)


def _loads(tmp_path: Path, text: str) -> Scenario:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


def test_every_parameter_has_a_ceiling_with_a_reason() -> None:
    for p in PARAMS:
        assert math.isfinite(p.ceiling) and p.ceiling > 0, p.name
        assert len(p.ceiling_why) > 10, p.name
        if p.dist == "beta":
            assert p.ceiling == 1.0, p.name


def test_no_draw_of_a_default_prior_passes_its_ceiling() -> None:
    """The engine's most extreme uniform (1 - 1e-12) through each default prior."""
    u = np.array([1e-12, 0.5, 1 - 1e-12])
    for p in PARAMS:
        means = np.array([p.largest_mean])
        assert sample_scalar(p, means, u).max() <= p.ceiling * (1 + 1e-12), p.name


def test_a_prior_a_modeller_could_hold_is_allowed() -> None:
    """Four times the median with twice the spread (the engine's own property tests, and the
    experiments' factor ranges, stay inside this) is never refused."""
    for p in PARAMS:
        if p.dist == "lognormal":
            over = {"mean": 4 * p.largest_mean, "spread": 2 * p.spread}
            Scenario.model_validate({"parameters": {p.name: over}})


@pytest.mark.parametrize("name", [p.name for p in PARAMS if p.dist == "lognormal"])
def test_a_mean_or_spread_that_lets_a_draw_pass_the_ceiling_is_refused(tmp_path: Path,
                                                                       name: str) -> None:
    p = PARAMS[PARAM_INDEX[name]]
    with pytest.raises(ScenarioError) as err:
        _loads(tmp_path, f"parameters:\n  {name}: {{mean: {p.ceiling * 1.01:g}, spread: 0}}\n")
    assert name in str(err.value) and "ceiling" in str(err.value) and "fix:" in str(err.value)
    widest = math.log(p.ceiling / p.largest_mean) / Z_GUARD  # the spread that reaches it
    if widest < 3:
        msg = _refused(parameters={name: {"spread": min(3.0, widest * 1.05 + 0.01)}})
        assert "spread" in msg and "fix: lower the mean" in msg
    # The numbers in the fix are ones the user can type and pass.
    if p.largest_mean > 0:
        top = p.ceiling / math.exp(p.spread * Z_GUARD)
        Scenario.model_validate({"parameters": {name: {"mean": top * 0.999}}})


def test_the_issue_s_absurd_values_are_refused_at_the_door() -> None:
    for name, mean in (("plot_rate_reengaged", 1e5), ("plot_rate_dispatched", 5e5),
                       ("prison_radicalisation", 5e5), ("plot_rate_undetected", 1e6)):
        msg = _refused(parameters={name: {"mean": mean}})
        assert name in msg and "ceiling" in msg and "\n" not in msg


def test_probabilities_stay_probabilities() -> None:
    assert "probability" in _refused(parameters={"attack_tail": {"mean": 1.5}})
    Scenario.model_validate({"parameters": {"attack_tail": {"mean": 1.0, "spread": 1e6}}})


@pytest.mark.parametrize("cutoff", ["2011-01", "2013-11", "2013-12", "2014-06", "2014-10"])
def test_cutoffs_before_the_data_are_refused_with_the_reason(cutoff: str) -> None:
    msg = _refused(cutoff=cutoff)
    assert f"before {CUTOFF_MIN}" in msg and "fix: use 2014-11 or later" in msg


@pytest.mark.parametrize("cutoff", ["2017-01", "2017-03", "2100-12"])
def test_cutoffs_after_what_the_data_know_are_refused(cutoff: str) -> None:
    """The embedded data hold what was published by the end of 2016: a later cut-off read
    IHS's territory figure of January 2017 and recorded "no attack" for months nobody had
    counted (review of 2026-12-07). Later statements come in through `ffcast update`."""
    assert check_cutoff(CUTOFF_MAX) == CUTOFF_MAX == "2016-12"
    msg = _refused(cutoff=cutoff)
    assert "after 2016-12" in msg and "ffcast update" in msg


def test_replace_validates_what_model_copy_would_not() -> None:
    base = load_scenario("baseline")
    assert base.replace(cutoff="2015-12").cutoff == "2015-12"
    with pytest.raises(ScenarioError, match="cutoff"):
        base.replace(cutoff="2014-01")
    with pytest.raises(ScenarioError, match="ceiling"):
        base.replace(parameters={"plot_rate_relocated": {"mean": 100.0}})


def test_a_long_description_is_refused_and_echoed_short() -> None:
    msg = _refused(description="x" * 100_000)
    assert "description" in msg and len(msg) < 300
