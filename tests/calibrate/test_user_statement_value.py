"""A user's statement is fitted as its figure ``value``, whatever bounds it states, and an
update keeps fitting every statement the posterior was fitted to, including those a
``calibrate(..., through=...)`` fitted after the cut-off.

The stated bounds used to replace the figure: ``value=500, low=100, high=600`` was fitted
as the range [100, 600], centred on its geometric midpoint (about 245), and ``value=300,
low=250`` as [250, 300]. An update of a posterior calibrated ``through`` a later month
rebuilt its stored statements only up to the origin (the cut-off), dropping the later ones
from the likelihood.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ffcast.backtest import validate_observations
from ffcast.calibrate import calibrate, from_result
from ffcast.calibrate.posterior import calibration_prep
from ffcast.calibrate.risk import record_years
from ffcast.calibrate.smc import NOISE_OFFSET, Block, _Evaluator
from ffcast.calibrate.targets import build_targets, observation_targets
from ffcast.calibrate.update import stored_statements, update
from ffcast.errors import FFCastError

CUTOFF = "2014-12"


def _frame(*rows: dict) -> pd.DataFrame:
    base = {"quantity": "cumulative_returned", "as_of": "2014-10", "published": "2014-11"}
    return validate_observations(pd.DataFrame([{**base, **r} for r in rows]), "test")


def test_a_stated_range_is_fitted_as_the_figure_not_its_midpoint() -> None:
    prep = calibration_prep(CUTOFF, CUTOFF)
    obs = _frame({"iso3": "DEU", "value": 500, "low": 100, "high": 600, "source": "a"},
                 {"iso3": "DEU", "value": 500, "source": "b"},
                 {"iso3": "DEU", "value": 245, "source": "c"},
                 {"iso3": "DEU", "value": 300, "low": 250, "source": "d"},
                 {"iso3": "DEU", "value": 300, "high": 900, "source": "e"},
                 {"iso3": "DEU", "value": 300, "source": "f"})
    user = observation_targets(prep, obs)
    assert [(t.low, t.high) for t in user] == [(500, 500), (500, 500), (245, 245),
                                               (300, 300), (300, 300), (300, 300)]
    assert {t.reporter for t in user} == {"official"}

    embedded = build_targets(prep)
    block = Block.for_run(prep)
    z = np.random.default_rng(7).standard_normal((5, block.size))
    nid = np.arange(NOISE_OFFSET, NOISE_OFFSET + 5, dtype=np.int64)
    ll, _ = _Evaluator(prep, 0, [*embedded, *user], record_years(prep.months, CUTOFF),
                       block)(z, nid)
    cols = ll[:, len(embedded):len(embedded) + len(user)]
    np.testing.assert_array_equal(cols[:, 0], cols[:, 1])  # bounds change nothing
    assert not np.allclose(cols[:, 0], cols[:, 2])  # ... and it is not their midpoint
    np.testing.assert_array_equal(cols[:, 3], cols[:, 5])  # a one-sided bound neither
    np.testing.assert_array_equal(cols[:, 4], cols[:, 5])


def test_a_figure_of_0_is_no_statement_whatever_its_bounds() -> None:
    prep = calibration_prep(CUTOFF, CUTOFF)
    obs = _frame({"iso3": "DEU", "value": 0, "high": 10, "source": "a"})
    assert observation_targets(prep, obs) == []


@pytest.fixture(scope="module")
def through():
    """A posterior at 2014-12 that also fitted a statement published in 2015-03
    (``through="2015-03"``)."""
    said = _frame({"iso3": "FRA", "value": 250, "as_of": "2015-02", "published": "2015-03-10",
                   "source": "late"})
    res = calibrate(CUTOFF, particles=50, seed=3, moves=1, observations=said,
                    through="2015-03")
    return from_result(res, states=False)


def test_an_update_keeps_the_statements_fitted_through_a_later_month(through) -> None:
    assert through.origin == CUTOFF
    assert list(stored_statements(through)["source"]) == ["late"]
    new = _frame({"iso3": "DEU", "value": 500, "low": 100, "high": 600, "as_of": "2015-03",
                  "published": "2015-04-02", "source": "new"})
    res = update(through, new, "2015-04", moves=1)
    fit = pd.DataFrame(json.loads(res.posterior.attrs["fit"]))
    users = fit[fit["channel"] == "user_returned"]
    # The statement published after the cut-off is still in the likelihood.
    assert list(users["source"]) == ["late", "new"]
    assert list(stored_statements(res.posterior)["source"]) == ["late", "new"]
    # The update's table shows the statement's figure, not a bound.
    assert list(res.statements["figure"]) == [500.0]


def test_an_update_before_a_fitted_statement_was_published_is_refused(through) -> None:
    new = _frame({"iso3": "DEU", "value": 500, "as_of": "2015-01", "published": "2015-02-02",
                  "source": "new"})
    with pytest.raises(FFCastError, match=r"--until: 2015-02 is before 2015-03.*fix: give "
                                          r"2015-03 or later"):
        update(through, new, "2015-02", moves=1)
