"""``ffcast calibrate --observations``: a user's own dated statements, fitted only when they
were public by the cut-off, and they move the posterior of the country they describe."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ffcast.backtest import read_observations
from ffcast.calibrate import calibrate, from_result
from ffcast.calibrate.targets import check_published, observation_targets
from ffcast.engine import prepare
from ffcast.errors import FFCastError
from ffcast.scenario import Scenario

CUTOFF = "2014-12"


def _csv(tmp_path: Path, rows: str, header: str = "iso3,quantity,value,as_of,published,source"
         ) -> Path:
    path = tmp_path / "obs.csv"
    path.write_text(f"{header}\n{rows}\n", encoding="utf-8")
    return path


def test_published_is_read_as_the_end_of_its_month_or_the_day_given(tmp_path: Path) -> None:
    obs = read_observations(_csv(tmp_path, "FRA,returned,300,2014-10,2014-11,me\n"
                                           "DEU,returned,200,2014-10,2014-11-05,me"))
    assert list(obs["published_date"]) == [pd.Timestamp("2014-11-30"),
                                           pd.Timestamp("2014-11-05")]


def test_a_figure_published_before_the_month_it_describes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FFCastError, match=r"published: .* is before as_of"):
        read_observations(_csv(tmp_path, "FRA,returned,300,2014-10,2014-09,me"))


def test_calibration_refuses_statements_without_a_publication_date(tmp_path: Path) -> None:
    obs = read_observations(_csv(tmp_path, "FRA,returned,300,2014-10,me",
                                 header="iso3,quantity,value,as_of,source"))
    with pytest.raises(FFCastError, match=r"published: missing.*fix: add a .published."):
        check_published(obs, "obs.csv")


def test_only_statements_public_by_the_cut_off_become_targets(tmp_path: Path) -> None:
    prep = prepare(Scenario(cutoff=CUTOFF), end="2015-01")
    obs = read_observations(_csv(tmp_path, "FRA,returned,300,2014-10,2014-11,me\n"
                                           "DEU,returned,200,2014-10,2015-02,me"))
    targets = observation_targets(prep, obs)
    assert [t.label for t in targets if "DEU" in t.label] == []
    assert len(targets) == 1 and targets[0].reporter == "official"


@pytest.mark.slow
def test_a_user_statement_moves_the_fit_towards_it_and_is_recorded(tmp_path: Path) -> None:
    """France said (in this test) that 2,500 had come home by Nov 2014, far above what the
    embedded record implies (the prior predicts ~10). The posterior predictive of that
    statement must move up several-fold, and the posterior file must say what was fitted."""
    obs = read_observations(_csv(tmp_path, "FRA,returned,2500,2014-11,2014-12-15,test"))
    told = calibrate(cutoff=CUTOFF, particles=120, seed=3, observations=obs,
                     observations_label="obs.csv")
    assert told.observations == ["obs.csv: 1 statements"]
    (j,) = [i for i, t in enumerate(told.targets) if t.channel == "user_returned"]
    before = np.median(told.prior_predictive[:, j])
    after = np.median(told.predictive[:, j])
    assert after > 3 * max(before, 1.0), (before, after)
    assert json.loads(from_result(told).attrs["observations"]) == ["obs.csv: 1 statements"]
    # The statement itself is kept, so an update goes on fitting it (it was dropped: the
    # update's moves drifted the particles back towards "no statement").
    from ffcast.calibrate.update import stored_statements

    kept = stored_statements(from_result(told, states=False))
    assert list(kept["iso3"]) == ["FRA"] and list(kept["value"]) == [2500.0]
    assert list(kept["published_date"]) == [pd.Timestamp("2014-12-15")]
