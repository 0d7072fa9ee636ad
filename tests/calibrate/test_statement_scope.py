"""Statements that count some groups only (issue 22: ``foreign_fighters.covers``).

Class of defect: a statement compared with the wrong people: France's "680 adults in the
zone" read against everyone there (the children born there included), Morocco's 1,622
"fighters" read as everyone who went, or the same breakdown counted twice (Bosnia's 47 men
in the per-country file and in the group-composition file).
"""

from __future__ import annotations

import numpy as np
import pytest

from ffcast.calibrate import smc
from ffcast.calibrate.likelihood import simulated_value
from ffcast.calibrate.risk import record_years
from ffcast.calibrate.targets import build_targets, split_scoped
from ffcast.engine import prepare
from ffcast.scenario import Scenario

N = 6


@pytest.fixture(scope="module")
def evaluated():  # type: ignore[no-untyped-def]
    prep = prepare(Scenario(name="scope", cutoff="2016-12"), end="2017-01")
    targets = build_targets(prep)
    ev = smc._Evaluator(prep, 0, targets, record_years(prep.months, "2016-12"),
                        smc.Block.for_run(prep))
    z = np.random.default_rng(3).standard_normal((N, ev.block.size))
    _, seen, _ = ev.simulate(z, np.arange(10**9, 10**9 + N))
    return prep, targets, seen


def _target(targets, label):  # type: ignore[no-untyped-def]
    found = [t for t in targets if t.label == label]
    assert len(found) == 1, label
    return found[0]


def test_scoped_statements_observe_their_groups(evaluated) -> None:  # type: ignore[no-untyped-def]
    _, targets, _ = evaluated
    assert _target(targets, "FRA in_theatre (adults)").quantity == "war_zone:adults"
    assert _target(targets, "MAR travelled (men)").quantity == "cum_travelled:men"
    assert _target(targets, "MAR returned (men)").quantity == "cum_returned:men"
    assert _target(targets, "KGZ travelled (adults)").quantity == "cum_travelled:adults"
    # a statement that does not say is read as everyone
    assert {t.quantity for t in targets if t.label == "GBR travelled"} == {"cum_travelled"}
    # Bosnia's 47 men: one statement, one target (the per-country row; the group row of the
    # same source is not a second vote)
    bih = [t for t in targets if t.label.startswith("BIH") and "returned" in t.label
           and t.as_of.startswith("2016-06")]
    assert [t.quantity for t in bih] == ["cum_returned:men"]


def test_a_groups_count_is_part_of_everyones(evaluated) -> None:  # type: ignore[no-untyped-def]
    """At every month a scoped statement is read: men <= adults <= everyone, and the three
    groups' returnees sum to everyone's."""
    _, targets, seen = evaluated
    checked = 0
    for t in targets:
        base, covers = split_scoped(t.quantity)
        if not covers:
            continue
        values = seen[t.month]
        part, whole = values[t.quantity][:, t.mask], values[base][:, t.mask]
        assert (part <= whole).all(), t.label
        if covers in ("men", "women") and f"{base}:adults" in values:
            assert (part <= values[f"{base}:adults"][:, t.mask]).all()
        if base == "cum_returned" and all(f"cum_returned:{g}" in values
                                          for g in ("men", "women", "minors")):
            total = sum(values[f"cum_returned:{g}"] for g in ("men", "women", "minors"))
            np.testing.assert_array_equal(total, values["cum_returned"])
        checked += 1
    assert checked >= 8


def test_adults_in_the_zone_leave_out_the_minors(evaluated) -> None:  # type: ignore[no-untyped-def]
    """France's adults in the zone are fewer than everyone there in some draw (the minors,
    born there or taken, are in the war zone), so the scope changes what is fitted."""
    _, targets, seen = evaluated
    t = _target(targets, "FRA in_theatre (adults)")
    adults = simulated_value(t, seen[t.month])
    everyone = seen[t.month]["war_zone"][:, t.mask].sum(1)
    assert (adults <= everyone).all() and (adults < everyone).any()
