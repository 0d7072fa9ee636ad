"""What `ffcast sensitivity` and `ffcast discover` must say about their own numbers (review,
2026: re-simulated histories, what the ± is over, small or odd N, constant outcomes, PRIM's
untested restrictions and whole months).

Engine runs kept fast: three countries, runs end 2018-12, two draws per point.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ffcast.cli import app
from ffcast.experiments import (
    analyse_function,
    analyze,
    discover_run,
    evaluate,
    factors,
    prim,
    sample,
    sensitivity_run,
)
from ffcast.experiments.prim import PrimBox, inside, quasi_p, whole_steps
from ffcast.experiments.sensitivity import index_warnings, ishigami, sample_warnings

FAST = {"end": "2018-12", "countries": ["FRA", "BEL", "TUN"], "posterior": None}
PI3 = np.array([[-np.pi, np.pi]] * 3)
runner = CliRunner()


# 1. Multiplied priors re-simulate the history before the cut-off: the result says so.

def test_multiplied_priors_say_the_history_before_the_cut_off_is_in_the_indices() -> None:
    """death_collapse x0.5..x2 moves `killed` by thousands before the forecast starts;
    the indices said nothing about it."""
    space = factors(["death_collapse", "tilt_return"])
    on_post = sensitivity_run("sobol", "killed", samples=2, draws_per_point=2, seed=3,
                              space=space, **{**FAST, "posterior": "auto"})
    said = on_post.meta["history"]
    assert said.startswith("points re-simulate the history from 2011 (it overrides priors "
                           "(death_collapse))")
    assert "indices of people outcomes include changes before 2017-01" in said
    assert on_post.to_dict()["history"] == said
    on_prior = sensitivity_run("sobol", "killed", samples=2, draws_per_point=2, seed=3,
                               space=space, **FAST)
    assert "with the multiplied priors (death_collapse)" in on_prior.meta["history"]
    # No multiplier, and every point starts from the posterior's particle states: silent.
    tilt = sensitivity_run("sobol", "returned", samples=2, draws_per_point=2, seed=3,
                           space=factors(["tilt_return"]), **{**FAST, "posterior": "auto"})
    assert tilt.meta["history"] is None


# 2. The ± is a bootstrap over the N points, for these draws.

def test_the_interval_says_what_it_is_a_bootstrap_over() -> None:
    res = sensitivity_run("sobol", "killed", samples=2, draws_per_point=2, seed=3,
                          space=factors(["death_collapse", "tilt_return"]), **FAST)
    d = res.to_dict()
    assert d["interval"] == ("± = half-width of the 95% interval, a bootstrap over the 2 base "
                             "samples, for these 2 draws (seed 3): the draws' Monte Carlo "
                             "noise is not in it")
    assert d["samples"] == 2
    fn = analyse_function("morris", ishigami, ["x1", "x2", "x3"], PI3, samples=4, seed=2)
    assert "bootstrap over the 4 trajectories" in fn.interval()


# 3. ffcast's own warnings, carried in the result (SALib's are silenced).

def test_small_or_odd_n_and_impossible_indices_are_warned_not_refused() -> None:
    res = analyse_function("sobol", ishigami, ["x1", "x2", "x3"], PI3, samples=3, seed=1)
    said = " | ".join(res.warnings)
    assert "N = 3 is not a power of two" in said and "use 4 or 2" in said
    assert "N = 3 is below 64" in said
    assert res.to_dict()["warnings"] == res.warnings
    ok = analyse_function("sobol", ishigami, ["x1", "x2", "x3"], PI3, samples=64, seed=1)
    assert ok.warnings == []
    assert sample_warnings("morris", 10) == [w for w in sample_warnings("sobol", 10)
                                             if "below" in w]
    table = pd.DataFrame({"S1": [0.9, 0.5], "S1_conf": [0.1, 0.1], "ST": [0.95, 0.2],
                          "ST_conf": [0.1, 0.1]}, index=pd.Index(["a", "b"], name="factor"))
    said = " | ".join(index_warnings(table))
    assert "sum to 1.40, above 1" in said
    assert "S1 is above ST ± its interval for b" in said and " a" not in said.split("for")[-1]


def test_the_cli_prints_the_warnings_and_json_lists_them() -> None:
    args = ["sensitivity", "--outcome", "killed", "--samples", "3", "--end", "2018-12",
            "--countries", "FRA,BEL,TUN", "--prior", "--draws-per-point", "2"]
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert isinstance(d["warnings"], list)
    assert any("not a power of two" in w for w in d["warnings"])
    assert "multiplied priors" in d["history"] and "bootstrap over the 3" in d["interval"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert "warning: N = 3 is not a power of two" in text
    assert "history: points simulate the history from 2011" in text
    assert "a bootstrap over the 3 base samples, for these 2 draws (seed 0)" in text


# 4. A constant outcome has undefined indices, not 0 ± 0.

def test_a_constant_outcome_has_undefined_indices_and_a_warning_naming_the_fix() -> None:
    # Tunisia alone: no attack in the West, so attacks_total is 0 at every point.
    res = sensitivity_run("sobol", "attacks_total", samples=4, draws_per_point=2,
                          space=factors(["tilt_return", "border_control"]),
                          **{**FAST, "countries": ["TUN"]})
    assert res.table.isna().all().all()  # undefined, where SALib printed 0 ± 0
    assert res.warnings[0] == ("attacks_total (mean over 2 draws) is 0 at every one of the 16 "
                               "points: its Sobol indices are undefined (0/0), not 0; fix: "
                               "more --draws-per-point, more --countries, or a later --end")
    unit = analyze("sobol", ["a", "b"], np.array([[0, 1], [0, 1.0]]), np.zeros((8, 2)),
                   np.ones(8))
    assert unit.table.isna().all().all() and "undefined (0/0)" in unit.warnings[0]
    b = np.array([[0, 1], [0, 1.0]])
    x = sample("morris", ["a", "b"], b, 3, seed=0)
    morris = analyze("morris", ["a", "b"], b, x, np.ones(len(x)))
    assert (morris.table["mu_star"] == 0).all()
    assert "no factor moved it at these points" in morris.warnings[0]


def test_the_cli_prints_undefined_indices_as_undefined() -> None:
    # One month of Tunisia, one draw: no attack in the West at any point.
    args = ["sensitivity", "--outcome", "attacks_total", "--samples", "2", "--end", "2017-02",
            "--countries", "TUN", "--prior", "--draws-per-point", "1"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "undefined │ undefined" in res.stdout and "nan" not in res.stdout
    d = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert d["indices"][0]["ST"] is None and "undefined" in d["warnings"][0]


# 5. PRIM: quasi-p-values, the caveat, whole months.

def test_quasi_p_values_tell_a_needed_restriction_from_a_chance_one() -> None:
    rng = np.random.default_rng(4)
    x = rng.uniform(size=(2000, 3))
    y = (x[:, 0] > 0.6) & (rng.uniform(size=2000) < 0.9)
    box, _ = prim(x, y, bounds=np.array([[0.0, 1.0]] * 3))
    assert "x1" in box.quasi_p and box.quasi_p["x1"] < 1e-10
    assert set(box.quasi_p) == set(box.restricted())
    assert box.to_dict()["limits"]["x1"]["quasi_p"] == box.quasi_p["x1"]
    # A restriction of a noise dimension, added by hand: quasi-p near 1/2 or above.
    limits = box.limits.copy()
    limits[2] = (0.0, 0.7)
    keep = inside(x, limits)
    chance = PrimBox(box.names, limits, box.bounds, 0.0, 0.0, float(keep.mean()),
                     int(y[keep].sum()))
    assert quasi_p(chance, x, y)["x3"] > 0.1


def test_offset_limits_are_whole_months() -> None:
    b = np.array([[-6.0, 12.0], [0.0, 1.0]])
    box = PrimBox(("collapse_midpoint", "x"), np.array([[-5.4, 7.6], [0.2, 0.9]]), b,
                  1.0, 1.0, 0.5, 3)
    snapped = whole_steps(box, [0])
    assert snapped.limits[0].tolist() == [-5.5, 7.5]  # months -5 .. 7
    assert snapped.limits[1].tolist() == [0.2, 0.9]
    months = np.arange(-6, 13, dtype=float)[:, None]
    pts = np.column_stack([months, np.full(len(months), 0.5)])
    assert np.array_equal(inside(pts, box.limits), inside(pts, snapped.limits))
    edge = whole_steps(PrimBox(box.names, np.array([[-6.0, 12.0], [0.2, 0.9]]), b, 1, 1,
                               1, 3), [0])
    assert edge.limits[0].tolist() == [-6.0, 12.0] and edge.restricted() == ["x"]


def test_discover_peels_whole_months_and_says_what_it_does_not_test() -> None:
    from SALib.sample import latin

    space = factors(["collapse_midpoint", "tilt_return"])
    b = np.array([[f.low, f.high] for f in space])
    x = latin.sample({"num_vars": 2, "names": ["c", "t"], "bounds": b.tolist()}, 20, seed=1)
    y = evaluate(x, "stayed", 2, seed=1, space=space, **FAST)
    threshold = float(np.median(y))
    box, _, summary = discover_run("stayed", threshold, samples=20, draws_per_point=2, seed=1,
                                   space=space, **FAST)
    assert "collapse_midpoint" in box.restricted()  # a later collapse: more still there
    for lim, bound in zip(box.limits[0], b[0], strict=True):
        assert lim == bound or lim % 1 == 0.5
    assert "no pasting" in summary["caveat"] and "not corrected" in summary["caveat"]
    assert summary["history"] is None  # no multiplier, on the priors
    assert set(box.quasi_p) == set(box.restricted())


def test_discover_json_carries_the_caveat_history_and_quasi_p() -> None:
    res = runner.invoke(app, ["discover", "--outcome", "attacks_total", "--threshold", "1.25",
                              "--samples", "12", "--end", "2018-12", "--countries",
                              "FRA,BEL,TUN", "--prior", "--draws-per-point", "2", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert "no pasting" in d["caveat"]
    assert "multiplied priors" in d["history"] and "boxes of people outcomes" in d["history"]
    limits = d["box"]["limits"]
    assert all((v["quasi_p"] is not None) == v["restricted"] for v in limits.values())


# 6. Morris μ* is the change over the factor's full range (as docs/experiments.md says).

def test_morris_mu_star_is_the_change_over_the_full_range() -> None:
    res = analyse_function("morris", lambda x: 10 * x[:, 0] + 0 * x[:, 1], ["a", "b"],
                           np.array([[0.0, 2.0], [0.0, 1.0]]), samples=10, seed=1)
    assert res.table.loc["a", "mu_star"] == pytest.approx(20)  # 10 per unit x 2 units


def test_a_tilt_factor_on_shares_that_replace_the_tilt_is_refused() -> None:
    """With ``pathways.all`` set a tilt factor moved nothing and Sobol read its index as 0
    (review, 2026-12-07)."""
    from ffcast.errors import FFCastError
    from ffcast.experiments.space import apply, factors
    from ffcast.scenario import load_scenario

    space = [f for f in factors() if f.name == "tilt_return"]
    base = load_scenario("baseline")
    fixed = base.model_validate({**base.model_dump(by_alias=True), "pathways": {
        "all": {"return": 0.3, "stay": 0.3, "join_other": 0.1, "relocate": 0.2,
                "dispatch": 0.1}}})
    with pytest.raises(FFCastError, match=r"tilt_return: the base scenario sets pathways.all"):
        apply(fixed, space, [1.2])
    assert apply(base, space, [1.2]).pathways.tilt.as_tuple() != base.pathways.tilt.as_tuple()
