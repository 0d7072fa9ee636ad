"""Issue 20, "no silent wrong answers": every value the schema accepts samples correctly.

* **A**: a beta prior with a subnormal spread (concentration) sampled NaN, which the engine
  read as "never interdicted": the tiny-concentration limit is a Bernoulli of the mean.
* **B**: a small pathway concentration ignored the scenario's shares (every gamma quantile
  underflowed to the same floor, so the shares came out uniform): a Dirichlet with a small
  concentration sits next to one vertex, chosen with the means' probabilities, and a zero
  mean share is exactly 0.
* The engine refuses a sampled quantity that is not a finite number, in one line naming it.

Deterministic: quantile grids (``(i + 0.5) / N``) or fixed NumPy seeds, tolerances of five
standard errors (or the grid's resolution) plus a floor for rounding.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from ffcast.engine import parameters as engine_parameters
from ffcast.engine import prepare, run_chunk
from ffcast.engine.parameters import Latent, pathway_means, sample_parameters
from ffcast.errors import ScenarioError
from ffcast.scenario import Scenario, load_scenario
from ffcast.scenario.priors import (
    PARAM_INDEX,
    PARAMS,
    PATHWAYS,
    reweigh,
    sample_dirichlet,
    sample_scalar,
)

COUNTRIES = ["FRA", "BEL", "DEU", "GBR", "TUN", "RUS"]
GRID = 2**16
U = (np.arange(GRID) + 0.5) / GRID
INTERDICTION = PARAMS[PARAM_INDEX["interdiction_home"]]


def _scenario(raw: dict) -> Scenario:
    return Scenario.model_validate(raw)


# --- A: beta priors ---------------------------------------------------------------------

def test_issue_20_a_subnormal_beta_spread_samples_a_bernoulli_of_the_mean() -> None:
    """The issue's scenario: spread 5e-324 sampled NaN for every draw (0 plots interdicted);
    now each region-draw is interdicted always or never, with probability the mean 0.6."""
    scen = _scenario({"parameters": {"interdiction_home": {"spread": 5.0e-324}}})
    prep = prepare(scen, end="2019-12", countries=COUNTRIES)
    dp = sample_parameters(prep, 0, np.arange(2000))
    x = dp.params_post[:, 0, PARAM_INDEX["interdiction_home"]]  # France, one value a draw
    assert np.all(np.isin(x, [0.0, 1.0])), np.unique(x)[:5]
    assert abs(x.mean() - 0.6) <= 5 * np.sqrt(0.24 / x.size)


def test_issue_20_a_the_run_interdicts_plots_again() -> None:
    """End to end (the issue: 0 of 3,186 home plots interdicted): the share of home plots
    interdicted is near the prior mean 0.6 again, as with spread 1e-300."""
    tiny = _scenario({"parameters": {"interdiction_home": {"spread": 5.0e-324}}})
    small = _scenario({"parameters": {"interdiction_home": {"spread": 1.0e-300}}})
    from ffcast.engine import layout as L

    out = []
    for scen in (tiny, small):
        ch = run_chunk(prepare(scen, end="2022-12", countries=COUNTRIES), 0, np.arange(8))
        plots = ch.flows[..., L.FLOW_NAMES.index("plots[home]")].sum()
        stopped = ch.flows[..., L.FLOW_NAMES.index("interdicted_plots[home]")].sum()
        out.append((int(plots), int(stopped)))
    (plots, stopped), (plots_ref, stopped_ref) = out
    assert plots > 50 and stopped > 0.2 * plots, out
    assert (plots, stopped) == (plots_ref, stopped_ref), out  # the same limit, same numbers


@pytest.mark.parametrize("spread", [5e-324, 1e-310, 1e-300, 1e-100, 1e-12, 1e-3, 0.5, 1.0,
                                    20.0, 1e3, 1e6])
@pytest.mark.parametrize("mean", [0.0, 5e-324, 1e-300, 1e-12, 1e-7, 0.3, 0.6, 1 - 1e-9, 1.0])
def test_beta_prior_has_its_mean_and_variance_at_every_accepted_value(mean: float,
                                                                      spread: float) -> None:
    """Quantile grid: mean m and variance m (1 - m) / (s + 1) within the grid's resolution;
    finite, in [0, 1]; a mean of exactly 0 or 1 gives exactly 0 or 1."""
    x = sample_scalar(replace(INTERDICTION, spread=spread), np.array([mean]), U)
    assert np.all(np.isfinite(x)) and np.all((x >= 0) & (x <= 1))
    assert abs(x.mean() - mean) <= 2.0 / GRID + 1e-9
    assert abs(x.var() - mean * (1 - mean) / (spread + 1)) <= 3.0 / GRID + 1e-9
    if mean in (0.0, 1.0):
        assert np.all(x == mean)


def test_beta_spread_zero_fixes_the_mean_and_ordinary_spreads_are_unchanged() -> None:
    x = sample_scalar(replace(INTERDICTION, spread=0.0), np.array([0.6]), U)
    assert np.all(x == 0.6)
    # the usual case is the plain quantile function (same numbers as before issue 20)
    np.testing.assert_array_equal(sample_scalar(INTERDICTION, np.array([0.6]), U),
                                  stats.beta(12.0, 20.0 - 12.0).ppf(U))


@pytest.mark.parametrize("spread", [0.0, 5e-324, 1e-300, 1e-12, 0.3, 3.0])
@pytest.mark.parametrize("median", [0.0, 5e-324, 1e-300, 0.002, 10.0])
def test_lognormal_prior_is_finite_with_its_median(median: float, spread: float) -> None:
    p = PARAMS[PARAM_INDEX["death_base"]]
    x = sample_scalar(replace(p, spread=spread), np.array([median]),
                      np.clip(U, 1e-12, 1 - 1e-12))
    assert np.all(np.isfinite(x)) and np.all(x >= 0)
    assert (x < median).mean() <= 0.5 and (x > median).mean() <= 0.5
    if spread <= 1e-300 or median == 0:
        assert np.all(x == median)


# --- B: Dirichlet pathway shares --------------------------------------------------------

def test_issue_20_b_a_vertex_mean_with_a_small_concentration_stays_on_it() -> None:
    """The issue's scenario: every exit stays, concentration 0.001. The shares were near
    uniform after the cut-off; they are exactly (0, 1, 0, 0, 0) in every draw."""
    scen = _scenario({"pathways": {"all": {"return": 0, "stay": 1, "join_other": 0,
                                           "relocate": 0, "dispatch": 0},
                                   "concentration": 0.001}})
    dp = sample_parameters(prepare(scen, end="2019-12", countries=COUNTRIES), 0,
                           np.arange(500))
    np.testing.assert_array_equal(dp.pathways_post,
                                  np.broadcast_to([0.0, 1.0, 0.0, 0.0, 0.0],
                                                  dp.pathways_post.shape))


def test_issue_20_b_nobody_relocates_or_joins_others_after_the_cut_off() -> None:
    """End to end (the issue: relocated 217 -> 1,040 by 2019-12): with every exit staying,
    the relocated and joined-other stocks can only shrink after the cut-off."""
    from ffcast.engine import layout as L

    scen = _scenario({"pathways": {"all": {"return": 0, "stay": 1, "join_other": 0,
                                           "relocate": 0, "dispatch": 0},
                                   "concentration": 0.001}})
    prep = prepare(scen, end="2019-12", countries=COUNTRIES)
    ch = run_chunk(prep, 0, np.arange(4))
    cut = int(np.flatnonzero(ch.months == prep.cutoff_index)[0])
    for stock in ("relocated", "joined_other"):
        cols = [i for i, n in enumerate(L.STOCK_NAMES) if n.split("[")[0] == stock]
        total = ch.stocks[..., cols].sum((-1, -2))  # (draws, months)
        assert np.all(np.diff(total[:, cut:], axis=1) <= 0), stock


MEANS = np.array([0.5, 0.3, 0.0, 0.15, 0.05])


@pytest.mark.parametrize("conc", [5e-324, 1e-300, 1e-12, 1e-3])
def test_small_concentration_draws_a_vertex_with_the_means_probabilities(conc: float) -> None:
    u = np.clip(np.random.default_rng(20).random((40_000, 5)), 1e-12, 1 - 1e-12)
    x = sample_dirichlet(MEANS, conc, u)
    assert np.all(np.isfinite(x)) and np.allclose(x.sum(-1), 1.0, rtol=0, atol=1e-12)
    assert np.all(x[:, 2] == 0), "a zero mean share must be exactly 0"
    assert (x.max(-1) > 1 - 1e-6).mean() >= 0.98  # next to a vertex
    freq = np.bincount(x.argmax(-1), minlength=5) / len(x)
    assert np.all(np.abs(freq - MEANS) <= 5 * np.sqrt(MEANS * (1 - MEANS) / len(x))), freq


@pytest.mark.parametrize("conc", [0.02, 0.1, 0.5, 20.0, 1e4])
def test_dirichlet_marginals_are_betas(conc: float) -> None:
    """Each share of Dirichlet(m c) is Beta(m_i c, (1 - m_i) c): its CDF at interior points
    (where doubles resolve it) within 5 standard errors; a zero share exactly 0."""
    n = 40_000
    u = np.clip(np.random.default_rng(int(conc * 100)).random((n, 5)), 1e-12, 1 - 1e-12)
    x = sample_dirichlet(MEANS, conc, u)
    assert np.all(x[:, 2] == 0) and np.all(np.isfinite(x))
    for i in (0, 3, 4):
        ref = stats.beta(MEANS[i] * conc, (1 - MEANS[i]) * conc)
        for t in ref.ppf([0.05, 0.25, 0.5, 0.75, 0.95]):
            if not 1e-250 < t < 1 - 1e-12:
                continue
            f = ref.cdf(t)
            assert abs((x[:, i] <= t).mean() - f) <= 5 * np.sqrt(f * (1 - f) / n) + 1e-9


def test_ordinary_dirichlet_draws_are_the_plain_gamma_quotient() -> None:
    """Rows whose gamma quantiles are all representable: G / sum(G), as before issue 20."""
    from scipy import special

    u = np.random.default_rng(3).random((1000, 5))
    alpha = np.array([0.3, 0.25, 0.1, 0.2, 0.15]) * 20
    g = special.gammaincinv(alpha, u)
    np.testing.assert_array_equal(sample_dirichlet(alpha / 20, 20.0, u),
                                  g / g.sum(-1, keepdims=True))


def test_a_uniform_of_exactly_one_gives_finite_shares() -> None:
    """The counter-based streams can return exactly 1.0 (probability 2**-53); the theatre
    uniforms are clipped to 1, where the gamma quantile is infinite."""
    u = np.full((1, 7), 0.5)
    u[0, 3] = 1.0
    x = sample_dirichlet(np.full(7, 1 / 7), 30.0, u)
    assert np.all(np.isfinite(x)) and abs(x.sum() - 1) < 1e-12


def test_reweigh_moves_a_closed_vertex_to_the_next_pathway() -> None:
    """Closing dispatch (factor 0) on draws that sat on its vertex: the shares are those of
    the Dirichlet of the other four (its neutrality), never 0/0."""
    u = np.clip(np.random.default_rng(5).random((40_000, 5)), 1e-12, 1 - 1e-12)
    x, k = sample_dirichlet(MEANS, 1e-3, u, log=True)
    factor = np.array([1.0, 1.0, 1.0, 1.0, 0.0])
    y = reweigh(x, factor, k, 1e-3)
    assert np.all(np.isfinite(y)) and np.all(y[:, 4] == 0) and np.all(y[:, 2] == 0)
    rest = MEANS[:4] / MEANS[:4].sum()
    freq = np.bincount(y.argmax(-1), minlength=5)[:4] / len(y)
    assert np.all(np.abs(freq - rest) <= 5 * np.sqrt(rest * (1 - rest) / len(y))), freq
    assert np.array_equal(y[x[:, 4] < 0.5], (x * factor)[x[:, 4] < 0.5] /
                          (x * factor)[x[:, 4] < 0.5].sum(-1, keepdims=True))


def test_small_concentration_with_dispatch_closed_runs_with_no_dispatch() -> None:
    scen = _scenario({"pathways": {"concentration": 1e-3}, "policy": {"dispatch_capacity": 0}})
    dp = sample_parameters(prepare(scen, end="2019-12", countries=COUNTRIES), 1,
                           np.arange(400))
    # The lever's shares, in force from the policy start (after the cut-off here).
    paths = dp.pathways_post_policy
    assert np.all(np.isfinite(paths)) and np.all(paths[..., 4] == 0)


def test_only_dispatch_open_and_dispatch_closed_is_refused_in_one_line() -> None:
    """Every exit dispatched, and the dispatch lever at 0: exits have nowhere to go (was:
    a silent 0.25 each to the other four)."""
    scen = _scenario({"pathways": {"all": {"return": 0, "stay": 0, "join_other": 0,
                                           "relocate": 0, "dispatch": 1}},
                      "policy": {"dispatch_capacity": 0}})
    with pytest.raises(ScenarioError, match="nowhere to go") as exc:
        sample_parameters(prepare(scen, end="2019-12", countries=COUNTRIES), 1, np.arange(4))
    assert "\n" not in str(exc.value) and "dispatch_capacity" in str(exc.value)


def test_subnormal_tilt_keeps_its_pathway() -> None:
    """A tilt of 5e-324 on return and 0 elsewhere means "only return" (was: the product
    underflowed to 0 and the means fell back to 0.2 each)."""
    scen = _scenario({"pathways": {"tilt": {"return": 5e-324, "stay": 0, "join_other": 0,
                                            "relocate": 0, "dispatch": 0}}})
    np.testing.assert_array_equal(pathway_means(scen),
                                  np.tile([1.0, 0.0, 0.0, 0.0, 0.0], (len(pathway_means(scen)), 1)))


def test_a_tilt_of_all_zeros_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("pathways:\n  tilt: {return: 0, stay: 0, join_other: 0, relocate: 0, "
                    "dispatch: 0}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"pathways\.tilt") as exc:
        load_scenario(path)
    assert "\n" not in str(exc.value) and "fix" in str(exc.value)


# --- The engine's guard -----------------------------------------------------------------

@pytest.mark.parametrize("name", ["interdiction_home", "death_base", "severity_alpha"])
def test_a_non_finite_sampled_parameter_is_refused_naming_it(name: str) -> None:
    """A latent uniform that is not a number (a caller's particle) gives a NaN parameter:
    the run stops with one line naming it instead of reading NaN as "never"."""
    prep = prepare(Scenario(), end="2017-06", countries=COUNTRIES)
    lat = Latent.from_streams(prep, 0, np.arange(3))
    lat.params[1, PARAM_INDEX[name], :] = np.nan
    with pytest.raises(ScenarioError, match=rf"parameters\.{name}: draw 1") as exc:
        run_chunk(prep, 0, np.arange(3), latent=lat)
    assert "\n" not in str(exc.value) and "fix" in str(exc.value)


def test_a_theatre_only_run_ignores_the_parameters_it_does_not_read() -> None:
    prep = prepare(Scenario(), end="2017-06", countries=COUNTRIES)
    lat = Latent.from_streams(prep, 0, np.arange(2))
    lat.params[:, PARAM_INDEX["interdiction_home"], :] = np.nan  # not a theatre parameter
    run_chunk(prep, 0, np.arange(2), latent=lat, theatre_only=True)
    lat.params[:, PARAM_INDEX["exit_decision"], :] = np.nan
    with pytest.raises(ScenarioError, match=r"parameters\.exit_decision"):
        run_chunk(prep, 0, np.arange(2), latent=lat, theatre_only=True)


def test_the_cli_prints_one_line_and_exits_2_on_a_nan_parameter(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever makes a sampler return NaN, the CLI says which parameter, in one line."""
    from ffcast.cli import app

    real = engine_parameters.sample_scalar

    def broken(p, mean, u):  # type: ignore[no-untyped-def]
        out = real(p, mean, u)
        return np.full_like(out, np.nan) if p.name == "interdiction_home" else out

    monkeypatch.setattr(engine_parameters, "sample_scalar", broken)
    res = CliRunner().invoke(app, ["run", "--draws", "2", "--end", "2017-03", "--prior", "-q"])
    assert res.exit_code == 2, res.output[-800:]
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: parameters.interdiction_home"), lines


def test_pathway_names_are_the_engine_s() -> None:
    assert PATHWAYS == ("return", "stay", "join_other", "relocate", "dispatch")
