"""Reduce a run to the few small per-draw arrays the report draws (bounded memory).

Warning first: this is the only place the report touches full results. Each chunk of draws
(an engine chunk turned into a results Dataset by :func:`ffcast.results.to_dataset`, or a
draw slice of a results file opened lazily) is summed down at once and dropped, so a
10,000-draw report holds arrays of shape (D, T, 7), (D, T, 8), (D, C), ... but never one of
(D, T, C). The focus countries (whose returnee series are kept month by month) are fixed
*before* any draw is seen (default: most travellers, central best estimate), so the
report does not depend on how draws are chunked.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from ffcast import data, results
from ffcast.data import REGIONS, REMAINDER_CODES
from ffcast.defaults import DEFAULT_CHUNK
from ffcast.engine import Recording
from ffcast.engine import layout as L
from ffcast.errors import FFCastError
from ffcast.results import quantities as Q
from ffcast.results import reported, risk
from ffcast.results.contract import dataset_attrs
from ffcast.scenario import reporting

if TYPE_CHECKING:
    from ffcast.engine import ChunkResult, Prepared

PATHWAYS: tuple[str, ...] = tuple(q.name for q in Q.PATHWAYS)
FOCUS_SIZE = 8
NOT_A_COUNTRY: tuple[str, ...] = REMAINDER_CODES  # unattributed pools (R-..., ROW)
#: Reduction arrays only a simulated run fills (a results file lacks the draws' reporting
#: values): what :attr:`Reduction.focus_published` is computed from.
PUBLISHED_INPUTS: tuple[str, ...] = ("reporting", "focus_error", "anchor_latent")


@dataclass(frozen=True)
class RunMeta:
    """What a run is (scenario, seed, months, countries), independent of its draws."""

    scenario_name: str
    scenario: dict
    seed: int
    version: str
    months: pd.DatetimeIndex
    cutoff: pd.Timestamp
    countries: tuple[str, ...]
    country_names: tuple[str, ...]
    regions: tuple[str, ...]
    focus: tuple[str, ...]
    origin: str  # "simulated" or the results file's path
    parameters: str = "not recorded"  # "prior" or "posterior (cut-off YYYY-MM)"
    particles: int | None = None  # posterior particles (0: the priors; None: not recorded)
    shipped: bool | None = None  # the posterior ffcast ships for the cut-off (None: unknown)
    # The month an updated posterior's history reaches (``ffcast update``; forecasts start
    # after it); None when the run's posterior was not updated past its cut-off, or unknown.
    updated_to: str | None = None

    @property
    def years(self) -> np.ndarray:
        """Calendar years covered by the recorded months, in order."""
        return np.unique(self.months.year)

    @property
    def counted_from(self) -> pd.Timestamp:
        """The first month the forecast's totals count, as ``ffcast run`` and ``compare``
        count them: the month after the cut-off, or after the month an update brought the
        posterior to (``updated_to``)."""
        origin = pd.Period(self.updated_to, "M") if self.updated_to else pd.Period(
            self.cutoff, "M")
        return (origin + 1).start_time

    @property
    def counted_span(self) -> str:
        """The totals' months as a label: ``2017–2026``, or ``Nov 2017–2026`` when they
        start within a year (a cut-off before December, an updated posterior)."""
        first = self.counted_from
        start = f"{first:%Y}" if first.month == 1 else f"{first:%b %Y}"
        return f"{start}–{self.months[-1]:%Y}"

    @property
    def group_positions(self) -> np.ndarray:
        """Positions in ``months`` where the report keeps men, women and minors: each
        December and the last month (``Recording.every_month(groups="yearly")``)."""
        last = len(self.months) - 1
        dec = [i for i in range(last) if self.months[i].month == 12]
        return np.array([*dec, last], dtype=np.int64)

    @classmethod
    def from_dataset(cls, ds: xr.Dataset, focus: Sequence[str] | None, origin: str,
                     parameters: Mapping[str, str | int] | str | None = None) -> RunMeta:
        """Read the run's identity from a results Dataset (attrs and coords); ``parameters``
        (:func:`ffcast.calibrate.posterior.describe`, or its label alone) replace the attrs
        of that name."""
        if isinstance(parameters, str):
            parameters = {"parameters": parameters}
        attrs = {**ds.attrs, **(parameters or {})}
        particles, shipped = attrs.get("posterior_particles"), attrs.get("posterior_shipped")
        scen = json.loads(ds.attrs["scenario"])
        countries = tuple(str(c) for c in ds["country"].values)
        chosen = tuple(focus) if focus else default_focus(countries)
        unknown = [c for c in chosen if c not in countries]
        if unknown:
            raise FFCastError(f"focus: {', '.join(unknown)} not in this run's countries; "
                              f"use ISO3 codes such as {', '.join(countries[:3])}")
        return cls(
            scenario_name=str(ds.attrs.get("scenario_name", scen.get("name", "?"))),
            scenario=scen, seed=int(ds.attrs["seed"]),
            version=str(ds.attrs.get("ffcast_version", "?")),
            months=pd.DatetimeIndex(ds["month"].values),
            cutoff=pd.Period(scen["cutoff"], "M").start_time,
            countries=countries,
            country_names=tuple(str(n) for n in ds["country_name"].values),
            regions=tuple(str(r) for r in ds["region"].values),
            focus=chosen, origin=origin,
            parameters=str(attrs.get("parameters", "not recorded")),
            particles=None if particles is None else int(particles),
            shipped=None if shipped is None else bool(int(shipped)),
            updated_to=None if attrs.get("posterior_origin") is None
            else str(attrs["posterior_origin"]),
        )


def _meta_from_prep(prep: Prepared, seed: int, focus: Sequence[str] | None, origin: str,
                    parameters: Mapping[str, str | int] | str | None) -> RunMeta:
    """The RunMeta a results Dataset of this run would give (no Dataset built)."""
    ds_like = xr.Dataset(
        coords={"month": prep.recorded_months.to_numpy(),
                "country": prep.countries["iso3"].to_numpy(dtype=str),
                "country_name": ("country", prep.countries["name"].to_numpy(dtype=str)),
                "region": ("country", prep.countries["region"].to_numpy(dtype=str))},
        attrs=dataset_attrs(prep, seed))
    return RunMeta.from_dataset(ds_like, focus, origin, parameters)


def default_focus(countries: Sequence[str], size: int = FOCUS_SIZE) -> tuple[str, ...]:
    """The ``size`` countries with the most travellers (central best estimate), in order."""
    best = data.best_estimates()
    best = best[best["iso3"].isin(countries) & ~best["iso3"].isin(NOT_A_COUNTRY)]
    best = best.sort_values(["central", "iso3"], ascending=[False, True], kind="stable")
    return tuple(best["iso3"].head(size))


@dataclass
class Reduction:
    """Per-draw summaries of one run; every array leads with the draw axis (D).

    Units: persons (stocks at the end of a month or at the horizon, the last month),
    attacks and deaths per calendar year. ``pathways`` follows :data:`PATHWAYS`,
    ``region_pathways`` follows :data:`ffcast.data.REGIONS`, ``home_outcomes`` the
    home-pipeline stocks, ``theatres`` the engine's third theatres, ``targets`` the
    attack targets.
    """

    meta: RunMeta
    draws: np.ndarray  # (D,)
    pathways: np.ndarray  # (D, T, 7) persons
    travelled: np.ndarray  # (D, T) persons
    territory: np.ndarray  # (D, T) share of the January 2015 extent
    focus_returned: np.ndarray  # (D, T, K) cumulative returned, focus countries
    country_returned: np.ndarray  # (D, C) cumulative returned at the horizon
    country_relocated: np.ndarray  # (D, C) in third theatres at the horizon
    country_travelled: np.ndarray  # (D, C) travelled by the horizon
    theatres: np.ndarray  # (D, 7) in each third theatre at the horizon
    region_pathways: np.ndarray  # (D, R, 7) persons at the horizon
    home_outcomes: np.ndarray  # (D, H) returnees by home-pipeline stock at the horizon
    attacks: np.ndarray  # (D, Y, 3) attacks executed per year, by target
    attack_deaths: np.ndarray  # (D, Y, 3) deaths per year, by target
    risk: np.ndarray  # (D, Y, RISK_REGIONS, RISK_COUNTS) per year (ffcast.results.risk)
    # (D, RISK_REGIONS, RISK_COUNTS) summed over the months from meta.counted_from: the
    # totals after the cut-off (or an update's origin), as `ffcast run` counts them
    risk_after: np.ndarray
    # Men, women and minors at meta.group_positions, summed over origins: (D, YG, G, Q)
    # (GROUP_QUANTITIES; flows are the month's); and who is held in Iraq/Syria at the
    # horizon by origin region and group (D, R, G).
    group_years: np.ndarray
    group_held: np.ndarray
    # What :attr:`focus_published` is made of (filled by add_chunk given codes and seed):
    reporting: np.ndarray  # (D, len(reporting.COMPONENTS)) the draws' reporting values
    # (D, K) the draws' reporting errors of the focus countries' returnee counts: their own
    # until finish(), then anchored on the countries' statements by the cut-off
    focus_error: np.ndarray
    anchor_latent: np.ndarray  # (D, A) the model's counts at the anchoring statements
    anchors: pd.DataFrame = field(default_factory=lambda: _no_anchors())
    filled: int = field(default=0)
    published_inputs: bool = field(default=False)  # add_chunk filled the three arrays
    anchored: bool = field(default=False)  # finish() anchored focus_error

    @property
    def focus_published(self) -> np.ndarray:
        """(D, T, K) float: what an official authority would publish of each focus
        country's cumulative returnees, its reporting error anchored on the country's
        statements published by the cut-off, as the validated published-figure forecaster
        does (:func:`ffcast.backtest.forecast.forecast_rows`, the same arithmetic); all NaN
        where it was not computed (a report made from a results file). Computed on each
        access from (D, K) arrays, so a 10,000-draw report holds no second (D, T, K)."""
        if not self.anchored:
            return np.full(self.focus_returned.shape, np.nan, dtype=np.float32)
        return reported.reported(self.focus_returned, self.reporting, self.focus_error,
                                 "official", "cumulative_returned")
    # Headline numbers resting mostly on what the data did not decide (keys as
    # ffcast.runner.Headline.outcomes), with their strongest open components; ``assessed``
    # False for a report made from a results file (its draws' parameters are not at hand).
    prior_driven: dict = field(default_factory=dict)
    # Headline numbers the screen cannot attribute (neither the priors' reading nor the
    # record's at this many draws: ffcast.calibrate.reliance, ADR 0040), keyed the same way.
    undetermined: list = field(default_factory=list)
    assessed: bool = field(default=False)

    @classmethod
    def empty(cls, meta: RunMeta, n_draws: int, known: pd.DataFrame | None = None
              ) -> Reduction:
        """Pre-allocate the arrays for ``n_draws`` draws (nothing grows afterwards);
        ``known``: the statements the published-figure forecast may anchor on (default
        those published by the cut-off; :func:`anchoring_statements`)."""
        d, t, c, y = n_draws, len(meta.months), len(meta.countries), len(meta.years)
        anchors = anchoring_statements(meta, known)

        def z(*shape: int, dtype: type = np.int32) -> np.ndarray:
            return np.zeros((d, *shape), dtype=dtype)

        return cls(meta=meta, draws=np.full(d, -1, np.int64), pathways=z(t, len(PATHWAYS)),
                   travelled=z(t), territory=z(t, dtype=np.float32),
                   focus_returned=z(t, len(meta.focus)), country_returned=z(c),
                   country_relocated=z(c), country_travelled=z(c), theatres=z(len(Q.THEATRES)),
                   region_pathways=z(len(REGIONS), len(PATHWAYS)),
                   home_outcomes=z(len(Q.HOME_STOCKS)), attacks=z(y, len(Q.TARGETS)),
                   attack_deaths=z(y, len(Q.TARGETS)),
                   risk=z(y, len(Q.RISK_REGIONS), len(Q.RISK_COUNTS)),
                   risk_after=z(len(Q.RISK_REGIONS), len(Q.RISK_COUNTS), dtype=np.int64),
                   group_years=z(len(meta.group_positions), L.N_GROUPS,
                                 L.N_GROUP_QUANTITIES),
                   group_held=z(len(REGIONS), L.N_GROUPS),
                   reporting=z(len(reporting.COMPONENTS), dtype=np.float64),
                   focus_error=z(len(meta.focus), dtype=np.float64),
                   anchor_latent=z(len(anchors), dtype=np.float64), anchors=anchors)

    @property
    def arrays(self) -> dict[str, np.ndarray]:
        """Every per-draw array by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if isinstance(getattr(self, f.name), np.ndarray)}

    @property
    def nbytes(self) -> int:
        """Memory held by the per-draw arrays (bytes)."""
        return sum(a.nbytes for a in self.arrays.values())

    @property
    def n_draws(self) -> int:
        return len(self.draws)

    def risk_of(self, region: str, count: str) -> np.ndarray:
        """(D, Y) per-year ``count`` (one of :data:`ffcast.results.quantities.RISK_COUNTS`)
        in risk ``region`` (one of ``RISK_REGIONS``)."""
        return self.risk[:, :, Q.RISK_REGIONS.index(region), Q.RISK_COUNTS.index(count)]

    def headline_of(self, count: str) -> np.ndarray:
        """(D, Y) per-year ``count`` summed over the headline risk regions (the West, the
        region the record fits; :data:`ffcast.results.quantities.HEADLINE_RISK_REGIONS`)."""
        return Q.headline_of_regions(self.risk[..., Q.RISK_COUNTS.index(count)])

    def total_after(self, count: str, region: str | None = None) -> np.ndarray:
        """(D,) ``count`` summed over the months from ``meta.counted_from`` (the totals
        ``ffcast run`` and ``compare`` give), in the headline regions or in ``region``."""
        k = Q.RISK_COUNTS.index(count)
        if region is None:
            return Q.headline_of_regions(self.risk_after[..., k])
        return self.risk_after[:, Q.RISK_REGIONS.index(region), k]

    def add(self, ds: xr.Dataset) -> None:
        """Reduce one chunk of draws (a results Dataset, loaded) into the next rows."""
        n = ds.sizes["draw"]
        rows = slice(self.filled, self.filled + n)
        if rows.stop > self.n_draws:
            raise FFCastError(f"reduce: {rows.stop} draws given, {self.n_draws} expected")
        pt = results.pathway_totals(ds)
        self.draws[rows] = ds["draw"].values
        self.pathways[rows] = np.stack([pt[k].sum("country").values for k in PATHWAYS], -1)
        self.travelled[rows] = ds["cumulative_travelled"].sum("country").values
        self.territory[rows] = ds["territory"].values
        cum = ds["cumulative_returned"]
        self.focus_returned[rows] = cum.sel(country=list(self.meta.focus)).values
        self.country_returned[rows] = cum.isel(month=-1).values
        self.country_relocated[rows] = pt["relocated"].isel(month=-1).values
        self.country_travelled[rows] = ds["cumulative_travelled"].isel(month=-1).values
        self.theatres[rows] = ds["relocated"].isel(month=-1).sum("country").values
        members = _region_matrix(self.meta.regions)
        at_end = np.stack([pt[k].isel(month=-1).values for k in PATHWAYS], -1)  # (D, C, 7)
        self.region_pathways[rows] = np.einsum("dcp,cr->drp", at_end, members)
        self.home_outcomes[rows] = np.stack(
            [ds[h].isel(month=-1).sum("country").values for h in results.home_stocks(ds)], -1)
        self._add_attacks(ds, rows)
        groups = ds[results.contract.GROUP_VARIABLE].transpose("draw", "month", "country", "group",
                                                      "group_quantity")
        self._add_groups(groups.isel(month=self.meta.group_positions).values, rows)
        self.filled = rows.stop

    def _add_groups(self, groups: np.ndarray, rows: slice) -> None:
        """(D, YG, C, G, Q) group records at :attr:`RunMeta.group_positions`."""
        if groups.shape[1] != len(self.meta.group_positions):
            raise FFCastError("reduce: the chunk's groups are not recorded at each December "
                              "and the last month; fix: record with "
                              "Recording.every_month(prep, groups='yearly')")
        self.group_years[rows] = groups.sum(axis=2, dtype=np.int64)
        held = groups[:, -1, :, :, L.GQ_DETAINED].astype(np.int64)  # (D, C, G)
        self.group_held[rows] = np.einsum("dcg,cr->drg", held,
                                          _region_matrix(self.meta.regions))

    def _add_attacks(self, ds: xr.Dataset, rows: slice) -> None:
        months = self.meta.months
        attacks = ds["attacks"].sum("country").transpose("draw", "month", "target").values
        by_target = ds["attack_deaths"].sum("country").transpose("draw", "month",
                                                                 "target").values
        west = Q.western_origins(self.meta.regions)
        by_region = np.stack([Q.by_risk_region(
            ds[k].transpose("draw", "month", "country", "target").values, west,
            ds[Q.INMATE_RISK_COUNTS[k]].transpose("draw", "month", "country").values)
            for k in Q.RISK_COUNTS], axis=-1)  # (D, T, regions, counts)
        self.attacks[rows] = risk.yearly(attacks, months)
        self.attack_deaths[rows] = risk.yearly(by_target, months)
        self.risk[rows] = risk.yearly(by_region, months)
        self.risk_after[rows] = self._after(by_region)

    def _after(self, monthly: np.ndarray) -> np.ndarray:
        """(D, ...) ``monthly`` (D, T, ...) summed over the months from ``counted_from``."""
        return monthly[:, self.meta.months >= self.meta.counted_from].sum(1, dtype=np.int64)

    def add_chunk(self, chunk: ChunkResult, codes: np.ndarray | None = None,
                  seed: int | None = None) -> None:
        """Reduce one engine chunk (every month recorded) straight from its arrays.

        The same numbers as ``add(results.to_dataset(prep, chunk, seed))`` (a test checks
        it), ~7x faster: countries are summed first, in NumPy, with no xarray in between.
        With the run's country ``codes`` (``Prepared.codes``) and ``seed`` it also keeps what
        :attr:`focus_published` needs (every chunk must then give them).
        """
        stocks, flows = chunk.stocks, chunk.flows  # (D, T, C, S) and (D, T, C, F), int32
        rows = slice(self.filled, self.filled + stocks.shape[0])
        if rows.stop > self.n_draws:
            raise FFCastError(f"reduce: {rows.stop} draws given, {self.n_draws} expected")
        meta = self.meta
        world = np.einsum("dtcs->dts", stocks, dtype=np.int64)  # summed over countries
        world_flows = np.einsum("dtcf->dtf", flows, dtype=np.int64)
        self.draws[rows] = chunk.draws
        self.pathways[rows] = np.stack([q.of(world) for q in Q.PATHWAYS], -1)
        self.travelled[rows] = Q.TRAVELLED.of(world)
        self.territory[rows] = chunk.territory
        focus = [meta.countries.index(c) for c in meta.focus]
        self.focus_returned[rows] = Q.RETURNED.of(stocks[:, :, focus])
        end = stocks[:, -1].astype(np.int64)  # (D, C, S)
        at_end = np.stack([q.of(end) for q in Q.PATHWAYS], -1)  # (D, C, 7)
        self.country_returned[rows] = at_end[..., PATHWAYS.index("returned")]
        self.country_relocated[rows] = at_end[..., PATHWAYS.index("relocated")]
        self.country_travelled[rows] = Q.TRAVELLED.of(end)
        self.theatres[rows] = end[..., Q.stock_slots(["relocated"])].sum(1)
        self.region_pathways[rows] = np.einsum("dcp,cr->drp", at_end,
                                               _region_matrix(meta.regions))
        self.home_outcomes[rows] = end[..., Q.stock_slots(list(Q.HOME_STOCKS))].sum(1)
        self.attacks[rows] = risk.yearly(world_flows[..., Q.flow_slots("attacks")],
                                         meta.months)
        self.attack_deaths[rows] = risk.yearly(world_flows[..., Q.flow_slots("attack_deaths")],
                                               meta.months)
        by_region = Q.risk_counts(flows, Q.western_origins(meta.regions))
        self.risk[rows] = risk.yearly(by_region, meta.months)
        self.risk_after[rows] = self._after(by_region)
        wanted = chunk.months[meta.group_positions]
        found = np.searchsorted(chunk.group_months, wanted)
        if chunk.groups is None or (found.size and (
                found.max() >= len(chunk.group_months)
                or not np.array_equal(chunk.group_months[found], wanted))):
            raise FFCastError("reduce: the chunk has no groups at each December and the last "
                              "month; fix: record with Recording.every_month(prep, "
                              "groups='yearly')")
        self._add_groups(chunk.groups[:, found], rows)
        if codes is not None and seed is not None:
            self._add_published_inputs(chunk, rows, focus, np.asarray(codes), seed)
        self.filled = rows.stop

    def _add_published_inputs(self, chunk: ChunkResult, rows: slice, focus: list[int],
                              codes: np.ndarray, seed: int) -> None:
        """Keep the draws' reporting values, their own errors for the focus countries and
        the model's counts at the anchoring statements (see :attr:`focus_published`)."""
        self.published_inputs = True
        self.reporting[rows] = chunk.reporting
        self.focus_error[rows] = reported.reporting_error(
            seed, chunk.draws, codes[focus], "cumulative_returned", "official")
        a = self.anchors
        if a.empty:
            return
        months = self.meta.months.get_indexer(a["month"])
        cols = np.array([self.meta.countries.index(c) for c in a["iso3"]])
        at = chunk.stocks[:, months, cols, :]  # (D, A, S)
        from ffcast.backtest.forecast import scoped_counts

        covers = a["covers"].to_numpy()
        for name, c in set(zip(a["quantity"], covers, strict=True)):
            sel = (a["quantity"] == name).to_numpy() & (covers == c)
            self.anchor_latent[rows, sel] = (
                scoped_counts(chunk, name, c, months[sel], cols[sel]) if c
                else reported.REPORTED[name].of(at[:, sel]))

    def finish(self) -> Reduction:
        """Check every draw was reduced, anchor the focus countries' reporting errors (what
        :attr:`focus_published` needs); returns self."""
        if self.filled != self.n_draws:
            raise FFCastError(f"reduce: only {self.filled} of {self.n_draws} draws were given")
        if self.published_inputs and not self.anchored:
            a = self.anchors
            errors, _ = reported.anchored_errors(
                a["value"].to_numpy(float), self.anchor_latent.T, a["iso3"].to_numpy(),
                a["quantity"].to_numpy(), a["kind"].to_numpy(), self.reporting,
                [(c, "cumulative_returned") for c in self.meta.focus], self.focus_error.T,
                a["low"].to_numpy(float), a["high"].to_numpy(float))
            self.focus_error[:] = errors.T
            self.anchored = True
        return self


ANCHOR_COLUMNS = ["iso3", "quantity", "value", "low", "high", "month", "kind", "covers"]


def _no_anchors() -> pd.DataFrame:
    return pd.DataFrame(columns=ANCHOR_COLUMNS)


def anchoring_statements(meta: RunMeta, known: pd.DataFrame | None = None) -> pd.DataFrame:
    """The statements that anchor :attr:`Reduction.focus_published`: those the backtest's
    forecaster anchors on (:func:`ffcast.backtest.forecast.anchor_statements`) for every
    country of the run, describing a recorded month up to the forecast's origin: ``known``
    (default: published by the cut-off), which for a posterior fitted to a user's statements
    or updated past its cut-off holds them too
    (:func:`ffcast.backtest.published.known_statements`, as ``ffcast forecast --published``
    anchors; ADR 0038). A focus country's own condition its forecast; all of them estimate
    how much of the reporting error persists, as the backtest's forecaster does, so the
    focus countries chosen do not change one another's forecasts (ADR 0032)."""
    from ffcast.backtest import statements
    from ffcast.backtest.forecast import anchor_statements

    cutoff = f"{meta.cutoff:%Y-%m}"
    known = statements.known_by(cutoff) if known is None else known
    a = anchor_statements(known, pd.DataFrame({"iso3": list(meta.countries)}),
                          meta.updated_to or cutoff)
    return a[a["month"].isin(set(meta.months))].reset_index(drop=True)


def _region_matrix(regions: Sequence[str]) -> np.ndarray:
    """(C, R) one-hot membership of each country in :data:`ffcast.data.REGIONS`."""
    index = np.array([REGIONS.index(r) for r in regions])
    return (index[:, None] == np.arange(len(REGIONS))[None, :]).astype(np.int64)


class _Accumulator:
    """Feeds results Datasets of one run, chunk by chunk, into one Reduction."""

    def __init__(self, n_draws: int, focus: Sequence[str] | None, origin: str,
                 progress: Callable[[int], None] | None,
                 parameters: Mapping[str, str | int] | None,
                 known: pd.DataFrame | None = None) -> None:
        self.n_draws, self.focus, self.origin = n_draws, focus, origin
        self.progress, self.parameters, self.known = progress, parameters, known
        self.red: Reduction | None = None

    def add(self, ds: xr.Dataset) -> None:
        if self.red is None:
            meta = RunMeta.from_dataset(ds, self.focus, self.origin, self.parameters)
            self.red = Reduction.empty(meta, self.n_draws, self.known)
        self.red.add(ds)
        if self.progress is not None:
            self.progress(ds.sizes["draw"])

    def add_chunk(self, prep: Prepared, chunk: ChunkResult, seed: int) -> None:
        if self.red is None:
            meta = _meta_from_prep(prep, seed, self.focus, self.origin, self.parameters)
            self.red = Reduction.empty(meta, self.n_draws, self.known)
        self.red.add_chunk(chunk, prep.codes, seed)
        if self.progress is not None:
            self.progress(len(chunk.draws))

    def finish(self) -> Reduction:
        if self.red is None:
            raise FFCastError("reduce: no draws")
        return self.red.finish()


def reduce_chunks(chunks: Iterator[xr.Dataset], n_draws: int, focus: Sequence[str] | None,
                  origin: str, progress: Callable[[int], None] | None = None,
                  parameters: Mapping[str, str | int] | None = None) -> Reduction:
    """Reduce results Datasets of one run, one chunk of draws at a time."""
    acc = _Accumulator(n_draws, focus, origin, progress, parameters)
    for ds in chunks:
        acc.add(ds)
    return acc.finish()


def report_recording(prep: Prepared, seed: int, focus: Sequence[str] | None,
                     parameters: Mapping[str, str | int] | None = None,
                     known: pd.DataFrame | None = None) -> Recording:
    """Every month, the groups each December and the last month (the report's), and at the
    months of the anchoring statements that count some groups only (their model counts are
    the groups'); ``parameters`` and ``known`` as the run's reduction reads them."""
    rec = Recording.every_month(prep, groups="yearly")
    a = anchoring_statements(_meta_from_prep(prep, seed, focus, "simulated", parameters),
                             known)
    scoped = a[a["covers"] != ""]
    if scoped.empty:
        return rec
    extra = rec.months[0] + prep.recorded_months.get_indexer(scoped["month"])
    return Recording(rec.months, flows_from=rec.flows_from,
                     groups=np.union1d(rec.groups, extra).astype(np.int64))


def reduce_run(scenario: str | Path | None, draws: int, seed: int,
               start: str = "2011-01", end: str = "2026-12", chunk_size: int = DEFAULT_CHUNK,
               focus: Sequence[str] | None = None,
               progress: Callable[[int], None] | None = None,
               posterior: object | None = "auto") -> Reduction:
    """Simulate a scenario through the runner's loop and reduce it chunk by chunk.

    The run is prepared and validated by :func:`ffcast.runner.prepare_run`, so the report
    shows the same numbers as ``ffcast run`` with the same seed and draws, and rejects the
    same bad input (raises FFCastError subclasses).
    """
    from ffcast.runner import prepare_run

    job = prepare_run(scenario, draws=draws, seed=seed, start=start, end=end,
                      chunk_size=chunk_size, posterior=posterior)
    from ffcast.backtest.published import known_statements

    known = known_statements(job.prep.scenario.cutoff, job.posterior)
    acc = _Accumulator(job.options.draws, focus, "simulated", progress,
                       dict(job.parameter_attrs), known)
    record = report_recording(job.prep, seed, focus, dict(job.parameter_attrs), known)
    job.check_counted(record)  # totals after the cut-off need every month from it
    job.chunks(lambda chunk: acc.add_chunk(job.prep, chunk, seed), record=record)
    red = acc.finish()
    red.prior_driven, red.undetermined = assess(job, red)
    red.assessed = True
    return red


def assess(job: object, red: Reduction) -> tuple[dict[str, list[str]], list[str]]:
    """The headline numbers of ``red`` (a simulated run of ``job``) that rest mostly on
    parameters the data up to the cut-off did not narrow, with their strongest open
    components, and those the screen cannot attribute (:mod:`ffcast.calibrate.reliance`),
    keyed as :meth:`ffcast.runner.Headline.outcomes`."""
    order = np.argsort(red.draws, kind="stable")
    outcomes = {f"pathway:{k}": red.pathways[order, -1, i] for i, k in enumerate(PATHWAYS)}
    outcomes["travelled"] = red.travelled[order, -1]
    west, attacks = Q.RISK_REGIONS.index("west"), Q.RISK_COUNTS.index("attacks")
    for k, y in enumerate(red.meta.years):
        if y > red.meta.cutoff.year:
            outcomes[f"west_attacks:{y}"] = red.risk[order, k, west, attacks]
    found = job.reliance(red.draws[order], outcomes)  # type: ignore[attr-defined]
    return ({k: list(r.drivers) for k, r in found.items() if r.prior_driven},
            [k for k, r in found.items() if r.undetermined])


def open_results(path: str | Path) -> xr.Dataset:
    """Open an ffcast results file lazily (.nc, .zarr; .parquet/.csv are read whole).

    Raises FFCastError for a missing file, an unsupported extension, or a file that is not
    ffcast results (no ``conventions`` attr or a missing variable).
    """
    p = Path(path)
    try:
        ds = results.read(p, lazy=True)
    except FFCastError:
        raise
    except Exception as exc:  # h5py/zarr/arrow raise many types for foreign files
        raise FFCastError(f"{p}: cannot be read as ffcast results ({type(exc).__name__}); "
                          "fix: pass a file written by `ffcast run --out`") from exc
    missing = [v for v in results.VARIABLES if v not in ds.data_vars]
    if ds.attrs.get("conventions") != results.CONVENTIONS or missing or "scenario" not in ds.attrs:
        ds.close()
        why = f"missing {', '.join(missing[:3])}" if missing else "no ffcast conventions attr"
        raise FFCastError(f"{p}: not an ffcast results file ({why}); fix: pass a file "
                          "written by `ffcast run --out`")
    why = _identity_problem(ds)
    if why:
        ds.close()
        raise FFCastError(f"{p}: {why}; {FILE_FIX}")
    return ds


#: What to do with a results file that breaks the contract (edited, truncated, foreign).
FILE_FIX = "fix: pass a file written by `ffcast run --out`, unmodified"


def _identity_problem(ds: xr.Dataset) -> str | None:
    """Why ``ds`` cannot be a run's results by its attrs and coords (None: it can): no draw,
    month or country, months out of order, a negative seed, a country ffcast does not know,
    a scenario attribute that is not a valid scenario (review, 2026-12-07: a renamed
    country and an out-of-range lever were reported on; broken JSON and no country gave
    tracebacks)."""
    from ffcast.scenario.model import Scenario

    empty = [d for d in ("draw", "month", "country") if ds.sizes.get(d, 0) == 0]
    if empty:
        return f"no {empty[0]} in the file"
    months = pd.DatetimeIndex(ds["month"].values).to_period("M").asi8
    if (np.diff(months) != 1).any():
        return "its months are not consecutive and in order"
    try:
        if int(ds.attrs["seed"]) < 0:
            raise ValueError
    except (KeyError, ValueError, TypeError):
        return f"its seed attribute ({ds.attrs.get('seed')}) is not a non-negative integer"
    unknown = [str(c) for c in ds["country"].values if not data.is_known_iso3(str(c))]
    if unknown:
        return f"unknown country {unknown[0]!r}"
    try:
        Scenario.model_validate(json.loads(ds.attrs["scenario"]))
    except (ValueError, TypeError) as exc:  # JSONDecodeError, pydantic's ValidationError
        first = str(exc).splitlines()[0][:160]
        return f"its scenario attribute is not a valid ffcast scenario ({first})"
    return None


def _checked(chunk: xr.Dataset, path: Path) -> xr.Dataset:
    """``chunk`` after the results contract (:func:`ffcast.results.check_dataset`: dims,
    int32 counts, no negative count, people conserved, a territory share in [0, 1]), its
    failure one line naming the file: a file edited into negative returnees or wrapped
    int32 stocks was reported on (review, 2026-12-07)."""
    try:
        return results.check_dataset(chunk)
    except FFCastError as exc:
        raise FFCastError(f"{path}: {str(exc).removeprefix('results: ')}; {FILE_FIX}") from exc


def reduce_file(path: str | Path, chunk_size: int = DEFAULT_CHUNK,
                focus: Sequence[str] | None = None,
                progress: Callable[[int], None] | None = None) -> Reduction:
    """Reduce a results file draw slice by draw slice (bounded memory for .nc / .zarr)."""
    ds = open_results(path)
    with ds:
        n = ds.sizes["draw"]
        chunks = (_checked(ds.isel(draw=slice(i, i + chunk_size)).load(), Path(path))
                  for i in range(0, n, chunk_size))
        return reduce_chunks(chunks, n, focus, str(path), progress)


def quantiles(x: np.ndarray, q: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> np.ndarray:
    """Quantiles over the draw axis (axis 0) as float64, leading axis = ``q``."""
    return np.quantile(np.asarray(x, dtype=np.float64), q, axis=0)


@dataclass(frozen=True)
class Difference:
    """Paired difference B - A of one quantity over common draws (units in ``units``)."""

    quantity: str
    units: str
    median: float
    p5: float
    p25: float
    p75: float
    p95: float
    share_lower: float  # share of draws where B < A


def paired_differences(a: Reduction, b: Reduction) -> list[Difference]:
    """B - A per draw at the horizon (pathways) and after the cut-off (attacks, deaths).

    Raises FFCastError unless both runs have the same draws, seed and months (common
    random numbers need them) and the same cut-off (the totals after it must count the
    same months).
    """
    ma, mb = a.meta, b.meta
    if not (np.array_equal(a.draws, b.draws) and ma.seed == mb.seed
            and ma.months.equals(mb.months)):
        raise FFCastError("compare: the two runs must share seed, draws and months")
    if ma.cutoff != mb.cutoff:
        raise FFCastError(f"compare: the two runs' cut-offs differ ({ma.cutoff:%Y-%m} and "
                          f"{mb.cutoff:%Y-%m}), so their totals after the cut-off would count "
                          "different months; fix: give both scenarios the same cutoff")
    if ma.counted_from != mb.counted_from:
        raise FFCastError("compare: the two runs' posteriors reach different months, so "
                          "their totals would count different months; fix: run both under "
                          "one posterior")
    pairs: list[tuple[str, str, np.ndarray, np.ndarray]] = [
        (q.label, "persons", a.pathways[:, -1, i], b.pathways[:, -1, i])
        for i, q in enumerate(Q.PATHWAYS)
    ]
    pairs += [(f"At home: {Q.HOME_LABELS[h].lower()}", "persons", a.home_outcomes[:, k],
               b.home_outcomes[:, k]) for k, h in enumerate(Q.HOME_STOCKS)]
    # The headline is the West, the region the record fits; attacks at home by non-Western
    # origins are a prior-driven scenario (its own, labelled row); third theatres, another,
    # are left out here. Totals count from the month after the cut-off (or the updated
    # posterior's origin), as `ffcast compare` does.
    span = ma.counted_span
    pairs += [
        (f"Attacks in the West {span}", "attacks", a.total_after("attacks"),
         b.total_after("attacks")),
        (f"Deaths in attacks in the West {span}", "deaths", a.total_after("attack_deaths"),
         b.total_after("attack_deaths")),
        (f"Attacks at non-Western homes {span} (prior-driven)", "attacks",
         a.total_after("attacks", "home_elsewhere"),
         b.total_after("attacks", "home_elsewhere")),
        # Not foreign fighters: what prison policies add through the inmates they
        # radicalise, on priors alone (ADR 0036).
        (f"Attacks in the West by inmates radicalised in prison {span} (prior-driven)",
         "attacks", a.total_after("attacks", "inmates_west"),
         b.total_after("attacks", "inmates_west")),
    ]
    out = []
    for label, units, xa, xb in pairs:
        d = xb.astype(np.int64) - xa.astype(np.int64)
        p5, p25, med, p75, p95 = np.quantile(d, (0.05, 0.25, 0.5, 0.75, 0.95))
        out.append(Difference(label, units, float(med), float(p5), float(p25), float(p75),
                              float(p95), float((d < 0).mean())))
    return out
