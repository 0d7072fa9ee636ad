"""The dashboard's group checklist (issue 22): every group ticked is everyone, none is
refused with one line, a subset reaches the scenario's policy."""

from __future__ import annotations

import pytest

from ffcast.dashboard import controls as C
from ffcast.errors import ScenarioError


def _spec(groups):
    start = C.preset_controls("repatriate-camps")
    levers = {**start["levers"], C.GROUP_LEVER: groups}
    return C.run_spec("repatriate-camps", start["midpoint"], start["tilt"], levers, 100, 0,
                      "2019-12", "FRA")


def test_a_subset_reaches_the_policy():
    assert _spec(["minors"]).scenario.policy.groups == ["minors"]
    assert _spec(["minors", "women"]).scenario.policy.groups == ["women", "minors"]


def test_all_groups_are_everyone():
    assert _spec(["men", "women", "minors"]).scenario.policy.groups is None


@pytest.mark.parametrize("bad", [[], ["boys"], "minors", 3])
def test_bad_groups_are_refused_in_one_line(bad):
    with pytest.raises(ScenarioError, match=r"policy\.groups"):
        _spec(bad)


def test_a_preset_for_minors_fills_the_checklist():
    assert C.preset_controls("repatriate-minors")["levers"][C.GROUP_LEVER] == ["minors"]
