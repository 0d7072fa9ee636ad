"""Forecast draws of dated per-country statements from an origin, through the one run loop.

Warning first: the forecast made at an origin uses the posterior fitted at that origin when
one ships with ffcast (:data:`ffcast.calibrate.posterior.SHIPPED_CUTOFFS`), else the priors
(``Forecast.parameters`` says which), and priors built from what was published by then; it
never reads the statements it is scored on. Draws come from
:meth:`ffcast.runner.Run.chunks` (the only loop over draw chunks), over the countries the rows
name, so the numbers are those of a full run with the same seed (the engine's random numbers
do not depend on which other countries run).

Each row gets two predictive samples: ``latent``, the model's count (its ``quantity`` at its
month and country), and ``reported``, the figure its producer would publish (the reporting
model of :mod:`ffcast.results.reported`, with the row's ``kind``; for quantities the
reporting model does not cover, the latent count).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ffcast.engine import ChunkResult
from ffcast.errors import ObservationError
from ffcast.results import quantities as Q
from ffcast.results import reported as R
from ffcast.runner import prepare_run
from ffcast.scenario import Scenario

Progress = Callable[[int], None]
CHUNK_SIZE = 100  # draws per chunk: every month of a few dozen countries stays under ~100 MB

_STOCK: dict[str, Q.Quantity] = {**R.REPORTED, "cumulative_travelled": Q.TRAVELLED,
                                  "detained_in_theatre": Q.DETAINED,
                                  "joined_other": Q.JOINED_OTHER, "relocated": Q.RELOCATED,
                                  "dispatched": Q.DISPATCHED}
_FLOW: dict[str, str] = {"attacks": "attacks", "attack_deaths": "attack_deaths"}


@dataclass
class Forecast:
    """Predictive draws (N rows, D draws) of the rows' quantities, and what produced them."""

    latent: np.ndarray
    reported: np.ndarray
    parameters: str  # "prior" or "posterior (cut-off YYYY-MM)"


def forecast_rows(rows: pd.DataFrame, origin: str, draws: int, seed: int,
                  progress: Progress | None = None, chunk_size: int = CHUNK_SIZE) -> Forecast:
    """Forecast draws of every row (``iso3``, ``quantity``, ``month``; ``kind`` optional,
    default ``official``) made at ``origin``.

    Raises :class:`ObservationError` for a quantity the model does not forecast or a country
    without a traveller estimate published by the origin, and :class:`FFCastError`
    subclasses for bad ``draws``/``seed``.
    """
    unknown = sorted(set(rows["quantity"]) - set(_STOCK) - set(_FLOW))
    if unknown:
        raise ObservationError(f"observations: quantity {unknown[0]} cannot be forecast; "
                               f"fix: use one of {', '.join([*_STOCK, *_FLOW])}")
    first = rows["month"].min().to_period("M")
    last = max(rows["month"].max().to_period("M"), pd.Period(origin, "M") + 1)
    # Cumulative flows need every month since 2011-01; stocks only the rows' months.
    start = "2011-01" if rows["quantity"].isin(_FLOW).any() else str(first)
    countries = sorted(set(rows["iso3"]))
    run = prepare_run(Scenario(name=f"backtest-{origin}", cutoff=origin), draws=draws,
                      seed=seed, start=start, end=str(last), countries=countries,
                      posterior="auto", chunk_size=chunk_size)
    prep = run.prep
    column = {iso: i for i, iso in enumerate(prep.countries["iso3"])}
    record = pd.Period(start, "M")
    months = np.array([(m.to_period("M") - record).n for m in rows["month"]])
    cols = np.array([column[iso] for iso in rows["iso3"]])
    kinds = rows["kind"].to_numpy() if "kind" in rows else np.full(len(rows), "official")
    quantities = rows["quantity"].to_numpy()
    latent = np.zeros((len(rows), draws))
    published = np.zeros((len(rows), draws))

    def take(chunk: ChunkResult) -> None:
        ids = chunk.draws
        stocks = chunk.stocks[:, months, cols, :]  # (D, N, S)
        for q in sorted(set(quantities)):
            at = quantities == q
            if q in _STOCK:
                values = _STOCK[q].of(stocks[:, at])
            else:
                flows = chunk.flows[..., Q.flow_slots(_FLOW[q])].sum(-1)
                values = np.cumsum(flows, axis=1, dtype=np.int64)[:, months[at], cols[at]]
            latent[np.ix_(at, ids)] = values.T
            published[np.ix_(at, ids)] = values.T
            if q not in R.REPORTED:
                continue
            for kind in sorted(set(kinds[at])):
                sel = at & (kinds == kind)
                error = R.reporting_error(seed, ids, prep.codes[cols[sel]], q, kind)
                figure = R.reported(_STOCK[q].of(stocks[:, sel]), chunk.reporting, error, kind)
                published[np.ix_(sel, ids)] = figure.T

    run.chunks(take, progress)
    return Forecast(latent, published, run.parameters)
