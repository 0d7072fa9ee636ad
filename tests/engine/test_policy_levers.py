"""The policy levers that act on parameters (issue 21's no-copy path for runs without them).

Class of defect: a run with a lever set whose parameters after the policy start are
silently those before it, because the lever is missing from the list that decides whether
:func:`ffcast.engine.parameters._apply_policy` runs at all.
"""

from __future__ import annotations

import numpy as np
import pytest

from ffcast.engine import prepare
from ffcast.engine.parameters import PARAMETER_LEVERS, sample_parameters
from ffcast.scenario import Policy, load_scenario

# Policy fields that are not levers on the sampled parameters: when and where the levers
# act, and the border control, which acts on arrivals (ffcast.engine.prepared).
NOT_PARAMETER_LEVERS = {"start", "countries", "groups", "border_control"}
# A value that changes something, per lever.
SET = {"prosecution_rate": 0.9, "rehabilitation_uptake": 0.9, "rehabilitation_effect": 2.0,
       "camp_repatriation": 0.2, "detection_capacity": 2.0, "dispatch_capacity": 0.0}
COUNTRIES = ["FRA", "TUN", "GBR"]


def test_every_policy_field_is_placed_and_its_default_changes_nothing():
    fields = set(Policy.model_fields)
    assert fields - NOT_PARAMETER_LEVERS == set(PARAMETER_LEVERS), (
        "a new policy field: add it to PARAMETER_LEVERS (if _apply_policy reads it) or to "
        "NOT_PARAMETER_LEVERS here")
    defaults = Policy()
    for name, off in PARAMETER_LEVERS.items():
        assert getattr(defaults, name) == off, name
    assert set(SET) == set(PARAMETER_LEVERS)


@pytest.fixture(scope="module")
def without():
    prep = prepare("baseline", end="2018-12", countries=COUNTRIES)
    return sample_parameters(prep, 5, np.arange(6))


def test_no_lever_shares_the_parameters_and_changes_nothing(without):
    assert without.params_post is without.params_pre  # no copy: nothing differs


@pytest.mark.parametrize("lever", sorted(PARAMETER_LEVERS))
def test_each_lever_changes_the_parameters_after_the_policy_start(without, lever):
    base = load_scenario("baseline")
    scen = base.model_copy(update={"policy": base.policy.model_copy(update={lever: SET[lever]})})
    dp = sample_parameters(prepare(scen, end="2018-12", countries=COUNTRIES), 5, np.arange(6))
    np.testing.assert_array_equal(dp.params_pre, without.params_pre)
    changed = (not np.array_equal(dp.params_post, without.params_post)
               or not np.array_equal(dp.pathways_post, without.pathways_post))
    assert changed, f"policy.{lever} = {SET[lever]} left the parameters unchanged"
