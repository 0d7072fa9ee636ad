"""Prior draws of travellers stay within what the engine can count."""

from __future__ import annotations

import numpy as np

from ffcast.engine import prepare
from ffcast.scenario import Scenario


def test_no_prior_draw_of_travellers_overflows_at_any_shipped_cutoff() -> None:
    """A row with a central of 1 and a high of 15,569 (ROW at 2016-06) once drew 2.7e9."""
    from ffcast.engine.parameters import TRAVELLER_CAP, _sample_travellers

    for cutoff in ("2014-12", "2015-06", "2015-12", "2016-06", "2016-12"):
        prep = prepare(Scenario(name="t", cutoff=cutoff), end="2017-01")
        c = prep.countries
        top = _sample_travellers(c, np.full((1, len(c)), 1 - 1e-12))[0]
        assert (top <= TRAVELLER_CAP * np.maximum(c["high"], c["central"]) + 1e-9).all()
        assert top.sum() < 2**31 / 100, cutoff
