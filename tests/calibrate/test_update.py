"""``ffcast.calibrate.update``: what it refuses, what an updated posterior holds, and that a
statement moves it the right way.

One small posterior (50 particles at 2016-12) is shared by the module; every update of it
takes a few seconds.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from ffcast.backtest import validate_observations
from ffcast.calibrate import calibrate, from_result
from ffcast.calibrate.posterior import Posterior
from ffcast.calibrate.update import (
    UpdateResult,
    reached_temperature,
    stored_statements,
    update,
)
from ffcast.errors import FFCastError

CUTOFF = "2016-12"


def _frame(*rows: tuple[str, float, str, str]) -> pd.DataFrame:
    """Statements of returnees: (iso3, value, as_of, published)."""
    return validate_observations(pd.DataFrame(
        [{"iso3": c, "quantity": "cumulative_returned", "value": v, "as_of": a,
          "published": p, "source": "test"} for c, v, a, p in rows]), "test statements")


def _month_index(month: str) -> int:
    return (pd.Period(month, "M") - pd.Period("2011-01", "M")).n


@pytest.fixture(scope="module")
def post() -> Posterior:
    # Run to temperature 1 (7 stages, ~10 s): a posterior stopped earlier is completed by
    # every update, which then costs a calibration (see the last test).
    return from_result(calibrate(cutoff=CUTOFF, particles=50, seed=4, moves=1),
                       states=False)


@pytest.fixture(scope="module")
def first(post: Posterior) -> UpdateResult:
    """France says 5 people had come home by Dec 2016 (published Jan 2017): far below
    anything the posterior expects (it expects a few hundred)."""
    return update(post, _frame(("FRA", 5, "2016-12", "2017-01-10")), "2017-01")


def test_a_month_not_after_the_origin_is_refused(post: Posterior) -> None:
    obs = _frame(("FRA", 300, "2016-12", "2017-01-10"))
    for until in (CUTOFF, "2016-06"):
        with pytest.raises(FFCastError, match=r"--until: .* is not after the posterior's "
                                              r"origin 2016-12; fix"):
            update(post, obs, until)


def test_no_statement_in_the_window_says_how_many_rows_were_left_out_and_why(
        post: Posterior) -> None:
    obs = _frame(("FRA", 300, "2016-10", "2016-11-20"), ("DEU", 200, "2016-11", "2016-12"),
                 ("BEL", 100, "2017-02", "2017-03-01"), ("GBR", 400, "2017-01", "2017-02"))
    with pytest.raises(FFCastError) as err:
        update(post, obs, "2017-01")
    text = str(err.value)
    assert "no statement published after 2016-12 and by 2017-01" in text
    assert "2 published by the origin (already public when the posterior was made)" in text
    assert "2 published after 2017-01" in text
    assert "fix:" in text and "\n" not in text


def test_a_statement_of_another_quantity_is_counted_as_ignored(post: Posterior) -> None:
    obs = validate_observations(pd.DataFrame(
        [{"iso3": "FRA", "quantity": "attacks", "value": 2, "as_of": "2016-12",
          "published": "2017-01", "source": "test"}]), "test statements")
    with pytest.raises(FFCastError, match=r"1 another quantity, or a month outside"):
        update(post, obs, "2017-01")


def test_statements_the_model_cannot_read_are_named_with_the_reason(post: Posterior) -> None:
    """Israel (the model's row is ISR;PSE), Malta (pooled in a remainder) and a figure of 0
    were lumped in with "another quantity" (review, 2026-12-07)."""
    obs = _frame(("ISR", 40, "2016-12", "2017-01-10"), ("MLT", 3, "2016-12", "2017-01-10"),
                 ("FRA", 0, "2016-12", "2017-01-10"))
    with pytest.raises(FFCastError) as err:
        update(post, obs, "2017-01")
    text = str(err.value)
    assert "2 of a country without a row of its own (ISR, MLT" in text and "ISR;PSE" in text
    assert "1 a figure of 0" in text and "another quantity" not in text


def test_a_statement_given_twice_is_refused(post: Posterior, first: UpdateResult) -> None:
    twice = _frame(("GBR", 425, "2016-12", "2017-01-10"), ("GBR", 425, "2016-12", "2017-01-10"))
    with pytest.raises(FFCastError, match=r"GBR cumulative_returned 425 as of 2016-12 "
                                          r"\(test\) is given twice"):
        update(post, twice, "2017-01")
    again = _frame(("FRA", 5, "2016-12", "2017-02-01"))  # folded in by `first` already
    with pytest.raises(FFCastError, match=r"FRA .* is folded into the posterior already"):
        update(first.posterior, again, "2017-02")


def test_the_shipped_validation_set_is_never_fitted(post: Posterior) -> None:
    from ffcast.backtest import read_observations

    with pytest.raises(FFCastError, match=r"validation_returnees: a shipped validation set"):
        update(post, read_observations("validation_returnees"), "2017-10",
               name="validation_returnees")


def test_a_posterior_without_particle_noise_is_refused(post: Posterior) -> None:
    legacy = replace(post, noise=None)
    with pytest.raises(FFCastError, match=r"no particle noise ids .*fix: re-run"):
        update(legacy, _frame(("FRA", 300, "2016-12", "2017-01-10")), "2017-01")


def test_the_updated_posterior_starts_at_the_new_month_and_keeps_its_statements(
        post: Posterior, first: UpdateResult) -> None:
    out = first.posterior
    assert out.origin == "2017-01" and out.cutoff == CUTOFF
    assert out.states is not None and out.states.month == _month_index("2017-01")
    assert out.noise is not None and len(out.z) == len(post.z)
    kept = stored_statements(out)
    assert list(kept["iso3"]) == ["FRA"] and list(kept["value"]) == [5.0]
    assert list(kept["published_date"]) == [pd.Timestamp("2017-01-10")]
    assert reached_temperature(out) == 1.0
    (step,) = json.loads(out.attrs["updates"])
    assert step["until"] == "2017-01" and step["statements"] == 1
    assert stored_statements(post).empty  # the old posterior is left as it was


def test_a_statement_far_below_the_prior_predictive_moves_the_median_down(
        first: UpdateResult) -> None:
    (row,) = first.statements.itertuples()
    assert row.figure < row.before_p5  # the check means something
    assert row.after_median < row.before_median, (row.before_median, row.after_median)


def test_a_second_update_fits_the_first_updates_statements_again(
        first: UpdateResult) -> None:
    second = update(first.posterior, _frame(("DEU", 250, "2017-01", "2017-02-05")),
                    "2017-02")
    assert list(second.statements["statement"]) == ["DEU returned"]  # new ones only
    fit = pd.DataFrame(json.loads(second.posterior.attrs["fit"]))
    users = fit[fit["channel"] == "user_returned"]
    assert list(users["target"]) == ["FRA returned", "DEU returned"]
    assert list(stored_statements(second.posterior)["iso3"]) == ["FRA", "DEU"]
    assert [u["until"] for u in json.loads(second.posterior.attrs["updates"])] == \
        ["2017-01", "2017-02"]
    assert second.posterior.origin == "2017-02"
    # The first statement still holds the posterior down: France's expected figure stays
    # near what the first update made it, not back at the cut-off's.
    (row,) = first.statements.itertuples()
    fra = users[users["target"] == "FRA returned"].iloc[0]
    assert fra["posterior_median"] < row.before_median


def test_a_posterior_stopped_before_temperature_1_is_completed(post: Posterior) -> None:
    """``max_stages=1`` leaves the record weighed at a small temperature (particles nearly
    as spread as the prior); the update brings it to 1 over several steps, so the posterior
    is as narrow as after a finished calibration (``post``: the same run to the end). Not
    completing it leaves it near the prior; completing it in one step collapses it."""
    early = from_result(calibrate(cutoff=CUTOFF, particles=50, seed=4, moves=1,
                                  max_stages=1), states=False)
    assert reached_temperature(early) < 0.2
    res = update(early, _frame(("FRA", 300, "2016-12", "2017-01-10")), "2017-01")
    assert len(res.stages) > 2 and res.stages[-1].temperature == 1.0

    def spread(p: Posterior) -> float:
        return float(np.median(p.z.std(axis=0)))

    # Measured (with the deaths scope, ADR 0019): 0.97 before, 0.89 after, 0.89 for the
    # finished calibration (without it 0.97, 0.76, 0.78; 0.33 in one step). With ADR 0024's
    # priors (one more component, early_return wider) seed 4 gives 0.96, 0.89, 0.81: the
    # update closes 47% of the gap to the finished calibration, and seeds 5, 6, 7 close
    # 115%, 196%, 135% (this set-up with those seeds, 50 particles), so the test asks
    # for 40%; an update that did not complete the tempering closes none of it.
    gap = spread(early) - spread(post)
    assert gap > 0.03 and spread(res.posterior) < spread(early) - 0.4 * gap
    assert 0.8 < spread(res.posterior) / spread(post) < 1.25, (
        spread(early), spread(res.posterior), spread(post))


def test_the_bridge_per_column_weighs_like_the_bridge() -> None:
    """The per-country move reads the bridge column by column: the weighted columns add up
    to what the bridge gives, and the draws carry the same two last columns."""
    from ffcast.calibrate.update import _Bridge

    rng = np.random.default_rng(3)
    ll_t, sim = rng.normal(size=(7, 9)), rng.normal(size=(7, 4))

    class Fake:
        calls = 0

        def __call__(self, z: np.ndarray, nid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return ll_t, sim

    for reached, phi in ((1.0, 0.3), (0.4, 0.0), (0.4, 0.7), (0.2, 1.0)):
        bridge = _Bridge(Fake(), slice(3, 5), reached)  # type: ignore[arg-type]
        bridge.phi = phi
        both, sim_b = bridge(np.zeros((7, 2)), np.zeros(7))
        cols, sim_c = bridge.per_column(np.zeros((7, 2)), np.zeros(7))
        np.testing.assert_allclose(cols.sum(1), both.sum(1))
        np.testing.assert_allclose(cols[:, 3:5], phi * ll_t[:, 3:5])
        np.testing.assert_array_equal(sim_c, sim_b)


def test_a_statement_of_some_groups_is_fitted_as_theirs_and_kept(post: Posterior) -> None:
    """A user's "adults in the zone" (covers) is folded in as the men's and women's count,
    and the updated posterior keeps whom it counted (a later update re-fits it as such)."""
    obs = validate_observations(pd.DataFrame([{
        "iso3": "FRA", "quantity": "in_theatre", "value": 500, "as_of": "2016-12",
        "published": "2017-01-10", "source": "test", "covers": "Adults"}]), "test")
    res = update(post, obs, "2017-01")
    assert list(res.statements["statement"]) == ["FRA in_theatre (adults)"]
    assert list(stored_statements(res.posterior)["covers"]) == ["adults"]
    fit = pd.DataFrame(json.loads(res.posterior.attrs["fit"]))
    assert "FRA in_theatre (adults)" in set(fit[fit["channel"] == "user_in_theatre"]["target"])


def test_the_python_door_moves_as_often_as_the_command(
        post: Posterior, monkeypatch: pytest.MonkeyPatch) -> None:
    """``ffcast.update(...)`` makes as many moves per step as ``ffcast update`` and
    calibration (``UPDATE_MOVES``): with one move an update's intervals came out too narrow
    on synthetic truth (docs/validation.md), and the door used to default to one."""
    import ffcast
    from ffcast.calibrate import update as module
    from ffcast.calibrate.update import UPDATE_MOVES

    seen: list[int] = []

    def fold(*args: object, moves: int, **kwargs: object) -> str:
        seen.append(moves)
        return "folded"

    monkeypatch.setattr(module, "update", fold)
    assert ffcast.update(post, _frame(("FRA", 300, "2016-12", "2017-01-10")),
                         "2017-01") == "folded"
    assert seen == [UPDATE_MOVES] and UPDATE_MOVES >= 2
