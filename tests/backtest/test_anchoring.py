"""Anchoring the published-figure forecast on a country's own statements (issue 19): the
persistent reporting error conditioned on what the country published by the origin, checked
against the closed forms of Gaussian conditioning and on data drawn from the model it
assumes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ffcast.backtest import statements
from ffcast.backtest.forecast import anchor_statements, forecast_rows
from ffcast.results import reported as R


def _cov(quantities: np.ndarray, rho_c: float, rho_q: float) -> np.ndarray:
    c = rho_c + rho_q * (quantities[:, None] == quantities[None, :])
    np.fill_diagonal(c, 1.0)
    return c


def test_no_past_gives_the_unconditional_error():
    e = np.random.default_rng(0).standard_normal(50)
    out = R.anchored_error(np.empty((0, 50)), np.array([]), "killed", (0.3, 0.4), e)
    np.testing.assert_array_equal(out, e)


@pytest.mark.parametrize("rho", [(0.0, 0.0), (0.3, 0.4), (0.1, 0.8), (0.6, 0.0)])
def test_conditioning_matches_the_joint_normal(rho):
    """Draw (past, new) from the joint normal the model assumes; the anchored error given
    the past must have the law of new | past: its mean is the regression of new on past and
    its spread the residual sd (checked by the residuals' moments over many draws)."""
    rng = np.random.default_rng(1)
    q = np.array(["cumulative_returned", "killed", "killed", "in_theatre"])
    new_q = "killed"
    allq = np.append(q, new_q)
    cov = _cov(allq, *rho)
    n = 200_000
    joint = rng.multivariate_normal(np.zeros(len(allq)), cov, size=n).T
    past, new = joint[:-1], joint[-1]
    z = rng.standard_normal(n)
    out = R.anchored_error(past, q, new_q, rho, z)
    # Same law as `new` given the past: mean zero overall, unit variance, and the
    # covariance with each past error as the model says.
    assert abs(out.mean()) < 0.01
    assert abs(out.var() - 1.0) < 0.02
    for i in range(len(q)):
        assert abs(np.mean(out * past[i]) - cov[-1, i]) < 0.01
    # The closed form: w = K^-1 k, residual variance 1 - k.w.
    k = cov[-1, :-1]
    w = np.linalg.solve(cov[:-1, :-1], k)
    np.testing.assert_allclose(out - w @ past, np.sqrt(1 - k @ w) * z, atol=1e-9)
    # ... which is the regression of the true new error on the past ones.
    w_hat = np.linalg.lstsq(past.T, new, rcond=None)[0]
    np.testing.assert_allclose(w_hat, w, atol=0.01)
    assert abs(np.var(new - w_hat @ past) - (1 - k @ w)) < 0.01


def test_persistence_is_recovered_from_statements_drawn_from_the_model():
    rng = np.random.default_rng(2)
    rho = (0.25, 0.45)
    countries = []
    for _ in range(300):
        q = rng.choice(["cumulative_returned", "killed", "in_theatre"], size=rng.integers(2, 6))
        r = rng.multivariate_normal(np.zeros(len(q)), _cov(q, *rho))
        countries.append((r, q))
    (rc, rq), pairs = R.persistence_of_error(countries)
    assert pairs > 1000
    assert abs(rc - rho[0]) < 0.06 and abs(rq - rho[1]) < 0.08


def test_persistence_is_the_judgement_without_pairs_and_shrinks_towards_it_with_few():
    c0, q0 = R.ERROR_PERSISTENCE_DEFAULT
    k = R.PERSISTENCE_PRIOR_PAIRS
    for none in ([], [(np.array([0.5]), np.array(["a"]))]):
        rho, pairs = R.persistence_of_error(none)
        assert pairs == 0 and rho == pytest.approx((c0, q0))
    # one country, two statements of one quantity: 2 ordered pairs, mean product -0.1 over
    # mean square 0.145 -> the moment -0.69, shrunk: (2 x -0.69 + k x 0.7) / (2 + k)
    (rc, rq), pairs = R.persistence_of_error([(np.array([0.5, -0.2]), np.array(["a", "a"]))])
    assert pairs == 2
    moment = -0.1 / 0.145
    assert rc == pytest.approx(c0)  # no pair of two quantities: the judgement
    assert rc + rq == pytest.approx((2 * moment + k * (c0 + q0)) / (2 + k))
    # twelve pairs that say "none" no longer read as no persistence at all (ADR 0032)
    # (six countries' two statements, products 0: the moment says none; the old rule read
    # exactly that from ten pairs on)
    flat = [(np.array([1.0, 0.0]), np.array(["a", "a"])) for _ in range(6)]
    (rc, rq), pairs = R.persistence_of_error(flat)
    assert pairs == 12 and rc == pytest.approx(c0)
    assert rc + rq == pytest.approx(k * (c0 + q0) / (12 + k)) and rq > 0.0


def test_anchors_are_only_figures_described_by_the_origin():
    rows = pd.DataFrame({"iso3": ["FRA"], "quantity": ["cumulative_returned"],
                         "month": [pd.Timestamp("2016-09-01")]})
    known = statements.known("2016-06")
    a = anchor_statements(known, rows, "2016-06")
    assert len(a) and set(a["iso3"]) == {"FRA"}
    assert (a["month"] <= pd.Timestamp("2016-06-01")).all()
    assert set(a["quantity"]) <= set(R.REPORTED)
    # A row the scored set holds (published after the origin) is never an anchor.
    later = statements.scored("2016-06")
    assert not set(map(tuple, later[["iso3", "quantity", "value", "as_of"]].to_numpy())) & \
        set(map(tuple, known[["iso3", "quantity", "value", "as_of"]].to_numpy()))


def test_anchoring_pulls_the_forecast_to_the_countrys_own_figure():
    """France's forecast of its returnee count at 2016-09, made at 2016-06: anchored on what
    France published, its median lies within x1.5 of France's latest figure and differs from
    the unanchored one (the model's count through the unconditional reporting error, which
    may by chance sit nearer or farther: with ADR 0020's posterior it sits nearer)."""
    rows = pd.DataFrame({"iso3": ["FRA"], "quantity": ["cumulative_returned"],
                         "month": [pd.Timestamp("2016-09-01")], "kind": ["official"]})
    known = statements.known("2016-06")
    fra = known[(known["iso3"] == "FRA") & (known["quantity"] == "cumulative_returned")
                & (known["bound"] == "")].sort_values("month")
    latest = float(fra["value"].iloc[-1])
    free = forecast_rows(rows, "2016-06", 200, 3)
    held = forecast_rows(rows, "2016-06", 200, 3, anchors=known)
    assert held.anchors > 0 and held.rho is not None
    np.testing.assert_array_equal(free.latent, held.latent)  # the model's count is unchanged
    gap_held = abs(np.log(np.median(held.reported) / latest))
    assert gap_held < np.log(1.5)
    assert not np.array_equal(free.reported, held.reported)


def test_a_statement_published_after_the_origin_never_anchors_the_forecast(data_copy):
    """A fake French returnee figure describing 2015-10 but published in 2016-02: the
    forecast made at 2015-12 is bit-for-bit unchanged; made at 2016-06 (when it was public)
    it anchors the forecast and moves it."""
    rows = pd.DataFrame({"iso3": ["FRA"], "quantity": ["cumulative_returned"],
                         "month": [pd.Timestamp("2016-09-01")], "kind": ["official"]})

    def forecast(origin: str) -> np.ndarray:
        return forecast_rows(rows, origin, 30, 5, anchors=statements.known(origin)).reported

    before = {o: forecast(o) for o in ("2015-12", "2016-06")}
    late = ("FAKE:FRA:returned:late,FRA,France,returned,,9999,9999,2015-10,2016-02-15,,"
            "VALLS2016_07,,,a fake statement published after 2015-12,test")
    data_copy("foreign_fighters.csv", [late])
    assert (statements.known("2016-06")["value"] == 9999).any()  # the fake row is read
    np.testing.assert_array_equal(forecast("2015-12"), before["2015-12"])
    assert not np.array_equal(forecast("2016-06"), before["2016-06"])


def test_a_countrys_forecast_does_not_depend_on_the_others_asked_about():
    """France's forecast of what it will publish, alone or with Germany and Belgium, draw
    for draw: how much of the error persists is read from every modelled country's
    statements, not from those of the countries in the request (ADR 0032: it was, and
    France alone read (0.36, 0.0) where the backtest's rows read (0.0, 0.57))."""
    def rows(*iso3: str) -> pd.DataFrame:
        return pd.DataFrame({"iso3": list(iso3), "quantity": "cumulative_returned",
                             "month": pd.Timestamp("2017-06-01"), "kind": "official"})

    known = statements.known("2016-12")
    alone = forecast_rows(rows("FRA"), "2016-12", 60, 2, anchors=known)
    with_others = forecast_rows(rows("DEU", "FRA", "BEL"), "2016-12", 60, 2, anchors=known)
    np.testing.assert_array_equal(alone.latent[0], with_others.latent[1])
    np.testing.assert_array_equal(alone.reported[0], with_others.reported[1])
    assert alone.rho == with_others.rho and alone.anchors == with_others.anchors > 20
    # Germany and Belgium have anchors, so they were in the run either way; a country with
    # none (Spain: no returnee statement by 2016-12 here) must not change France either
    # (review, 2026-12-07: the test could not see what it claimed).
    assert "ESP" not in set(anchor_statements(known, rows("ESP"), "2016-12")["iso3"])
    with_spain = forecast_rows(rows("ESP", "FRA"), "2016-12", 60, 2, anchors=known)
    np.testing.assert_array_equal(alone.latent[0], with_spain.latent[1])
    np.testing.assert_array_equal(alone.reported[0], with_spain.reported[1])


def test_a_small_counts_chance_is_not_read_as_the_producers_error():
    """A published 20 against a model count of 0 read 10 noise-sds (noise 0.3) and multiplied
    the next figure by 8 through the anchoring (review, 2026-12-07). Read as calibration
    reads the statement, with the count's own Poisson noise: 2.92 sds; a stated range widens
    it further; a large count is read as before."""
    from ffcast.scenario import reporting

    values = np.zeros((1, len(reporting.COMPONENTS)))
    bias, noise = R.bias_noise(values, "official", "")
    b, s = float(np.ravel(bias)[0]), float(np.ravel(noise)[0])
    got = R.residuals(np.array([[20.0]]), np.array([[0.0]]), values, "official")
    assert float(got[0, 0]) == pytest.approx(np.log(21.0) / np.sqrt(s**2 + 1.0))
    wide = R.residuals(np.array([[20.0]]), np.array([[0.0]]), values, "official",
                       low=np.array([[10.0]]), high=np.array([[40.0]]))
    assert abs(float(wide[0, 0])) < abs(float(got[0, 0]))
    big = R.residuals(np.array([[2000.0]]), np.array([[1000.0]]), values, "official")
    assert float(big[0, 0]) == pytest.approx(
        (np.log(2001.0) - np.log(1000.0 * b + 1.0)) / np.sqrt(s**2 + 1 / 1001.0))
