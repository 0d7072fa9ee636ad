"""Any scenario the schema accepts samples what it asks for: answers, not only no crash.

For random valid scenarios (edges of every range drawn often: subnormal, tiny and huge
spreads and concentrations, means of 0 and 1, zero shares and vertices), the engine's
sampled parameters and pathway shares are compared with what the scenario asks for:

* every sampled value is a finite number in its range (probabilities in [0, 1], rates >= 0);
* beta priors (mean m, concentration s): the draws' mean is m and their variance
  m (1 - m) / (s + 1) (a Bernoulli of m as s -> 0, the mean at s = 0: fixed);
* log-normal priors (median m, sd of log s): half the draws on each side of m, and where
  the logs are representable, their mean is log m and their sd s;
* Dirichlet pathway shares (means from the scenario's precedence, concentration c): each
  share's mean is its mean share and its variance m (1 - m) / (c + 1); a zero mean share
  is exactly 0 in every draw; with the dispatch lever at 0 the shares are the Dirichlet of
  the other four (its neutrality).

Tolerances are deviation bounds that hold with probability 1 - 1e-9 each (Bernstein's
inequality for values in [0, 1], which stays right for rare events such as a share of 1e-5
that a few draws in 3,000 take; Gaussian and chi-square tail bounds for the logs of a
log-normal), plus 1e-9 for float rounding. A case makes about 700 checks: the long profile's
600 random cases raise a false alarm with probability below 1e-3, the CI profile's cases are
fixed. Remainder rows (one per region, no country effect: ``exp(0)``) are read, so the
region's draws are seen unaltered.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from fuzz_strategies import dead_ends, scenarios
from hypothesis import given, settings
from hypothesis import strategies as st

from ffcast.engine import layout as L
from ffcast.engine import prepare
from ffcast.engine.parameters import _param_prior, pathway_means, sample_parameters
from ffcast.errors import ScenarioError
from ffcast.scenario import Scenario
from ffcast.scenario.priors import (
    PARAMS,
    PATHWAY_CONCENTRATION,
    PATHWAY_PRIOR,
    REGIONS,
    THEATRE_CONCENTRATION,
    THEATRE_PRIOR,
)

DRAWS = 3000
DELTA = 1e-9  # probability that one check fails by chance
LOG_2_OVER_DELTA = float(np.log(2 / DELTA))
FLOOR = 1e-9  # float rounding of a quantile transform
# One row per region with no country effect (remainders; SOM and ROW for the two regions
# without a remainder row: SOM's multipliers are checked out of the comparison below).
COUNTRIES = ["R-WEU", "R-BAL", "R-FSU", "R-MAG", "R-MEG", "R-SEA", "R-NAM", "SOM", "ROW"]
COUNTRY_EFFECT = ("early_return", "death_base", "death_collapse")  # times exp(spread z)
MIN_NORMAL = 2.2250738585072014e-308


def bernstein(var: float, n: int) -> float:
    """t with P(|mean of n draws - expectation| >= t) <= DELTA for draws in an interval of
    length 1 with variance ``var`` (Bernstein: 2 exp(-n t^2 / (2 var + 2 t / 3)))."""
    lg = LOG_2_OVER_DELTA
    return (lg / 3 + np.sqrt(lg * lg / 9 + 2 * n * max(var, 0.0) * lg)) / n


def _close(x: np.ndarray, mean: float, var: float, what: str) -> None:
    """Draws in [0, 1]: their mean is ``mean`` and their variance ``var``."""
    n = x.size
    t = bernstein(var, n)
    assert abs(x.mean() - mean) <= t + FLOOR, (
        f"{what}: mean {x.mean():.6g}, asked {mean:.6g} (bound {t:.2g})")
    # The sample variance: mean((x - mean)^2) (terms in [0, 1], variance <= var), less the
    # square of the mean's deviation, times n / (n - 1).
    got = x.var(ddof=1)
    tv = bernstein(var, n)
    bound = (tv + t * t) * n / (n - 1) + var / (n - 1) + FLOOR
    assert abs(got - var) <= bound, f"{what}: variance {got:.6g}, asked {var:.6g}"


def _check_beta(x: np.ndarray, m: float, s: float, what: str) -> None:
    assert np.all((x >= 0) & (x <= 1)), f"{what}: a probability outside [0, 1]"
    var = 0.0 if s == 0 else m * (1 - m) / (s + 1)
    _close(x, m, var, what)
    if m in (0.0, 1.0) or s == 0:
        assert np.all(x == m), f"{what}: mean {m} must be exact"


def _check_lognormal(x: np.ndarray, m: float, s: float, what: str) -> None:
    n = x.size
    assert np.all(x >= 0), f"{what}: a negative rate"
    half = 0.5 + bernstein(0.25, n)  # each side of the median: a share of at most 1/2
    assert (x < m).mean() <= half and (x > m).mean() <= half, (
        f"{what}: median {np.median(x):.6g}, asked {m:.6g}")
    if s == 0 or m == 0:
        assert np.all(x == m), f"{what}: spread 0 or median 0 must be exact"
        return
    if m * np.exp(-7.1 * s) > MIN_NORMAL and s > 1e-300:  # logs representable
        logs = np.log(x)
        rounding = 1e-12 * (1 + abs(np.log(m)))
        z = np.sqrt(2 * LOG_2_OVER_DELTA)  # Gaussian tail: 2 exp(-z^2 / 2) = DELTA
        assert abs(logs.mean() - np.log(m)) <= z * s / np.sqrt(n) + rounding, (
            f"{what}: mean log {logs.mean():.6g}, asked {np.log(m):.6g}")
        # sd of log: (n - 1) sd^2 / s^2 is chi-square(n - 1); Laurent-Massart's bound.
        k, lg = n - 1, LOG_2_OVER_DELTA
        rel = max(np.sqrt(1 + 2 * np.sqrt(lg / k) + 2 * lg / k) - 1,
                  1 - np.sqrt(max(1 - 2 * np.sqrt(lg / k), 0.0)))
        assert abs(logs.std(ddof=1) - s) <= rel * s + rounding, (
            f"{what}: sd of log {logs.std(ddof=1):.6g}, asked {s:.6g}")


def _check_dirichlet(x: np.ndarray, means: np.ndarray, conc: float, what: str) -> None:
    """Draws (n, K) of a Dirichlet with ``means`` (sum 1) and ``conc``."""
    assert np.all(np.isfinite(x)) and np.all(x >= 0), f"{what}: not shares"
    np.testing.assert_allclose(x.sum(-1), 1.0, rtol=0, atol=1e-12, err_msg=what)
    for i, m in enumerate(means):
        if m == 0:
            assert np.all(x[:, i] == 0), f"{what}[{i}]: a zero mean share must be exactly 0"
            continue
        _close(x[:, i], m, m * (1 - m) / (conc + 1), f"{what}[{i}]")


@settings(settings.get_profile("ffcast-fuzz-sampled_answers"))
@given(data=st.data())
def test_sampled_parameters_and_shares_are_what_the_scenario_asks(
        data: st.DataObject, tally: Counter[str]) -> None:
    raw: dict[str, Any] = data.draw(scenarios(), label="scenario")
    scen = Scenario.model_validate(raw)
    seed = data.draw(st.integers(0, 2**63 - 1), label="seed")
    tally["sampled_answers"] += 1
    check_answers(scen, seed, tally)


def check_answers(scen: Scenario, seed: int, tally: Counter[str]) -> None:
    """Sample ``DRAWS`` draws of ``scen`` and compare them with what it asks for."""
    prep = prepare(scen, end="2100-12", countries=COUNTRIES)
    try:
        dp = sample_parameters(prep, seed, np.arange(DRAWS))
    except ScenarioError as exc:  # exits with nowhere to go: only where the scenario says so
        assert "nowhere to go" in str(exc) and dead_ends(scen), exc
        tally["sampled_answers_refused_nowhere_to_go"] += 1
        return
    iso3 = list(prep.countries["iso3"])
    region = [REGIONS[r] for r in prep.region_index]
    for c, (code, reg) in enumerate(zip(iso3, region, strict=True)):
        remainder = code.startswith("R-") or code == "ROW"
        for j, p0 in enumerate(PARAMS):
            if p0.name in COUNTRY_EFFECT and not remainder:
                continue
            p = _param_prior(scen, p0)
            m = float(p.mean_for("other" if p.scope == "global" else reg))
            x = dp.params_pre[:, c * L.N_GROUPS + L.MEN, j]  # the men's row: the priors
            assert np.all(np.isfinite(x)), f"{p.name} ({code}): not a number"
            what = f"{p.name} ({code}; mean {m:.6g}, spread {p.spread:.6g})"
            if p.dist == "beta":
                _check_beta(x, m, p.spread, what)
            else:
                _check_lognormal(x, m, p.spread, what)
    # Pathway shares: the prior's before the cut-off, the scenario's after it.
    post_means = pathway_means(scen)
    conc = scen.pathways.concentration or PATHWAY_CONCENTRATION
    dc = scen.policy.dispatch_capacity
    fixed = {r for r in REGIONS if scen.pathways.all is not None or r in scen.pathways.by_region}
    for c, (code, reg) in enumerate(zip(iso3, region, strict=True)):
        r = REGIONS.index(reg)
        row = c * L.N_GROUPS + L.MEN  # the men's row (the other groups are tilted)
        _check_dirichlet(dp.theatres[:, row], np.array(THEATRE_PRIOR[reg]),
                         THEATRE_CONCENTRATION, f"theatres ({code})")
        remainder = code.startswith("R-") or code == "ROW"
        if remainder:  # a country's own return propensity tilts its shares
            _check_dirichlet(dp.pathways_pre[:, row], np.array(PATHWAY_PRIOR[reg]),
                             PATHWAY_CONCENTRATION, f"pathways before the cut-off ({code})")
        if not (remainder or reg in fixed):  # ... after the cut-off too, unless fixed
            continue
        what = f"pathways after the cut-off ({code}, concentration {conc:.6g})"
        # The scenario's shares after the cut-off; the dispatch lever's apart, in force from
        # the policy start (ADR 0037: the engine switches to them at policy.start).
        _check_dirichlet(dp.pathways_post[:, row], post_means[r], conc, what)
        x = dp.pathways_post_policy[:, row]
        what = f"{what}, from the policy start"
        if dc == 1 or not prep.policy_mask[c]:
            np.testing.assert_array_equal(x, dp.pathways_post[:, row], err_msg=what)
        elif dc == 0:  # the Dirichlet of the other four (neutrality), dispatch exactly 0
            rest = post_means[r, :4].sum()
            assert np.all(x[:, 4] == 0), f"{what}: dispatch closed by the lever"
            _check_dirichlet(x[:, :4], post_means[r, :4] / rest, conc * rest, what)
        else:
            assert np.all(np.isfinite(x)) and np.allclose(x.sum(-1), 1.0, atol=1e-12), what
            assert np.all(x[:, post_means[r] == 0] == 0), f"{what}: a zero share moved"
