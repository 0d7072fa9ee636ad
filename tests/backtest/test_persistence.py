"""The persistence baseline (issue 19): closed forms, calibration on its own model, the sigma
estimator, reproducibility, and that it sees only statements published by the origin.

Claims tried here: on draws of the model it assumes, its ensemble CRPS and log score on
log1p match the closed forms of a normal on log1p within Monte Carlo error and its 80%
interval covers 80% of truths drawn from that model; the robust sigma estimator returns the
scale of a synthetic random walk, its floor and its default; its draws do not depend on the
other rows, their order or the number of draws asked; a statement published after the
origin (describing a month before it) never changes them; the ffcast-vs-persistence
comparison and the per-country fit table give the known answers on tiny synthetic inputs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from ffcast.backtest import baselines, country_fit, metrics, statements
from ffcast.backtest.run import versus
from ffcast.calibrate.posterior import Posterior

MONTH0 = pd.Timestamp("2013-01-01")


def _rows(iso3: list[str], months: list[pd.Timestamp],
          quantity: str = "cumulative_returned") -> pd.DataFrame:
    return pd.DataFrame({"iso3": iso3, "quantity": quantity, "month": months})


def _codes(n: int) -> list[str]:
    """n distinct fake country codes (letters only, as country_code expects)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return ["".join(letters[(i // 26 ** k) % 26] for k in range(3)) for i in range(n)]


def _walk(n_countries: int, sigma: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A Gaussian random walk of log1p(count) per country, observed at random gaps (1-9
    months): ``known`` (6 statements each, published the month they describe) and the truth
    one more random gap later (one row per country)."""
    rng = np.random.default_rng(seed)
    known, truth = [], []
    for iso3 in _codes(n_countries):
        level = np.log1p(rng.uniform(200, 3000))
        month = 0
        for k in range(7):
            gap = int(rng.integers(1, 10))
            month += gap
            level += sigma * np.sqrt(gap) * rng.standard_normal()
            row = {"iso3": iso3, "quantity": "cumulative_returned",
                   "value": float(np.expm1(level)),
                   "month": MONTH0 + pd.DateOffset(months=month)}
            row["published"] = row["month"]
            (known if k < 6 else truth).append(row)
    return pd.DataFrame(known), pd.DataFrame(truth)


def test_sigma_estimator_returns_the_scale_of_a_synthetic_random_walk() -> None:
    known, _ = _walk(600, 0.3, seed=1)  # 3,000 pairs
    change, gap = baselines.successive_changes(known)
    assert len(change) == 600 * 5 and (gap >= 1).all()
    assert baselines.persistence_sigma(known) == pytest.approx(0.3, rel=0.05)
    half, _ = _walk(600, 0.15, seed=2)
    assert baselines.persistence_sigma(half) == pytest.approx(0.15, rel=0.05)


def test_sigma_falls_back_to_its_default_and_never_below_its_floor() -> None:
    few, _ = _walk(1, 0.3, seed=3)  # 5 pairs: enough
    assert baselines.persistence_sigma(few) != baselines.PERSISTENCE_DEFAULT_SIGMA
    assert baselines.persistence_sigma(few.iloc[:5]) == baselines.PERSISTENCE_DEFAULT_SIGMA
    flat = few.assign(value=100.0)  # figures that never move
    assert baselines.persistence_sigma(flat) == baselines.PERSISTENCE_FLOOR_SIGMA


def test_statements_of_one_month_make_one_point_of_the_walk() -> None:
    months = [MONTH0, MONTH0, MONTH0 + pd.DateOffset(months=4)]
    known = pd.DataFrame({"iso3": "FRA", "quantity": "killed", "value": [10.0, 30.0, 120.0],
                          "month": months,
                          "published": pd.to_datetime(["2013-02-01", "2013-03-01",
                                                       "2013-06-01"])})
    change, gap = baselines.successive_changes(known)
    # the later-published 30 stands for January, as last_observation would pick it
    np.testing.assert_allclose(change, [np.log(121 / 31)])
    np.testing.assert_array_equal(gap, [4])


def test_ensemble_crps_and_log_score_match_the_closed_forms_within_monte_carlo_error(
        ) -> None:
    n, draws, sigma = 12, 4000, 0.2
    last = np.linspace(300, 3000, n)
    horizon = np.arange(1, n + 1, dtype=float)
    months = [MONTH0 + pd.DateOffset(months=int(h)) for h in horizon]
    z = baselines.persistence_normals(_rows(_codes(n), months), draws, seed=7)
    samples = baselines.persistence_forecast(last, horizon, sigma, z)
    sd = sigma * np.sqrt(horizon)
    # observations at 0, 1 and 2 sd from the median, on the log1p scale
    obs = np.round((last + 1) * np.exp(sd * np.tile([0.0, 1.0, -2.0, 0.5], n // 4)) - 1)
    ensemble = metrics.crps_log1p(obs, samples, fair=True)
    closed = metrics.crps_log1p_lognormal(obs, last, sd)
    # Monte Carlo error of a CRPS estimate ~ sd / sqrt(draws): 4 standard errors
    np.testing.assert_allclose(ensemble, closed, atol=float(4 * sd.max() / np.sqrt(draws)))
    log_score = metrics.log_score_log1p(obs, samples, half_width=0.1)
    exact = metrics.log_score_log1p_lognormal(obs, last, sd)
    # a box of +-0.1 holds ~ draws * 0.2 * density draws: relative error ~ 1/sqrt(that)
    inside = draws * 0.2 * np.exp(-exact)
    np.testing.assert_allclose(log_score, exact, atol=float(np.max(4 / np.sqrt(inside))) + 0.02)


def test_the_log_score_of_a_point_forecast_is_its_cell_or_its_floor() -> None:
    hit = metrics.log_score_log1p([100.0], [[100.0] * 10], half_width=0.1)
    assert hit[0] == pytest.approx(-np.log(1 / 0.2))
    miss = metrics.log_score_log1p([100.0], [[300.0] * 10], half_width=0.1, floor_draws=0.5)
    assert miss[0] == pytest.approx(-np.log(0.05 / 0.2))
    small = metrics.log_score_log1p([2.0], [[2.0, 3.0]], half_width=0.1)  # rounding cell
    assert small[0] == pytest.approx(-np.log(0.5 / (np.log(3.5) - np.log(2.5))))
    with pytest.raises(ValueError, match="half_width"):
        metrics.log_score_log1p([1.0], [[1.0]], half_width=0)


def test_eighty_percent_interval_covers_eighty_percent_of_truths_from_its_own_model() -> None:
    known, truth = _walk(1500, 0.25, seed=11)
    draws = baselines.persistence(truth, known, 400, seed=3)
    assert not np.isnan(draws).any()
    covered = metrics.interval_coverage(truth["value"].to_numpy(), draws, 0.8)
    # binomial sd over 1,500 rows is 0.010; the estimated sigma adds a little
    assert covered.mean() == pytest.approx(0.8, abs=0.035)
    fifty = metrics.interval_coverage(truth["value"].to_numpy(), draws, 0.5).mean()
    assert fifty == pytest.approx(0.5, abs=0.04)


def test_draws_do_not_depend_on_other_rows_their_order_or_the_number_of_draws() -> None:
    known, truth = _walk(20, 0.25, seed=5)
    full = baselines.persistence(truth, known, 50, seed=9)
    some = truth.iloc[[7, 3, 12]].reset_index(drop=True)
    np.testing.assert_array_equal(baselines.persistence(some, known, 50, seed=9),
                                  full[[7, 3, 12]])
    np.testing.assert_array_equal(baselines.persistence(truth, known, 20, seed=9),
                                  full[:, :20])
    assert not np.array_equal(baselines.persistence(truth, known, 50, seed=10), full)


def test_a_row_without_an_earlier_figure_is_nan_and_the_median_is_the_last_figure() -> None:
    known, truth = _walk(3, 0.25, seed=6)
    rows = pd.concat([truth, truth.assign(iso3="ZZZ")], ignore_index=True)
    draws = baselines.persistence(rows, known, 2001, seed=0)
    assert np.isnan(draws[3:]).all() and not np.isnan(draws[:3]).any()
    last = baselines.last_observation(truth, known, 1)[:, 0]
    np.testing.assert_allclose(np.median(draws[:3], axis=1), np.round(last), rtol=0.03)


def test_a_figure_is_carried_forward_only_for_the_people_it_counts() -> None:
    """A series is a country's quantity *and whom it counts* (``covers``, read by scope_of):
    Morocco's 198 returned men are carried forward for its men, never for its women or for
    everyone, and "everyone", blank and missing are one series."""
    m = [pd.Timestamp("2016-01-01"), pd.Timestamp("2016-03-01"), pd.Timestamp("2016-05-01")]
    known = pd.DataFrame({"iso3": "MAR", "quantity": "cumulative_returned",
                          "value": [120.0, 198.0, 52.0], "month": m, "published": m,
                          "covers": ["", "men", "women"]})
    rows = pd.DataFrame({"iso3": "MAR", "quantity": "cumulative_returned",
                         "month": pd.Timestamp("2016-10-01"),
                         "covers": ["men", "women", "minors", "", "everyone", None]})
    last = baselines.last_observation(rows, known, 1)[:, 0]
    np.testing.assert_array_equal(last[:2], [198.0, 52.0])
    assert np.isnan(last[2])  # nobody counted the minors before: nothing to carry forward
    np.testing.assert_array_equal(last[3:], [120.0] * 3)
    draws = baselines.persistence(rows, known, 101, seed=0)
    assert np.isnan(draws[2]).all() and not np.isnan(draws[[0, 1, 3, 4, 5]]).any()
    # successive statements of different people make no pair of the walk
    change, _ = baselines.successive_changes(known)
    assert len(change) == 0
    # a share of all a country's travellers forecasts no count of some groups only
    travellers = np.full((len(rows), 5), 1000.0)
    icct = baselines.icct_share(rows, travellers)
    assert np.isnan(icct[:3]).all() and (icct[3:] == 300).all()


def test_a_statement_published_after_the_origin_never_changes_the_draws(
        data_copy: Callable[[str, list[str]], None]) -> None:
    rows = _rows(["FRA", "BEL", "DEU"], [pd.Timestamp("2016-09-01")] * 3)
    before = {o: baselines.persistence(rows, statements.known(o), 30, seed=2)
              for o in ("2015-12", "2016-06")}
    # describes October 2015 (before the origin 2015-12) but published in February 2016
    late = ("FAKE:FRA:returned:late,FRA,France,returned,,9999,9999,2015-10,2016-02-15,,"
            "VALLS2016_07,,,a fake statement published after 2015-12,test")
    data_copy("foreign_fighters.csv", [late])
    assert (statements.known("2016-06")["value"] == 9999).any()  # the fake row is read
    np.testing.assert_array_equal(
        baselines.persistence(rows, statements.known("2015-12"), 30, seed=2),
        before["2015-12"])
    # once published it is a pair of successive statements: sigma, hence the draws, move
    assert not np.array_equal(
        baselines.persistence(rows, statements.known("2016-06"), 30, seed=2),
        before["2016-06"])


def test_ffcast_against_persistence_on_exactly_the_rows_persistence_forecasts() -> None:
    table = pd.DataFrame({"value": [10.0, 100.0, 1000.0]})
    samples = {"ffcast": np.array([[10.0, 11.0], [100.0, 90.0], [5.0, 6.0]]),
               "persistence": np.array([[20.0, 21.0], [50.0, 60.0], [np.nan, np.nan]])}
    v = versus(table, samples)
    assert v["rows"] == 2
    for name in ("ffcast", "persistence"):
        expect = metrics.crps_log1p(table["value"][:2], samples[name][:2]).mean()
        assert v[name]["crps_log1p"] == pytest.approx(expect)
    assert v["skill_log1p"] == pytest.approx(
        1 - v["ffcast"]["crps_log1p"] / v["persistence"]["crps_log1p"])
    assert v["ffcast"]["median_abs_log_ratio"] < v["persistence"]["median_abs_log_ratio"]
    none = versus(table, {**samples, "persistence": np.full((3, 2), np.nan)})
    assert none["rows"] == 0 and np.isnan(none["skill_log1p"])


def test_country_fit_sets_the_latest_statement_of_each_quantity_against_the_posterior(
        ) -> None:
    def row(target: str, as_of: str, low: float | None, high: float | None,
            median: float) -> dict:
        channel = {"returned": "country_returned", "dead": "country_dead",
                   "in_theatre": "country_in_theatre"}[target.split()[1]]
        return {"channel": channel, "target": target, "as_of": as_of, "low": low,
                "high": high, "posterior_median": median}

    fit = pd.DataFrame([
        {"channel": "country_travelled", "target": "AAA travelled", "as_of": "2016-01-31",
         "low": 500, "high": 500, "posterior_median": 5000.0},  # not a quantity read here
        row("AAA returned", "2015-01-31", 10, 10, 100.0),  # superseded by the next
        row("AAA returned", "2016-03-31", 99, 399, 250.0),  # midpoint 199: x1.26
        row("AAA dead", "2016-01-31", 40, None, 50.0),  # at least 40: x1.25
        row("BBB returned", "2015-06-30", 100, 100, 160.0),  # x1.6: out
        row("BBB dead", "2015-06-30", 20, 20, 20.0),
        row("BBB in_theatre", "2015-06-30", None, 60, 50.0),  # up to 60
        row("CCC returned", "2015-06-30", 5, 5, 5.0),  # two statements only: left out
        row("CCC dead", "2015-06-30", 5, 5, 5.0),
    ])
    post = Posterior("2016-12", np.zeros((2, 1)), ["x"], {"fit": fit.to_json(orient="records")})
    t = country_fit.country_fit(country_fit.fit_of(post))  # as a posterior file stores it
    assert list(t["iso3"]) == ["AAA", "AAA", "BBB", "BBB", "BBB"]
    assert list(t["quantity"]) == ["returned", "dead", "returned", "dead", "in_theatre"]
    aaa = t.iloc[0]
    assert aaa["as_of"] == "2016-03" and aaa["statement"] == pytest.approx(199.0)
    assert aaa["ratio"] == pytest.approx(250 / 199) and aaa["statements"] == 3
    assert t.iloc[1]["bound"] == "at least" and t.iloc[4]["bound"] == "up to"
    assert list(t["within"]) == [True, True, False, True, True]
    assert country_fit.countries_within(t).to_dict() == {"AAA": True, "BBB": False}
    assert country_fit.share_within(t) == pytest.approx(0.5)
    assert np.isnan(country_fit.share_within(country_fit.country_fit(pd.DataFrame())))


def test_among_one_months_statements_the_latest_counts_the_most_people() -> None:
    """Morocco's BCIJ gave its returned men, women and minors of October 2016 apart: the
    men's count (the broadest of the three) is its latest statement of returnees, whatever
    the order of the rows; a count of everyone of the same month comes before it."""
    def row(covers: str, value: float) -> dict:
        label = "MAR returned" + (f" ({covers})" if covers else "")
        return {"channel": "country_returned", "target": label, "as_of": "2016-10-19",
                "low": value, "high": value, "posterior_median": value}

    parts = [row("men", 198), row("women", 52), row("minors", 15)]
    for order in (parts, parts[::-1]):
        t = country_fit.country_fit(pd.DataFrame(order), min_statements=1)
        assert t["statement"].tolist() == [198.0]
    t = country_fit.country_fit(pd.DataFrame([*parts, row("", 300)]), min_statements=1)
    assert t["statement"].tolist() == [300.0]


def test_the_fit_table_says_whom_each_statement_counts() -> None:
    """A fit table written by calibration keeps ``covers`` as calibration read it, and the
    country fit takes it from there rather than from the label's wording: a label that does
    not end "(men)" still counts men only."""
    def row(covers: str, value: float) -> dict:
        return {"channel": "country_returned", "target": "MAR returned", "covers": covers,
                "as_of": "2016-10-19", "low": value, "high": value, "posterior_median": value}

    parts = [row("women", 52), row("men", 198), row("minors", 15)]
    t = country_fit.country_fit(pd.DataFrame(parts), min_statements=1)
    assert t["statement"].tolist() == [198.0]
    t = country_fit.country_fit(pd.DataFrame([*parts, row("", 300)]), min_statements=1)
    assert t["statement"].tolist() == [300.0]


def test_fit_table_rows_carry_the_scope_of_their_quantity() -> None:
    from types import SimpleNamespace

    from ffcast.calibrate.posterior import fit_table
    from ffcast.calibrate.targets import Target

    def target(quantity: str) -> Target:
        return Target(channel="country_returned", label="MAR returned", quantity=quantity,
                      month=0, mask=np.ones(1, bool), low=5.0, high=5.0, sigma=0.3)

    res = SimpleNamespace(targets=[target("cum_returned"), target("cum_returned:men")],
                          prior_predictive=np.ones((4, 2)), predictive=np.ones((4, 2)))
    assert fit_table(res)["covers"].tolist() == ["", "men"]
