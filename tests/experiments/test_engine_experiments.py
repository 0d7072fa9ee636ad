"""Experiments on the engine itself: factor mapping, common random numbers, a tiny Sobol run.

Kept fast: three countries, runs end 2018-12, a handful of draws per point.
"""

from __future__ import annotations

import numpy as np
import pytest

from ffcast.errors import FFCastError
from ffcast.experiments import (
    OUTCOMES,
    UNCERTAINTIES,
    Factor,
    apply,
    bounds,
    discover_run,
    evaluate,
    factors,
    sensitivity_run,
)
from ffcast.scenario import Scenario

FAST = {"end": "2018-12", "countries": ["FRA", "BEL", "TUN"], "posterior": None}


def test_apply_maps_each_kind_onto_its_scenario_field() -> None:
    space = factors(["collapse_midpoint", "tilt_return", "death_collapse", "border_control"])
    s = apply(Scenario(), space, [-3.2, 1.3, 2.0, 0.4])
    assert s.collapse.midpoint == "2017-04"
    assert s.pathways.tilt.return_ == 1.3
    assert s.parameters["death_collapse"].mean == pytest.approx(0.06)
    assert s.policy.border_control == 0.4
    assert Scenario().parameters == {}  # the base is not modified


def test_a_base_scenario_keeps_its_own_tilt_and_the_midpoint_follows_the_cut_off() -> None:
    """`--scenario diaspora` (relocation tilted x3) ran the baseline's tilts: the tilt
    factors replaced the preset's own (review, 2026-12-07)."""
    from ffcast.scenario import load_scenario

    base = load_scenario("diaspora")
    s = apply(base, factors(["tilt_relocate", "tilt_return"]), [1.5, 0.5])
    assert s.pathways.tilt.relocate == pytest.approx(4.5)  # 3 x 1.5
    assert s.pathways.tilt.return_ == pytest.approx(0.5)
    early = Scenario.model_validate({"collapse": {"midpoint": "2017-03"}})
    assert apply(early, factors(["collapse_midpoint"]), [-6.0]).collapse.midpoint == "2017-01"


def test_experiments_say_which_months_scenario_and_countries_they_count() -> None:
    from ffcast.experiments.evaluate import what_is_counted

    said = what_is_counted("diaspora", "2020-12", None, ["FRA"])
    assert said == {"scenario": "diaspora", "counted_from": "2017-01",
                    "end_month": "2020-12", "period": "2017-01 – 2020-12",
                    "countries": ["FRA"]}


def test_factor_declarations_are_checked_at_the_door() -> None:
    with pytest.raises(FFCastError, match="low"):
        Factor("x", "policy.border_control", 0.5, 0.5)
    with pytest.raises(FFCastError, match="cannot map"):
        Factor("x", "parameters.detection.mean", 0.5, 2.0, "multiplier")  # per-region mean
    with pytest.raises(FFCastError, match="did you mean 'tilt_return'"):
        factors(["tilt_retrun"])
    with pytest.raises(FFCastError, match="invalid scenario"):
        apply(Scenario(), factors(["border_control"]), [1.5])


def test_every_declared_outcome_is_a_finite_number() -> None:
    x = bounds(UNCERTAINTIES).mean(axis=1)[None, :]
    for name in OUTCOMES:
        y = evaluate(x, name, draws_per_point=2, seed=1, **FAST)
        assert y.shape == (1,) and np.isfinite(y).all(), name


def test_common_random_numbers_same_point_same_value() -> None:
    mid = bounds(UNCERTAINTIES).mean(axis=1)
    x = np.vstack([mid, mid, bounds(UNCERTAINTIES)[:, 0]])
    y = evaluate(x, "returned", draws_per_point=4, seed=5, **FAST)
    assert y[0] == y[1]  # same seed at every point: identical draws
    assert y[0] != y[2]


def test_tiny_sobol_run_gives_indices_with_intervals_for_every_uncertainty() -> None:
    a = sensitivity_run("sobol", "killed", samples=4, draws_per_point=3, seed=2, **FAST)
    b = sensitivity_run("sobol", "killed", samples=4, draws_per_point=3, seed=2, **FAST)
    names = [f.name for f in UNCERTAINTIES]
    assert a.table.index.tolist() == names
    assert list(a.table.columns) == ["S1", "S1_conf", "ST", "ST_conf"]
    assert a.table[["S1_conf", "ST_conf"]].notna().all().all()
    assert a.evaluations == 4 * (len(names) + 2)
    assert a.table.equals(b.table)  # deterministic for the same seed
    d = a.to_dict()
    assert d["outcome"] == "killed" and len(d["indices"]) == len(names)


def test_discover_finds_that_more_plots_mean_more_attacks() -> None:
    # The threshold sits inside this sample's outcomes (2.25-3.25 attacks in the West, the
    # mean of draws 0-3, the 5 points with the highest plot rates above 2.9: the totals
    # count the West only since ADR 0033, Tunisia's attacks at home being a prior-driven
    # scenario; 4.75-6.5 before, at home and in Western countries; third theatres are in
    # no total since issue 19; men, women and minors apart since ADR 0020).
    box, trajectory, summary = discover_run("attacks_total", threshold=2.9, samples=20,
                                            draws_per_point=4, seed=1,
                                            space=factors(["plot_rate_dispatched",
                                                           "border_control"]), **FAST)
    assert 0 < summary["cases"] < 20
    # High plot rates are what the box must find; with 20 points x 2 draws, PRIM may also
    # trim a sliver of the irrelevant factor, but never most of it.
    assert "plot_rate_dispatched" in box.restricted()
    assert box.limits[0, 0] > 0.5 and box.limits[0, 1] == 2.0  # high plot rates only
    lo, hi = box.limits[1]
    blo, bhi = box.bounds[1]
    assert hi - lo >= 0.5 * (bhi - blo)
    assert 0 < box.coverage <= 1 and 0 < box.density <= 1
    assert len(trajectory) >= 1
    with pytest.raises(FFCastError, match="raise --threshold"):
        discover_run("travelled", threshold=-1.0, samples=10, draws_per_point=1,
                      space=factors(["border_control"]), **FAST)


@pytest.mark.distributed
def test_points_on_a_local_cluster_give_identical_values() -> None:
    x = np.vstack([bounds(UNCERTAINTIES).mean(axis=1), bounds(UNCERTAINTIES)[:, 1]])
    here = evaluate(x, "attacks_total", draws_per_point=2, seed=4, **FAST)
    there = evaluate(x, "attacks_total", draws_per_point=2, seed=4, workers=2, **FAST)
    assert np.array_equal(here, there)
