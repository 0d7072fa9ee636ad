"""The living forecast's door: fold new statements into a posterior (``ffcast.update``).

It sits beside the backtests (it reads observation files with their reader) and above the
runner; the work is :mod:`ffcast.calibrate.update`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ffcast.backtest import read_observations
from ffcast.calibrate.posterior import PosteriorSpec
from ffcast.calibrate.update import UPDATE_MOVES
from ffcast.errors import OptionsError, echo
from ffcast.files import check_output, output_scope


@output_scope()
def update(posterior: PosteriorSpec, observations: str | Path | pd.DataFrame, until: str,
           out: str | Path | None = None, moves: int = UPDATE_MOVES) -> Any:
    """Fold statements published after a posterior's origin and by ``until`` (``YYYY-MM``)
    into it without refitting (:mod:`ffcast.calibrate.update`); write it to ``out`` (.nc)
    when given. ``posterior``: a file, a :class:`Posterior` or a shipped cut-off
    (``"2016-12"``); ``observations``: a CSV path or a validated observations frame, each
    row with the date it became public; ``moves``: rejuvenating moves per tempering step,
    by default as many as ``ffcast update`` and calibration make
    (:data:`ffcast.calibrate.update.UPDATE_MOVES`; with fewer the intervals come out too
    narrow, ``docs/validation.md``). Returns the
    :class:`ffcast.calibrate.update.UpdateResult` (``.posterior``, ``.statements`` with the
    published figure expected before and after, ``.ess``). Raises :class:`FFCastError`
    subclasses for bad input, before anything is written.
    """
    from ffcast.calibrate import posterior as posteriors
    from ffcast.calibrate.update import update as fold

    if not isinstance(moves, int) or isinstance(moves, bool) or not 1 <= moves <= 20:
        raise OptionsError(f"moves: {echo(moves)} is not a whole number in 1..20")
    if posterior in (None, "prior", "auto"):
        raise OptionsError("posterior: an update needs a posterior; fix: pass a file from "
                           "`ffcast calibrate` or a shipped cut-off such as '2016-12'")
    target = None if out is None else check_output(out, "out", (".nc",))
    name = "observations"
    if isinstance(observations, str | Path):
        name = str(observations)
        observations = read_observations(observations)
    post = posterior if isinstance(posterior, posteriors.Posterior) else \
        posteriors.load(posterior)  # type: ignore[arg-type]
    res = fold(post, observations, until, moves=moves, name=name)
    if target is not None:
        posteriors.save(res.posterior, target)
    return res
