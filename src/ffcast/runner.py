"""Run a scenario: the one loop over draw chunks, and the library's public calls.

Warning first: memory stays bounded because each chunk of draws is reduced (to the headline,
a writer's file, a report's summaries) before the next is simulated; nothing holds every
draw of every variable unless you ask :func:`simulate` for it, and then large ensembles come
back as a lazily computed (Dask-backed) Dataset. Every call checks its arguments at the door
(:mod:`ffcast.options`) and raises :class:`ffcast.errors.FFCastError` subclasses, before any
work or any file is touched. Same seed, same numbers: chunk size, workers and executor never
change a result.

    >>> import ffcast
    >>> ds = ffcast.simulate("baseline", draws=20, seed=1, end="2018-12")  # xarray.Dataset
    >>> ds["cumulative_returned"].sel(country="FRA").isel(month=-1).median()
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ffcast.calibrate import posterior as posteriors
from ffcast.data.countries import is_remainder
from ffcast.defaults import DEFAULT_CHUNK
from ffcast.engine import ChunkResult, Prepared, Recording, prepare
from ffcast.engine import layout as L
from ffcast.errors import OptionsError, echo
from ffcast.files import check_output, output_scope
from ffcast.options import RunOptions, run_options
from ffcast.results import quantities as Q
from ffcast.results import risk
from ffcast.results.stats import draw_summary
from ffcast.results.writers import SUPPORTED_EXTENSIONS
from ffcast.scenario import Scenario, load_scenario
from ffcast.scenario.priors import REGIONS

if TYPE_CHECKING:
    import xarray as xr

    from ffcast.calibrate.posterior import Posterior, PosteriorSpec
    from ffcast.calibrate.risk import YearRecord

ScenarioSpec = Scenario | str | Path | None
Progress = Callable[[int], None]
#: simulate() returns a lazily computed Dataset when the full arrays would exceed this.
EAGER_BYTES = 1 << 30
#: run() refuses to write every draw as CSV/Parquet above this estimate unless forced.
MAX_EXPORT_BYTES = 1 << 30


@dataclass(frozen=True)
class Run:
    """A run ready to go: the prepared scenario, its options and the parameters it uses."""

    prep: Prepared
    options: RunOptions
    posterior: Posterior | None

    @property
    def parameters(self) -> str:
        """``prior`` or ``posterior (cut-off YYYY-MM)``."""
        return posteriors.label(self.posterior)

    @property
    def parameter_attrs(self) -> dict[str, str | int]:
        """The results attrs that say which parameters the run used (posterior.describe)."""
        return posteriors.describe(self.posterior)

    def reliance(self, draws: np.ndarray, outcomes: dict[str, np.ndarray]) -> dict:
        """What each outcome (D,) of ``draws`` rests on: narrowed or open components
        (:func:`ffcast.calibrate.reliance.reliance`), with the draws' own uniforms (the
        posterior's where calibrated, else the priors') and the posterior's narrowing."""
        from ffcast.calibrate.reliance import reliance
        from ffcast.engine import Latent

        prep, seed, post = self.prep, self.options.seed, self.posterior
        lat = (post.latent(prep, seed, draws) if post is not None
               else Latent.from_streams(prep, seed, draws))
        return reliance(lat, prep, outcomes, None if post is None else post.names,
                        None if post is None else post.z)

    @property
    def draws(self) -> np.ndarray:
        return np.arange(self.options.draws)

    @property
    def origin_index(self) -> int:
        """The last month of the history: forecasts count from the month after it (the
        cut-off, or the month an updated posterior's particles reach)."""
        if self.posterior is None:
            return self.prep.cutoff_index
        return self.posterior.origin_index(self.prep)

    def summary_record(self) -> Recording:
        """What a headline needs recorded: the origin, each December after it and the end
        (:meth:`ffcast.engine.Recording.summary`); a run from stored particle states then
        simulates nothing before the origin."""
        return Recording.summary(self.prep, origin=self.origin_index)

    def history_note(self, record: Recording | None = None) -> str | None:
        """Why this run re-simulates the particles' history rather than starting from their
        stored states (None when it starts from them, or runs on the priors)."""
        post = self.posterior
        if post is None or post.noise is None:
            return None
        if record is None:  # the default: every month from the run's start
            record = Recording.every_month(self.prep)
        return post.history_reason(self.prep, record)

    def check_counted(self, record: Recording) -> None:
        """Refuse a recording whose first counted flows come after the month the forecast's
        totals count from (the month after the origin): every total and every year after
        the cut-off would silently leave those months out. Raises :class:`OptionsError`
        with the fix (``--start`` that month or earlier)."""
        origin, first = self.origin_index, record.first_flow_month
        if first > origin + 1:
            counted = self.prep.months[origin + 1]
            raise OptionsError(
                f"--start: {self.prep.months[first]:%Y-%m} is after {counted:%Y-%m}, the "
                f"month the forecast's totals count from, so they would leave out "
                f"{first - origin - 1} month(s); fix: --start {counted:%Y-%m} or earlier")

    def chunks(self, on_chunk: Callable[[ChunkResult], None],
               progress: Progress | None = None, record: Recording | None = None) -> None:
        """Simulate every draw, chunk by chunk in draw order, and hand each to ``on_chunk``.

        The only loop over draw chunks in ffcast: in process, or on Dask when the options
        say so (:mod:`ffcast.distributed`); the numbers are identical either way.
        ``record``: the months recorded (default every month from the run's start); with a
        posterior holding particle states, a record from the origin on simulates only the
        months after it. ``progress(0)`` is called once the work starts (every check
        passed, any cluster connected), then ``progress(n)`` after each chunk of ``n``
        draws.
        """
        from ffcast.distributed import run_chunks

        o = self.options
        def take(chunk: ChunkResult) -> None:
            on_chunk(chunk)
            if progress is not None:
                progress(len(chunk.draws))

        run_chunks(self.prep, o.seed, self.draws, o.chunk_size, self.posterior,
                   workers=o.workers, scheduler=o.scheduler, on_chunk=take,
                   on_start=None if progress is None else lambda: progress(0), record=record)


def prepare_run(scenario: ScenarioSpec = "baseline", options: RunOptions | None = None,
                **fields: Any) -> Run:
    """Validate everything about a run and fix what does not depend on the draws.

    ``options`` or keyword fields of :class:`ffcast.options.RunOptions`. Raises
    :class:`FFCastError` subclasses for any bad input (nothing has run yet).
    """
    opts = options if options is not None else run_options(**fields)
    scen = load_scenario(scenario)
    prep = prepare(scen, start=opts.start, end=opts.end, countries=opts.countries)
    opts.check_work(len(prep.countries), len(prep.months))
    post = posteriors.resolve(opts.posterior, prep.scenario.cutoff)
    if post is not None and post.origin_index(prep) >= len(prep.months) - 1:
        raise OptionsError(f"end: {opts.end} is not after the posterior's origin {post.origin} "
                           "(an update brought its particles there); fix: a later end")
    return Run(prep, opts, post)


@dataclass
class Headline:
    """Per-draw headline numbers of one run (arrays lead with the draw axis).

    ``pathways`` follow :data:`ffcast.results.quantities.PATHWAYS` (persons at the end
    month); attacks and their deaths are those executed after the cut-off, by target, and
    are linked to foreign fighters by construction (the model has no other attackers).
    ``risk`` counts them per calendar year after the cut-off (``risk_years``) and risk
    region (:data:`ffcast.results.quantities.RISK_REGIONS`); ``record`` is the cut-off
    year's attack record in the West, as known by the cut-off, for context.
    """

    scenario: str
    seed: int
    draws: np.ndarray
    end_month: pd.Timestamp
    forecast_from: pd.Timestamp
    countries: list[str]
    pathways: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (D,)
    returned_by_country: np.ndarray | None = None  # (D, C) cumulative returned at the end
    attacks: np.ndarray | None = None  # (D, 3 targets), executed after the cut-off
    attack_deaths: np.ndarray | None = None  # (D, 3)
    travelled: np.ndarray | None = None  # (D,)
    parameters: str = "prior"
    home_by_country: np.ndarray | None = None  # (D, C, HOME_STOCKS) at the end month
    # (D, C) after the cut-off, each origin's part of the headline (the West: attacks at home
    # by Western origins, on other Western countries by any origin); attacks at home by
    # non-Western origins and in third theatres are prior-driven scenarios
    # (Q.PRIOR_SCENARIO_REGIONS), in no total.
    attacks_by_country: np.ndarray | None = None
    deaths_by_country: np.ndarray | None = None  # (D, C), the same targets
    risk_years: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    risk_months: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    risk: np.ndarray | None = None  # (D, Y, RISK_REGIONS, RISK_COUNTS) per year after cut-off
    record: YearRecord | None = None
    origin: int = -1  # month index the forecast counts from the month after (-1: cut-off)
    # Why the run re-simulated the posterior particles' history (None: it started from
    # their stored states at the origin, or ran on the priors).
    history: str | None = None
    # Per headline number, what it rests on (ffcast.calibrate.reliance); set by assess().
    reliance: dict = field(default_factory=dict)
    # Men, women and minors (D, REGIONS, N_GROUPS, GROUP_QUANTITIES): person quantities at
    # the end, flows (arrivals, births, returns, repatriated, attacks) summed after the
    # origin; None when the recording kept no groups.
    groups: np.ndarray | None = None
    # The countries the run was asked for (None: every country); every total is theirs.
    subset: list[str] | None = None
    cutoff: str = ""  # the scenario's cut-off (the record is as known by it)

    @classmethod
    def start(cls, run: Run) -> Headline:
        """An empty headline for ``run`` (chunks are added with :meth:`extend`)."""
        from ffcast.calibrate.risk import record_years

        prep = run.prep
        cutoff = prep.months[prep.cutoff_index]
        origin = run.origin_index
        after = prep.months[origin + 1:]
        years, months = np.unique(after.year, return_counts=True)
        return cls(scenario=prep.scenario.name, seed=run.options.seed, draws=run.draws,
                   end_month=prep.months[-1], origin=origin,
                   forecast_from=prep.months[origin] + pd.offsets.MonthBegin(1),
                   countries=prep.countries["iso3"].tolist(), parameters=run.parameters,
                   risk_years=years.astype(np.int64), risk_months=months.astype(np.int64),
                   record=record_years(prep.months, f"{cutoff:%Y-%m}",
                                       first_year=cutoff.year)[-1],
                   subset=None if run.options.countries is None
                   else list(prep.countries["iso3"]), cutoff=f"{cutoff:%Y-%m}")

    def extend(self, prep: Prepared, stocks: np.ndarray, flows: np.ndarray,
               months: np.ndarray | None = None, flows_from: int | None = None,
               groups: np.ndarray | None = None,
               group_months: np.ndarray | None = None) -> None:
        """Add one chunk's reductions (stocks and flows as the engine records them).

        ``months`` and ``flows_from`` describe the chunk's recording (``ChunkResult.months``
        and ``.flows_from``; default: every month from ``prep.record_from``). The headline
        needs the last month and the flows after the cut-off per calendar year, so any
        recording with a record boundary at the cut-off and at every December after it
        works (every month, the default, does). ``groups`` (``ChunkResult.groups``, at
        ``group_months``) adds men, women and minors when the groups were recorded at every
        record after the origin. Raises OptionsError otherwise.
        """
        if months is None:
            months = np.arange(prep.record_from, prep.record_from + stocks.shape[1])
        months = np.asarray(months)
        origin = prep.cutoff_index if self.origin < 0 else self.origin
        first = np.r_[months[0] if flows_from is None else flows_from, months[:-1] + 1]
        straddles = (first <= origin) & (months > origin)
        if straddles.any():
            raise OptionsError("record: the headline counts attacks after the cut-off; record "
                               "the cut-off month too")
        after = first > origin
        year = prep.months[months].year.to_numpy()
        if (after & (prep.months[first].year.to_numpy() != year)).any():
            raise OptionsError("record: the headline counts attacks per calendar year; record "
                               "every December after the cut-off too")
        self._extend_risk(prep, flows[:, after], year[after])
        end = stocks[:, -1]  # (D, C, S)
        tot = end.sum(axis=1, dtype=np.int64)  # (D, S)
        for q in Q.PATHWAYS:
            self.pathways[q.name] = _cat(self.pathways.get(q.name), q.of(tot))
        late = flows[:, after]
        att_c = late[..., Q.flow_slots("attacks")].sum(axis=1, dtype=np.int64)  # (D, C, 3)
        dth_c = late[..., Q.flow_slots("attack_deaths")].sum(axis=1, dtype=np.int64)
        att, dth = att_c.sum(axis=1), dth_c.sum(axis=1)
        self.returned_by_country = _cat(self.returned_by_country, Q.RETURNED.of(end))
        home = np.asarray(end[..., Q.stock_slots(Q.HOME_STOCKS)], dtype=np.int64)
        self.home_by_country = _cat(self.home_by_country, home)
        west = Q.western_origins(prep.countries["region"])
        self.attacks_by_country = _cat(self.attacks_by_country,
                                       Q.headline_by_origin(att_c, west))
        self.deaths_by_country = _cat(self.deaths_by_country, Q.headline_by_origin(dth_c, west))
        self.attacks = _cat(self.attacks, att)
        self.attack_deaths = _cat(self.attack_deaths, dth)
        self.travelled = _cat(self.travelled, Q.TRAVELLED.of(tot))
        if groups is not None and group_months is not None:
            self._extend_groups(prep, groups, np.asarray(group_months), months[after])

    def _extend_groups(self, prep: Prepared, groups: np.ndarray, group_months: np.ndarray,
                       after: np.ndarray) -> None:
        """Add a chunk's groups: persons at the last month, flows summed after the origin
        (the group records must be every record after the origin, or their flows would
        miss months)."""
        if not after.size or not np.array_equal(
                group_months[group_months > self._origin(prep)], after):
            raise OptionsError("record.groups: the headline's groups need every record "
                               "after the origin (Recording.summary does)")
        late = groups[:, group_months > self._origin(prep)]
        per = late[:, -1].astype(np.int64)  # (D, C, G, Q) at the end
        flow_q = slice(L.GQ_ARRIVALS, L.N_GROUP_QUANTITIES)
        per[..., flow_q] = late[..., flow_q].sum(axis=1, dtype=np.int64)
        regions = np.zeros((len(prep.countries), len(REGIONS)), dtype=np.int64)
        regions[np.arange(len(prep.countries)), prep.region_index] = 1
        by_region = np.einsum("dcgq,cr->drgq", per, regions)
        self.groups = _cat(self.groups, by_region)

    def _origin(self, prep: Prepared) -> int:
        return prep.cutoff_index if self.origin < 0 else self.origin

    def _extend_risk(self, prep: Prepared, flows: np.ndarray, year: np.ndarray) -> None:
        """Add a chunk's per-year risk counts (``flows`` after the cut-off, ``year`` of each
        record); years the chunk does not record stay 0 (a recording starting later)."""
        counts = Q.risk_counts(flows, Q.western_origins(prep.countries["region"]))
        per_year = np.zeros((len(flows), len(self.risk_years), *counts.shape[2:]), np.int64)
        for k, y in enumerate(self.risk_years):
            per_year[:, k] = counts[:, year == y].sum(axis=1)
        self.risk = _cat(self.risk, per_year)

    def outcomes(self) -> dict[str, np.ndarray]:
        """The headline numbers per draw (D,) by key: ``pathway:<name>``, ``travelled``,
        ``attacks:<target>``, ``deaths:<target>``, ``attacks_region:<risk region>``,
        ``deaths_region:<risk region>``, ``west_attacks:<year>``."""
        assert self.attacks is not None and self.attack_deaths is not None
        out = {f"pathway:{k}": v for k, v in self.pathways.items()}
        if self.travelled is not None:
            out["travelled"] = self.travelled
        for g, t in enumerate(Q.TARGETS):
            out[f"attacks:{t}"] = self.attacks[:, g]
            out[f"deaths:{t}"] = self.attack_deaths[:, g]
        if self.risk is not None:
            att, dth = self.region_totals("attacks"), self.region_totals("attack_deaths")
            for r, region in enumerate(Q.RISK_REGIONS):
                out[f"attacks_region:{region}"] = att[:, r]
                out[f"deaths_region:{region}"] = dth[:, r]
            west, attacks = Q.RISK_REGIONS.index("west"), Q.RISK_COUNTS.index("attacks")
            for k, y in enumerate(self.risk_years):
                out[f"west_attacks:{y}"] = self.risk[:, k, west, attacks]
        return out

    def region_totals(self, count: str = "attacks") -> np.ndarray:
        """(D, RISK_REGIONS) ``count`` (one of :data:`ffcast.results.quantities.RISK_COUNTS`)
        summed over the years after the cut-off, per risk region (the same months as
        :attr:`attacks`)."""
        assert self.risk is not None
        return self.risk[..., Q.RISK_COUNTS.index(count)].sum(axis=1)

    def headline_attacks(self, count: str = "attacks") -> np.ndarray:
        """(D,) the headline total of ``count`` after the cut-off: the West, the region the
        record fits (attacks at home by non-Western origins and in third theatres are
        prior-driven scenarios, in no total)."""
        return Q.headline_of_regions(self.region_totals(count))

    def assess(self, job: Run) -> None:
        """Mark the headline numbers that rest mostly on parameters the data up to the
        cut-off did not narrow (:mod:`ffcast.calibrate.reliance`)."""
        self.reliance = job.reliance(self.draws, self.outcomes())

    def prior_driven(self) -> dict[str, list[str]]:
        """The headline numbers that rest mostly on what the data did not decide, each with
        its strongest open components (empty before :meth:`assess`)."""
        return {k: list(r.drivers) for k, r in self.reliance.items() if r.prior_driven}

    def undetermined(self) -> list[str]:
        """The headline numbers the screen cannot attribute: the components it chose explain
        under :data:`ffcast.calibrate.reliance.MIN_OPEN_SHARE` of them at this many draws
        (neither the priors' reading nor the record's; empty before :meth:`assess`)."""
        return [k for k, r in self.reliance.items() if r.undetermined]

    def group_totals(self) -> np.ndarray:
        """(D, N_GROUPS, GROUP_QUANTITIES) summed over origins (needs recorded groups)."""
        assert self.groups is not None
        return self.groups.sum(axis=1)

    def groups_dict(self) -> dict:
        """JSON-ready men, women and minors: each quantity per group (median, 5-95%, mean),
        and who is held in Iraq/Syria at the end by origin region (men in prisons, women
        and minors in camps)."""
        assert self.groups is not None
        tot = self.group_totals()
        held = self.groups[..., L.GQ_DETAINED]  # (D, R, G)
        return {
            "quantities": {q: ("persons at " + self.end_month.strftime("%Y-%m")
                               if k < L.GQ_ARRIVALS else
                               "from " + self.forecast_from.strftime("%Y-%m"))
                           for k, q in enumerate(L.GROUP_QUANTITIES)},
            "by_group": {g: {q: summary(tot[:, i, k]) for k, q in enumerate(L.GROUP_QUANTITIES)}
                         for i, g in enumerate(L.GROUPS)},
            "held_in_theatre": {
                r: {"men (prisons)": summary(held[:, j, L.MEN]),
                    "women (camps)": summary(held[:, j, L.WOMEN]),
                    "minors (camps)": summary(held[:, j, L.MINORS])}
                for j, r in enumerate(REGIONS) if held[:, j].sum() > 0},
        }

    def risk_dict(self) -> dict:
        """JSON-ready risk by year after the cut-off and region (see :meth:`to_dict`)."""
        assert self.risk is not None
        rec = self.record
        return {
            "linked_to": Q.LINKED_TO_FOREIGN_FIGHTERS,
            "regions": {r: f"{Q.RISK_REGION_LABELS[r]}: {Q.RISK_REGION_DESCRIPTIONS[r]}"
                        for r in Q.RISK_REGIONS},
            "mass_casualty_deaths": Q.MASS_CASUALTY_DEATHS,
            "record": None if rec is None else {
                "year": rec.year, "region": "west", "known_by": self.cutoff,
                "attacks": rec.attacks, "deaths": rec.deaths,
                "mass_casualty_attacks": rec.mass, "events": list(rec.events),
                "sources": rec.sources,
                # The record is the whole West's; a run of a few countries forecasts theirs.
                **({} if self.subset is None else {
                    "note": "the whole West's record, not only the run's countries"})},
            "years": {str(y): {"months": int(m), **risk.year_summary(self.risk[:, k])}
                      for k, (y, m) in enumerate(zip(self.risk_years, self.risk_months,
                                                     strict=True))},
        }

    def to_dict(self, top: int = 10) -> dict:
        """JSON-ready summary: median, 5-95% interval and mean of every headline number."""
        assert self.returned_by_country is not None and self.attacks is not None
        assert self.attack_deaths is not None and self.travelled is not None
        med = np.median(self.returned_by_country, axis=0)
        # Countries only: a remainder row (R-WEU, ROW, ...) pools the travellers no country's
        # statement names, so it is not a country of origin to rank.
        own = ~np.array([is_remainder(c) for c in self.countries], dtype=bool)
        order = [i for i in np.argsort(-med, kind="stable") if own[i]][:top]
        by_region = {"attacks": self.region_totals("attacks"),
                     "attack_deaths": self.region_totals("attack_deaths")}
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "draws": len(self.draws),
            "parameters": self.parameters,
            "end_month": self.end_month.strftime("%Y-%m"),
            "attacks_counted_from": self.forecast_from.strftime("%Y-%m"),
            # Every total below is these countries' (None: every country ffcast follows).
            "countries": self.subset,
            "travelled": summary(self.travelled),
            "pathways": {k: summary(v) for k, v in self.pathways.items()},
            "returned_by_country": {self.countries[i]: summary(self.returned_by_country[:, i])
                                    for i in order},
            "attacks": {t: summary(self.attacks[:, g]) for g, t in enumerate(Q.TARGETS)},
            "attack_deaths": {t: summary(self.attack_deaths[:, g])
                              for g, t in enumerate(Q.TARGETS)},
            # By risk region: the West is the headline (fitted to the record); attacks at
            # home by non-Western origins and in third theatres are prior-driven scenarios.
            **{f"{key}_by_region": {r: summary(v) for r, v in
                                    zip(Q.RISK_REGIONS, by_region[key].T, strict=True)}
               for key in by_region},
            **{f"{key}_total": summary(Q.headline_of_regions(v))
               for key, v in by_region.items()},
            "risk": self.risk_dict(),
            **({} if self.groups is None else {"groups": self.groups_dict()}),
            "prior_driven": self.prior_driven(),
            "undetermined": self.undetermined(),
            "history": self.history_text(),
        }

    def history_text(self) -> str:
        """Where the draws' history came from: the priors, the posterior's particle states,
        or a re-simulation from 2011 and why."""
        if self.parameters == "prior":
            return "simulated from 2011 (the priors: no posterior particles)"
        if self.history is None:
            return "from the posterior's particle states"
        return f"re-simulated from 2011: {self.history}"


#: Median, 5th and 95th percentile and mean of draws ``x`` (floats).
summary = draw_summary


def _cat(a: np.ndarray | None, b: np.ndarray) -> np.ndarray:
    return b if a is None else np.concatenate([a, b])


@output_scope()
def run(
    scenario: ScenarioSpec = "baseline",
    draws: int = 1000,
    seed: int = 0,
    start: str = "2011-01",
    end: str = "2026-12",
    out: str | Path | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    countries: list[str] | None = None,
    progress: Progress | None = None,
    posterior: PosteriorSpec = "auto",
    workers: int | None = None,
    scheduler: str | None = None,
    all_draws: bool = False,
    force: bool = False,
) -> Headline:
    """Simulate ``draws`` draws of a scenario; optionally stream the results to ``out``.

    ``out`` ending in ``.nc`` or ``.zarr`` gets every draw; ``.csv`` or ``.parquet`` gets the
    summary (mean, p5, p50, p95 per variable, month and country) unless ``all_draws``; every
    draw as CSV/Parquet is refused when the estimate passes :data:`MAX_EXPORT_BYTES` unless
    ``force``. ``posterior``: ``"auto"`` uses the shipped posterior for the scenario's
    cut-off when there is one (else the priors), ``"prior"``/``None`` the priors, or a path
    / Posterior. ``workers=N`` runs the chunks on a local Dask cluster of N processes,
    ``scheduler`` on an existing one at ``tcp://HOST:PORT``; the numbers are identical either
    way. ``progress`` is called with the number of draws finished after each chunk. Raises
    :class:`ffcast.errors.FFCastError` subclasses for bad input, before anything is written;
    a failure during the run leaves nothing behind either (not even a folder it created for
    ``out``).
    """
    for name, flag in (("all_draws", all_draws), ("force", force)):
        if not isinstance(flag, bool):
            raise OptionsError(f"{name}: {echo(flag)} is not True or False")
    job = prepare_run(scenario, draws=draws, seed=seed, start=start, end=end,
                      chunk_size=chunk_size, countries=countries, posterior=posterior,
                      workers=workers, scheduler=scheduler)
    # A headline alone needs a few months recorded (and then nothing before the origin is
    # simulated when the posterior holds particle states); a file, every month from --start,
    # and the totals need them all from the month after the origin.
    record = (Recording.every_month(job.prep, groups="all") if out is not None
              else job.summary_record())
    job.check_counted(record)
    # Every argument passed: only now may a missing output folder be created.
    target = None if out is None else check_output(out, "out", SUPPORTED_EXTENSIONS,
                                                    folder_ok=str(out).endswith(".zarr"))
    if target is not None:
        check_export(job, target, all_draws, force)
    head = Headline.start(job)
    with contextlib.ExitStack() as stack:
        writer = None
        if target is not None:
            from ffcast import results

            writer = stack.enter_context(results.ResultsWriter(
                target, job.prep, job.options.seed, all_draws=all_draws))

        def take(chunk: ChunkResult) -> None:
            head.extend(job.prep, chunk.stocks, chunk.flows, chunk.months, chunk.flows_from,
                        chunk.groups, chunk.group_months)
            if writer is not None:
                from ffcast import results

                ds = results.to_dataset(job.prep, chunk, job.options.seed)
                ds.attrs.update(job.parameter_attrs)  # a report of the file can say them
                writer.append(ds)

        head.history = job.history_note(record)
        job.chunks(take, progress, record)
    head.assess(job)
    return head


#: The smallest share of its estimate (:func:`ffcast.results.export_size`) a results file
#: has been measured at (a compressed .nc of 20 draws: 4.9 MB against 14.6 MB estimated):
#: a write needing more than this share of the estimate in free space cannot fit.
LEAST_SHARE_OF_ESTIMATE = 0.25


def check_export(job: Run, target: Path, all_draws: bool, force: bool) -> None:
    """Refuse a file the disk cannot hold (any format: a full disk gave a traceback, and a
    segfault inside HDF5 for .nc; review, 2026-12-07), and every draw as CSV/Parquet when it
    would pass :data:`MAX_EXPORT_BYTES` (the estimate and the alternatives in the message),
    unless ``force``."""
    import shutil

    from ffcast import results

    _, size = results.export_size(job.prep, job.options.draws, target, all_draws=all_draws)
    try:
        free = shutil.disk_usage(target.parent).free
    except OSError:  # a folder that does not exist yet is refused by the writer
        free = None
    if free is not None and size * LEAST_SHARE_OF_ESTIMATE > free:
        least = _human(size * LEAST_SHARE_OF_ESTIMATE)
        raise OptionsError(f"out: {target} needs at least ~{least} (~{_human(size)} "
                           "estimated), and its "
                           f"disk has {_human(free)} free; fix: fewer --draws, a later "
                           "--start, fewer --countries, or another disk")
    if not all_draws or force or target.suffix.lower() not in results.SUMMARY_EXTENSIONS:
        return
    rows, size = results.export_size(job.prep, job.options.draws, target, all_draws=True)
    if size <= MAX_EXPORT_BYTES:
        return
    _, summary_size = results.export_size(job.prep, job.options.draws, target, all_draws=False)
    raise OptionsError(f"out: every draw as {target.suffix.lower()[1:].upper()} would be "
                       f"~{_human(size)} ({rows / 1e6:,.1f} million rows); fix: drop "
                       f"--all-draws for the summary (~{_human(summary_size)}), write .nc, "
                       "or add --force (force=True)")


def _human(size: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1000
    return f"{size:,.1f} TB"  # pragma: no cover


def simulate(
    scenario: ScenarioSpec = "baseline",
    draws: int = 100,
    seed: int = 0,
    start: str = "2011-01",
    end: str = "2026-12",
    countries: list[str] | None = None,
    posterior: PosteriorSpec = "auto",
    chunk_size: int = DEFAULT_CHUNK,
    lazy: bool | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> xr.Dataset:
    """The labelled ensemble of a scenario: an xarray Dataset of the results contract.

    Dims ``draw``, ``month``, ``country`` (+ ``theatre``, ``target``); int32 counts of
    persons, plots, attacks and deaths with ``units`` and ``description`` attrs (see
    :mod:`ffcast.results`). ``lazy=None`` returns a Dask-backed Dataset when the arrays
    would exceed 1 GiB (computed chunk by chunk when you reduce or write it), ``True``/
    ``False`` force it (the lazy path computes in this process, or wherever the caller's
    Dask scheduler sends it). ``workers``/``scheduler`` spread an eager run over Dask, with
    identical numbers. Raises :class:`FFCastError` subclasses for bad arguments.
    """
    if lazy not in (None, True, False):
        raise OptionsError(f"lazy: {echo(lazy)} is not True, False or None")
    job = prepare_run(scenario, draws=draws, seed=seed, start=start, end=end,
                      chunk_size=chunk_size, countries=countries, posterior=posterior,
                      workers=workers, scheduler=scheduler)
    from ffcast import results

    if lazy or (lazy is None and results.full_bytes(job.prep, draws) > EAGER_BYTES):
        return _lazy_dataset(job)
    parts: list[xr.Dataset] = []
    job.chunks(lambda chunk: parts.append(results.to_dataset(job.prep, chunk, seed)),
               record=Recording.every_month(job.prep, groups="all"))
    out = results.concat(parts, job.parameters)
    out.attrs.update(job.parameter_attrs)
    return out


def _lazy_dataset(job: Run) -> xr.Dataset:
    """The results Dataset of ``job`` as Dask arrays: one task per chunk of draws, computed
    only when the values are needed (every variable of a chunk comes from one simulation)."""
    import dask
    import dask.array as da
    import xarray as xr

    from ffcast import results
    from ffcast.distributed import chunk_ids, simulate_chunk

    prep, seed = job.prep, job.options.seed

    def chunk_dataset(ids: np.ndarray) -> xr.Dataset:
        record = Recording.every_month(prep, groups="all")
        return results.to_dataset(prep, simulate_chunk(prep, seed, ids, job.posterior, record),
                                  seed)

    template = chunk_dataset(np.arange(1))  # one draw: names, dims, dtypes, attrs, coords
    ids_list = chunk_ids(job.options.draws, job.options.chunk_size)
    delayed = [dask.delayed(chunk_dataset)(ids) for ids in ids_list]
    data_vars = {}
    for name, var in template.data_vars.items():
        pieces = [da.from_delayed(dask.delayed(lambda ds, n=name: ds[n].values)(d),
                                  shape=(len(ids), *var.shape[1:]), dtype=var.dtype)
                  for d, ids in zip(delayed, ids_list, strict=True)]
        data_vars[name] = (var.dims, da.concatenate(pieces, axis=0), var.attrs)
    coords = {k: v for k, v in template.coords.items() if "draw" not in v.dims}
    coords["draw"] = ("draw", job.draws, template["draw"].attrs)
    out = xr.Dataset(data_vars, coords=coords, attrs=template.attrs)
    out.attrs.update(job.parameter_attrs)
    return out


def forecast(
    cutoff: str = "2016-12",
    until: str = "2019-12",
    scenario: ScenarioSpec = "baseline",
    draws: int = 1000,
    seed: int = 0,
    posterior: PosteriorSpec = "auto",
    countries: list[str] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    lazy: bool | None = None,
) -> xr.Dataset:
    """Run the posterior fitted at ``cutoff`` forward to ``until`` under a scenario.

    The scenario's own cut-off is replaced by ``cutoff``; ``posterior="auto"`` needs a
    shipped posterior for that cut-off (else an error says how to make one). Returns the
    results Dataset from 2011-01 (history and forecast, split at the cut-off).
    """
    from ffcast.scenario.fields import check_cutoff

    try:
        cutoff = check_cutoff(cutoff)
    except ValueError as exc:
        raise OptionsError(f"cutoff: {exc}") from None
    scen = load_scenario(scenario).replace(cutoff=cutoff)
    if posterior == "auto" and posteriors.shipped(cutoff) is None:
        raise OptionsError(f"cutoff: no shipped posterior for {cutoff} (shipped: "
                           f"{', '.join(posteriors.SHIPPED_CUTOFFS)}); fix: run `ffcast "
                           f"calibrate --cutoff {cutoff} --out post.nc` and pass "
                           "posterior='post.nc'")
    return simulate(scen, draws=draws, seed=seed, end=until, countries=countries,
                    posterior=posterior, chunk_size=chunk_size, lazy=lazy)


def compare(
    a: ScenarioSpec,
    b: ScenarioSpec,
    draws: int = 1000,
    seed: int = 0,
    start: str = "2011-01",
    end: str = "2026-12",
    chunk_size: int = DEFAULT_CHUNK,
    countries: list[str] | None = None,
    progress: Progress | None = None,
    posterior: PosteriorSpec = "auto",
    workers: int | None = None,
    scheduler: str | None = None,
) -> dict:
    """Paired differences B - A under common random numbers (same seed, same draws).

    Takes :func:`run`'s arguments, which mean the same here and apply to both scenarios
    (``start``, ``countries`` to simulate, ``posterior``, ``workers``, ``scheduler``...),
    except those that write results (``out``, ``all_draws``, ``force``): a comparison
    returns differences, not an ensemble. Both scenarios are validated before either runs.
    Returns a JSON-ready dict: per pathway, per home-pipeline stock (e.g. ``incarcerated``),
    per attack target and in total, the median, 5-95% interval, mean and the share of draws
    in which B is lower than A; and, under the key ``countries``, the same per country for
    the simulated countries either scenario's policy names (its ``name``, home stocks,
    attacks and deaths in attacks). Attacks and deaths are also given per risk region
    (``attacks_by_region``); their totals (``attacks_total``, and per country) count the
    West only, the region the record fits: attacks at home by fighters from non-Western
    origins and in third theatres are prior-driven scenarios, shown on their own rows.
    ``progress`` is called with 0 as each scenario starts, then with each chunk's draws.
    """
    jobs = [prepare_run(s, draws=draws, seed=seed, start=start, end=end,
                        chunk_size=chunk_size, countries=countries, posterior=posterior,
                        workers=workers, scheduler=scheduler) for s in (a, b)]
    origins = [job.prep.months[job.origin_index] for job in jobs]
    if origins[0] != origins[1]:
        names = [job.prep.scenario.name for job in jobs]
        raise OptionsError(
            f"compare: {names[0]} forecasts from {origins[0]:%Y-%m} and {names[1]} from "
            f"{origins[1]:%Y-%m} (their cut-offs differ), so their totals after the cut-off "
            "would sum different months and their draws come from different posteriors; "
            "fix: give both scenarios the same cutoff")
    heads = []
    for job in jobs:
        head = Headline.start(job)
        head.history = job.history_note(job.summary_record())
        job.chunks(lambda chunk, head=head, job=job: head.extend(
            job.prep, chunk.stocks, chunk.flows, chunk.months, chunk.flows_from,
            chunk.groups, chunk.group_months), progress, job.summary_record())
        heads.append(head)
    ha, hb = heads
    assert ha.attacks is not None and hb.attacks is not None
    assert ha.attack_deaths is not None and hb.attack_deaths is not None
    assert ha.home_by_country is not None and hb.home_by_country is not None
    home_a, home_b = ha.home_by_country.sum(axis=1), hb.home_by_country.sum(axis=1)
    shown, not_shown = _country_diffs(jobs, ha, hb)
    reg_a = {c: ha.region_totals(c) for c in ("attacks", "attack_deaths")}
    reg_b = {c: hb.region_totals(c) for c in ("attacks", "attack_deaths")}
    att_a, att_b = (Q.headline_of_regions(r["attacks"]) for r in (reg_a, reg_b))
    dth_a, dth_b = (Q.headline_of_regions(r["attack_deaths"]) for r in (reg_a, reg_b))
    group_diffs: dict[str, np.ndarray] = {}
    groups: dict = {}
    if ha.groups is not None and hb.groups is not None:
        ga, gb = ha.group_totals(), hb.group_totals()
        groups = {g: {q: _diff(ga[:, i, k], gb[:, i, k])
                      for k, q in enumerate(L.GROUP_QUANTITIES)}
                  for i, g in enumerate(L.GROUPS)}
        for i, g in enumerate(L.GROUPS):
            for q in ("attacks_west", "attacks_home_elsewhere", "returned",
                      "detained_in_theatre"):
                k = L.GROUP_QUANTITIES.index(q)
                group_diffs[f"{q}:{g}"] = gb[:, i, k] - ga[:, i, k]
    drivers = _drivers(jobs[1], hb, {
        **group_diffs,
        "attacks_total": att_b.astype(np.int64) - att_a,
        **{f"attacks:{t}": hb.attacks[:, g].astype(np.int64) - ha.attacks[:, g]
           for g, t in enumerate(Q.TARGETS)},
        **{f"attacks_region:{r}": reg_b["attacks"][:, k] - reg_a["attacks"][:, k]
           for k, r in enumerate(Q.RISK_REGIONS)},
        "attack_deaths_total": dth_b.astype(np.int64) - dth_a})
    return {
        "drivers": drivers,
        "a": ha.scenario, "b": hb.scenario, "seed": seed, "draws": draws,
        "end_month": ha.end_month.strftime("%Y-%m"),
        "attacks_counted_from": ha.forecast_from.strftime("%Y-%m"),
        "pathways": {k: _diff(ha.pathways[k], hb.pathways[k]) for k in ha.pathways},
        "home": {k: _diff(home_a[:, i], home_b[:, i]) for i, k in enumerate(Q.HOME_STOCKS)},
        "attacks": {t: _diff(ha.attacks[:, g], hb.attacks[:, g])
                    for g, t in enumerate(Q.TARGETS)},
        "attack_deaths": {t: _diff(ha.attack_deaths[:, g], hb.attack_deaths[:, g])
                          for g, t in enumerate(Q.TARGETS)},
        # By risk region, and the totals over the headline region (the West, the region the
        # record fits): attacks at home by non-Western origins and in third theatres are
        # prior-driven scenarios, in no total.
        "attacks_by_region": {r: _diff(reg_a["attacks"][:, k], reg_b["attacks"][:, k])
                              for k, r in enumerate(Q.RISK_REGIONS)},
        "attack_deaths_by_region": {r: _diff(reg_a["attack_deaths"][:, k],
                                             reg_b["attack_deaths"][:, k])
                                    for k, r in enumerate(Q.RISK_REGIONS)},
        "attacks_total": _diff(att_a, att_b),
        "attack_deaths_total": _diff(dth_a, dth_b),
        # Per scenario (A, B): where its history came from (as `run` says it).
        "history": {"A": ha.history_text(), "B": hb.history_text()},
        "countries": shown,
        # Countries the policies name beyond the first MAX_COMPARED_COUNTRIES: not shown.
        "countries_not_shown": not_shown,
        # Men, women and minors: each group's quantities (persons at the end; flows after
        # the origin; attacks in the West apart from those at non-Western homes).
        "groups": groups,
    }


def _drivers(job: Run, head: Headline, differences: dict[str, np.ndarray]) -> dict:
    """What drives each paired difference across draws: the components (parameters per
    region, pathway shares, ...) forward-selected on rank correlations with it, each with
    the share of its rank variance it adds (``rank_r2``) and whether the data up to the
    cut-off narrowed it (:mod:`ffcast.calibrate.reliance`); the two scenarios share every
    random number, so the components are the same in both."""
    found = job.reliance(head.draws, differences)
    return {k: {"prior_driven": r.prior_driven, "undetermined": r.undetermined,
                "strongest": [{"component": c, "rank_r2": round(v, 3), "narrowed": n}
                              for c, v, n in r.strongest]}
            for k, r in found.items()}


#: Per-country rows of a comparison: at most this many countries (in the policy's order).
MAX_COMPARED_COUNTRIES = 12


def _diff(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    d = y.astype(np.int64) - x.astype(np.int64)
    return {**summary(d), "share_of_draws_lower": float((d < 0).mean())}


def _country_diffs(jobs: list[Run], ha: Headline, hb: Headline
                   ) -> tuple[dict[str, dict], list[str]]:
    """Per-country differences for the countries either policy names (the first
    :data:`MAX_COMPARED_COUNTRIES`), and the named countries beyond them (not shown)."""
    named: list[str] = []
    for job in jobs:
        named += job.prep.scenario.policy.countries or []
    in_both = [c for c in dict.fromkeys(named) if c in ha.countries and c in hb.countries]
    touched, rest = in_both[:MAX_COMPARED_COUNTRIES], in_both[MAX_COMPARED_COUNTRIES:]
    assert ha.home_by_country is not None and hb.home_by_country is not None
    assert ha.attacks_by_country is not None and hb.attacks_by_country is not None
    assert ha.deaths_by_country is not None and hb.deaths_by_country is not None
    names = dict(zip(jobs[0].prep.countries["iso3"], jobs[0].prep.countries["name"],
                     strict=True))
    out = {}
    for iso3 in touched:
        i, j = ha.countries.index(iso3), hb.countries.index(iso3)
        row: dict = {"name": str(names.get(iso3, iso3))}
        row |= {k: _diff(ha.home_by_country[:, i, s], hb.home_by_country[:, j, s])
               for s, k in enumerate(Q.HOME_STOCKS)}
        row["attacks_total"] = _diff(ha.attacks_by_country[:, i], hb.attacks_by_country[:, j])
        row["attack_deaths_total"] = _diff(ha.deaths_by_country[:, i],
                                           hb.deaths_by_country[:, j])
        out[iso3] = row
    return out, rest
