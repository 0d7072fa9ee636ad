"""Forecast draws of dated per-country statements from an origin, through the one run loop.

Warning first: the forecast made at an origin uses the posterior fitted at that origin when
one ships with ffcast (:data:`ffcast.calibrate.posterior.SHIPPED_CUTOFFS`), else the priors
(``Forecast.parameters`` says which), and priors built from what was published by then; it
never reads the statements it is scored on. Draws come from
:meth:`ffcast.runner.Run.chunks` (the only loop over draw chunks), over the countries the rows
name, so the numbers are those of a full run with the same seed (the engine's random numbers
do not depend on which other countries run).

A row may say whom its figure counts (``covers``: ``adults``, ``men``, ``women``,
``minors``; "" or ``everyone`` for everyone): its latent count is then the matching groups'
(:func:`ffcast.engine.groups.covered`, read from the groups' record at its month).

Each row gets two predictive samples: ``latent``, the model's count (its ``quantity`` at its
month and country), and ``reported``, the figure its producer would publish (the reporting
model of :mod:`ffcast.results.reported`, with the row's ``kind``; for quantities the
reporting model does not cover, the latent count).

Anchoring (issue 19). The reporting model's error persists: a country that counts its
returnees narrowly keeps doing so. Given ``anchors``, the statements published by the
origin, each draw's error for a new statement is conditioned on the errors its country's
statements imply under that draw (:func:`ffcast.results.reported.anchored_error`), with
the persistent share ``rho`` estimated from the statements of every country the model runs
at the origin (:func:`ffcast.results.reported.persistence_of_error`), whichever rows were
asked for: a country's forecast does not depend on the others in the request (ADR 0032).
So the forecast of what France will publish starts from what France has published, and
moves as the model's count moves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ffcast import data
from ffcast.backtest.observations import COVERED_QUANTITIES
from ffcast.data.schema import scope_of
from ffcast.engine import ChunkResult, Recording
from ffcast.engine import groups as G
from ffcast.errors import FFCastError, ObservationError
from ffcast.results import quantities as Q
from ffcast.results import reported as R
from ffcast.runner import prepare_run
from ffcast.scenario import Scenario, reporting

Progress = Callable[[int], None]
CHUNK_SIZE = 100  # draws per chunk: every month of a few dozen countries stays under ~100 MB

_STOCK: dict[str, Q.Quantity] = {**R.REPORTED, "detained_in_theatre": Q.DETAINED,
                                  "joined_other": Q.JOINED_OTHER, "relocated": Q.RELOCATED,
                                  "dispatched": Q.DISPATCHED}
# Cumulative flows since 2011-01. People who travelled are the arrivals (the person stocks
# also hold the children born in Iraq/Syria, whom no traveller count includes).
_FLOW: dict[str, str] = {"attacks": "attacks", "attack_deaths": "attack_deaths",
                         "cumulative_travelled": "arrivals"}


def _covers(frame: pd.DataFrame) -> np.ndarray:
    """Each row's ``covers`` ("" for everyone, also when the column is absent)."""
    if "covers" not in frame:
        return np.full(len(frame), "", dtype=object)
    return np.array([scope_of(v) for v in frame["covers"]], dtype=object)


def scoped_counts(chunk: ChunkResult, quantity: str, covers: str, positions: np.ndarray,
                  cols: np.ndarray) -> np.ndarray:
    """(D, n) the count of ``quantity`` among the groups ``covers`` names, at the recorded
    months ``positions`` (indices into ``chunk.months``) of the countries ``cols``, read from
    the chunk's group record (which must hold those months). A cumulative count of people
    who travelled needs a record from 2011-01 (its arrivals are summed over the record)."""
    wanted = chunk.months[positions]
    rg = np.searchsorted(chunk.group_months, wanted)
    if chunk.groups is None or (rg.size and (rg.max() >= len(chunk.group_months) or not
                                             np.array_equal(chunk.group_months[rg], wanted))):
        raise FFCastError("a statement counts some groups only, but the run did not record "
                          "the groups at its month; fix: record groups at that month "
                          "(Recording(..., groups=...))")
    groups = chunk.groups[:, rg, cols]  # (D, n, G, GQ)
    arrivals = np.zeros(groups.shape[:2], dtype=np.int64)
    if quantity == "cumulative_travelled":
        flows = chunk.flows[..., Q.flow_slots("arrivals")].sum(-1)
        arrivals = np.cumsum(flows, axis=1, dtype=np.int64)[:, positions, cols]
    return G.covered(COVERED_QUANTITIES[quantity], covers, groups, arrivals)


def _check_covers(quantities: np.ndarray, covers: np.ndarray) -> None:
    for q, c in zip(quantities, covers, strict=True):
        if c and c not in G.COVERS:
            raise ObservationError(f"observations: covers {c!r} is not a group; fix: use one "
                                   f"of {', '.join(G.COVERS)} or leave it empty (everyone)")
        if c and q not in COVERED_QUANTITIES:
            raise ObservationError(f"observations: quantity {q} has no count by group; fix: "
                                   "leave covers empty or use one of "
                                   f"{', '.join(COVERED_QUANTITIES)}")


@dataclass
class Forecast:
    """Predictive draws (N rows, D draws) of the rows' quantities, and what produced them."""

    latent: np.ndarray
    reported: np.ndarray
    parameters: str  # "prior" or "posterior (cut-off YYYY-MM)"
    # Persistent shares of the reporting error (country, channel); None without anchors.
    rho: tuple[float, float] | None = None
    anchors: int = 0  # statements published by the origin that anchored the rows


def modelled(origin: str) -> set[str]:
    """Countries with a traveller estimate published by ``origin`` (the model runs them)."""
    return set(data.best_estimates(as_of=origin)["iso3"])


def anchor_statements(anchors: pd.DataFrame | None, rows: pd.DataFrame,
                      origin: str) -> pd.DataFrame:
    """The anchoring statements: same countries and reported quantities as ``rows``, a
    figure (no "at least"/"up to"), describing a month by the origin."""
    cols = ["iso3", "quantity", "value", "low", "high", "month", "kind", "covers"]
    if anchors is None or anchors.empty:
        return pd.DataFrame(columns=cols)
    a = anchors[anchors["iso3"].isin(set(rows["iso3"]))
                & anchors["quantity"].isin(set(R.REPORTED))
                & anchors["month"].le(pd.Period(origin, "M").start_time)]
    if "bound" in a:
        a = a[a["bound"].fillna("") == ""]
    a = a[a["value"] > 0]
    if "kind" not in a:
        a = a.assign(kind="official")
    for bound in ("low", "high"):  # a single figure when the frame gives no range
        if bound not in a:
            a = a.assign(**{bound: np.nan})
    return a.assign(covers=_covers(a))[cols].reset_index(drop=True)


def forecast_rows(rows: pd.DataFrame, origin: str, draws: int, seed: int,
                  progress: Progress | None = None, chunk_size: int = CHUNK_SIZE,
                  anchors: pd.DataFrame | None = None, scenario: Scenario | None = None,
                  posterior: object = "auto", anchor_until: str | None = None) -> Forecast:
    """Forecast draws of every row (``iso3``, ``quantity``, ``month``; ``kind`` optional,
    default ``official``) made at ``origin``, the reported figures anchored on ``anchors``
    (statements published by the origin, :func:`ffcast.backtest.statements.known`; none:
    the unconditional reporting error). ``scenario`` (default the baseline) runs with its
    cut-off set to ``origin``; ``posterior`` as :func:`ffcast.runner.prepare_run` takes it
    (default the shipped posterior for ``origin``, else the priors). ``anchor_until``: the
    last month an anchor may describe (default ``origin``; an updated posterior's own
    origin, whose particles were fitted to statements up to it).

    Raises :class:`ObservationError` for a quantity the model does not forecast or a country
    without a traveller estimate published by the origin, and :class:`FFCastError`
    subclasses for bad ``draws``/``seed``.
    """
    unknown = sorted(set(rows["quantity"]) - set(_STOCK) - set(_FLOW))
    if unknown:
        raise ObservationError(f"observations: quantity {unknown[0]} cannot be forecast; "
                               f"fix: use one of {', '.join([*_STOCK, *_FLOW])}")
    # Every modelled country's statements anchor: its own condition its rows, all of them
    # estimate how much of the error persists, so a country's forecast does not depend on
    # which other countries were asked about (ADR 0032).
    anchor = anchor_statements(anchors, pd.DataFrame({"iso3": sorted(modelled(origin))}),
                               anchor_until or origin)
    covers, a_covers = _covers(rows), _covers(anchor)
    _check_covers(rows["quantity"].to_numpy(), covers)
    first = rows["month"].min().to_period("M")
    if len(anchor):
        first = min(first, anchor["month"].min().to_period("M"))
    last = max(rows["month"].max().to_period("M"), pd.Period(anchor_until or origin, "M") + 1)
    # Cumulative flows need every month since 2011-01; stocks only the rows' months.
    start = "2011-01" if rows["quantity"].isin(_FLOW).any() else str(first)
    countries = sorted(set(rows["iso3"]) | set(anchor["iso3"]))
    scen = (Scenario(name=f"backtest-{origin}", cutoff=origin) if scenario is None
            else scenario.replace(cutoff=origin))
    run = prepare_run(scen, draws=draws, seed=seed, start=start, end=str(last),
                      countries=countries, posterior=posterior, chunk_size=chunk_size)
    prep = run.prep
    column = {iso: i for i, iso in enumerate(prep.countries["iso3"])}
    record = pd.Period(start, "M")
    months = np.array([(m.to_period("M") - record).n for m in rows["month"]])
    cols = np.array([column[iso] for iso in rows["iso3"]])
    kinds = rows["kind"].to_numpy() if "kind" in rows else np.full(len(rows), "official")
    quantities = rows["quantity"].to_numpy()
    latent = np.zeros((len(rows), draws))
    published = np.zeros((len(rows), draws))
    errors = np.full((len(rows), draws), np.nan)  # reported rows: the draw's own error
    rep_values = np.zeros((draws, len(reporting.COMPONENTS)))
    a_months = np.array([(m.to_period("M") - record).n for m in anchor["month"]], dtype=int)
    a_cols = np.array([column[iso] for iso in anchor["iso3"]], dtype=int)
    a_latent = np.zeros((len(anchor), draws))
    a_quantities = anchor["quantity"].to_numpy()
    # Rows and anchors that count some groups only read the groups' record at their month.
    grouped = np.unique(np.r_[months[covers != ""], a_months[a_covers != ""]]).astype(int)
    record = None
    if grouped.size:
        record = Recording.every_month(prep)
        record = Recording(record.months, flows_from=record.flows_from,
                           groups=record.months[0] + grouped)

    def take(chunk: ChunkResult) -> None:
        ids = chunk.draws
        rep_values[ids] = chunk.reporting
        if len(anchor):
            a_stocks = chunk.stocks[:, a_months, a_cols, :]
            for q, c in sorted(set(zip(a_quantities, a_covers, strict=True))):
                at = (a_quantities == q) & (a_covers == c)
                a_latent[np.ix_(at, ids)] = (
                    scoped_counts(chunk, q, c, a_months[at], a_cols[at]) if c
                    else _STOCK[q].of(a_stocks[:, at])).T
        stocks = chunk.stocks[:, months, cols, :]  # (D, N, S)
        for q, c in sorted(set(zip(quantities, covers, strict=True))):
            at = (quantities == q) & (covers == c)
            if c:
                values = scoped_counts(chunk, q, c, months[at], cols[at])
            elif q in _STOCK:
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
                errors[np.ix_(sel, ids)] = R.reporting_error(seed, ids, prep.codes[cols[sel]],
                                                             q, kind).T

    run.chunks(take, progress, record=record)
    reported_rows = np.flatnonzero(np.isin(quantities, list(R.REPORTED)))
    targets = [(rows["iso3"].iloc[i], quantities[i]) for i in reported_rows]
    anchored, rho = R.anchored_errors(
        anchor["value"].to_numpy(float), a_latent, anchor["iso3"].to_numpy(),
        anchor["quantity"].to_numpy(), anchor["kind"].to_numpy(), rep_values, targets,
        errors[reported_rows], anchor["low"].to_numpy(float), anchor["high"].to_numpy(float))
    for j, i in enumerate(reported_rows):
        figure = R.reported(latent[i][:, None], rep_values, anchored[j][:, None], kinds[i],
                            quantities[i])
        published[i] = figure[:, 0]
    return Forecast(latent, published, run.parameters, rho, len(anchor))
