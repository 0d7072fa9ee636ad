"""The results contract: one xarray Dataset per run (or per chunk of draws).

Warning first: every count is an ``int32`` number of whole people, plots, attacks or deaths
(never a float), and the stocks are *end-of-month* values while the flows are *per month*.
The engine always simulates from 2011-01; when a run records from a later ``start``, people
who travelled (or came home) before that month are still in the stocks, so
``cumulative_travelled`` and ``cumulative_returned`` are exact totals since 2011-01 and are
**not** the cumulative sums of the recorded ``arrivals`` and ``returns``.

``reported_returned`` is not a model count but the predictive distribution of the cumulative
returnee figure an official national authority would publish (:mod:`ffcast.results.reported`:
the count times the draw's official reporting bias and a persistent log-normal error per
country); compare it with published figures, read ``cumulative_returned`` for what happened.
It is not anchored on the statements the country published by the cut-off, as the report's
"Official count (forecast)" and the backtest's published-figure forecast are
(:func:`ffcast.results.reported.anchored_errors`), so its intervals are wider than theirs.

Dims: ``draw`` (ensemble draw indices), ``month`` (datetime64 month starts), ``country``
(ISO3), plus ``theatre`` (7 third theatres, on ``relocated``) and ``target`` (3 targets, on
the plot and attack flows). Each variable carries ``units`` and ``description`` attrs; the
dataset attrs name the scenario (as JSON), seed, ffcast version and the ``person_stocks``
(JSON list) whose sum equals ``cumulative_travelled`` exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from ffcast.engine.layout import GROUP_PERSON_QUANTITIES, GROUP_QUANTITIES, GROUPS
from ffcast.engine.simulate import SIM_START
from ffcast.errors import FFCastError
from ffcast.results import reported
from ffcast.results.quantities import (
    FLOW_SLOTS,
    HOME_STOCKS,
    MASS_CASUALTY_DEATHS,
    N_FLOWS,
    N_STOCKS,
    PATHWAYS,
    PERSON_STOCKS,
    RETURNED,
    STOCK_SLOTS,
    TARGETS,
    THEATRES,
    headline_by_origin,
    western_origins,
)
from ffcast.scenario import reporting
from ffcast.version import __version__

if TYPE_CHECKING:
    from ffcast.engine import ChunkResult, Prepared

CONVENTIONS = "ffcast-results-6"  # bump when a name, dim, dtype or unit changes
CREATED_BY = "ffcast.results.to_dataset"
PERSONS = "persons"
PERSONS_MONTH = "persons/month"
TERRITORY_UNITS = "share of January 2015 extent"
BASE_DIMS: tuple[str, ...] = ("draw", "month", "country")


@dataclass(frozen=True)
class Spec:
    """One results variable: name, extra dim (theatre/target or none), units, description."""

    name: str
    units: str
    description: str
    extra: str | None = None  # "theatre" or "target"

    @property
    def dims(self) -> tuple[str, ...]:
        return (*BASE_DIMS, self.extra) if self.extra else BASE_DIMS


_EOM = " (end of month)"
STOCK_SPECS: tuple[Spec, ...] = (
    Spec("in_theatre", PERSONS, "With the Islamic State in Iraq/Syria: fighters, women and "
         "minors (children born there included)" + _EOM),
    Spec("insurgent", PERSONS, "Stayed in Iraq/Syria as a clandestine insurgency" + _EOM),
    Spec("killed", PERSONS, "Killed abroad, cumulative since 2011-01" + _EOM),
    Spec("detained_in_theatre", PERSONS, "Held in prisons or camps in Iraq/Syria" + _EOM),
    Spec("joined_other", PERSONS, "Joined other armed groups in theatre (e.g. JFS)" + _EOM),
    Spec("relocated", PERSONS, "Relocated to a third theatre, by theatre" + _EOM, "theatre"),
    Spec("dispatched", PERSONS, "Dispatched abroad as active operatives" + _EOM),
    Spec("undetected", PERSONS, "Came home and not known to the authorities" + _EOM),
    Spec("detected", PERSONS, "Came home, known to the authorities, case pending" + _EOM),
    Spec("prosecuted", PERSONS, "Under prosecution at home, awaiting a verdict" + _EOM),
    Spec("incarcerated", PERSONS, "In prison at home" + _EOM),
    Spec("released", PERSONS, "Released or monitored at home, not disengaged" + _EOM),
    Spec("in_rehabilitation", PERSONS, "In a rehabilitation programme at home" + _EOM),
    Spec("disengaged", PERSONS, "Disengaged from violent extremism at home" + _EOM),
    Spec("reengaged", PERSONS, "Re-engaged in violent extremism at home" + _EOM),
)
FLOW_SPECS: tuple[Spec, ...] = (
    Spec("arrivals", PERSONS_MONTH, "Travellers arriving in Iraq/Syria this month"),
    Spec("returns", PERSONS_MONTH, "People entering the home pipeline this month: returnees, "
         "repatriated detainees, and dispatched operatives arrested or dropping out abroad"),
    Spec("repatriated", PERSONS_MONTH, "Detainees repatriated from Iraq/Syria this month "
         "(included in returns)"),
    Spec("radicalised_inmates", PERSONS_MONTH, "Other inmates radicalised in prison this month "
         "(not travellers; not in any person stock)"),
    Spec("plots", "plots/month", "Plots started this month, by target", "target"),
    Spec("interdicted_plots", "plots/month", "Plots started this month and interdicted, "
         "by target", "target"),
    Spec("attacks", "attacks/month", "Attacks executed this month by travellers "
         "(dispatched operatives, returnees, relocated fighters), by target; only those "
         "in the West (at home for a Western origin, on other Western countries for any) are "
         "fitted to a record: at home for a non-Western origin and in third theatres they are "
         "prior-driven scenarios (ADR 0033)", "target"),
    Spec("attack_deaths", "deaths/month", "Deaths in attacks executed this month, by target",
         "target"),
    Spec("mass_casualty_attacks", "attacks/month", "Attacks executed this month that killed "
         f"at least {MASS_CASUALTY_DEATHS} people (the power-law tail, CSN2009), by target",
         "target"),
    Spec("births", PERSONS_MONTH, "Children born this month to the women in Iraq/Syria (with "
         "the organisation or held in camps); they enter the minors' stocks"),
    # Other inmates radicalised in prison by returnees are not travellers: their plots and
    # attacks at home are counted apart from the travellers' above (ADR 0036).
    Spec("inmate_plots", "plots/month", "Plots started this month at home by other inmates "
         "radicalised in prison (not travellers; not in plots)"),
    Spec("inmate_interdicted_plots", "plots/month", "Plots started this month by radicalised "
         "inmates and interdicted"),
    Spec("inmate_attacks", "attacks/month", "Attacks executed this month at home by other "
         "inmates radicalised in prison: home-grown, not linked to foreign fighters, fitted "
         "to no record (a prior-driven scenario; not in attacks, ADR 0036)"),
    Spec("inmate_attack_deaths", "deaths/month", "Deaths in attacks executed this month by "
         "radicalised inmates"),
    Spec("inmate_mass_casualty_attacks", "attacks/month", "Attacks by radicalised inmates "
         f"executed this month that killed at least {MASS_CASUALTY_DEATHS} people"),
)
CUMULATIVE_SPECS: tuple[Spec, ...] = (
    Spec("cumulative_travelled", PERSONS, "Everyone who travelled since 2011-01 and the "
         "children born in Iraq/Syria (sum of the person stocks; includes months before the "
         "first recorded month)" + _EOM),
    Spec("cumulative_returned", PERSONS, "Everyone who entered the home pipeline since 2011-01 "
         "(sum of the home stocks: nobody leaves them)" + _EOM),
)
REPORTED_SPECS: tuple[Spec, ...] = (
    Spec("reported_returned", PERSONS, "Predictive distribution of the cumulative returnee "
         "figure an official national authority would publish: cumulative_returned x the "
         "draw's official reporting bias x a log-normal reporting error that persists over "
         "the months (one per draw and country), rounded; not conditioned on what the "
         "country published by the cut-off (the report's 'Official count (forecast)' and "
         "the backtest are: ffcast.results.reported.anchored_errors)" + _EOM),
)
TERRITORY_DESCRIPTION = ("Territory held by the Islamic State in Iraq/Syria: observed up to "
                         "the cut-off, a scenario path after it")
COUNT_SPECS: tuple[Spec, ...] = (*STOCK_SPECS, *FLOW_SPECS, *CUMULATIVE_SPECS,
                                 *REPORTED_SPECS)
SPECS: dict[str, Spec] = {s.name: s for s in COUNT_SPECS}
COUNT_VARIABLES: tuple[str, ...] = tuple(SPECS)
#: Men, women and minors: each group's quantities per draw, month and country.
GROUP_VARIABLE = "by_group"
GROUP_DIMS: tuple[str, ...] = (*BASE_DIMS, "group", "group_quantity")
GROUP_DESCRIPTION = (
    "Men, women and minors (the children born in Iraq/Syria among the minors): stayed (with "
    "the Islamic State or as insurgents), joined_other (other groups in Iraq/Syria), "
    "detained_in_theatre (men in prisons, women and children in camps), killed, "
    "elsewhere_abroad (third theatres, dispatched), returned (all home stocks) and "
    "incarcerated at home, persons at the end of the month (the first six sum to everyone "
    "of the group, the first three are the group's part of the war zone); arrivals, births, "
    "returns (repatriated included), repatriated and attacks (at home and in Western countries) "
    "per month")
GROUP_UNITS = ("persons (stayed .. incarcerated, end of month); persons/month (arrivals .. "
               "repatriated); attacks/month (attacks_west, attacks_home_elsewhere)")
VARIABLES: tuple[str, ...] = (*COUNT_VARIABLES, GROUP_VARIABLE, "territory")

def dataset_attrs(prep: Prepared, seed: int) -> dict[str, Any]:
    """Dataset-level attrs of a run (lists stored as JSON strings so every format keeps them)."""
    scen = prep.scenario
    return {
        "scenario": json.dumps(scen.model_dump(mode="json", by_alias=True), sort_keys=True),
        "scenario_name": scen.name,
        "seed": int(seed),
        "ffcast_version": __version__,
        "created_by": CREATED_BY,
        "conventions": CONVENTIONS,
        "simulation_start": SIM_START,
        "person_stocks": json.dumps(list(PERSON_STOCKS)),
        "home_stocks": json.dumps(list(HOME_STOCKS)),
    }


def _check_chunk(prep: Prepared, chunk: ChunkResult) -> None:
    d, t, c = len(chunk.draws), len(prep.recorded_months), len(prep.countries)
    want = {"stocks": (d, t, c, N_STOCKS), "flows": (d, t, c, N_FLOWS),
            "territory": (d, t)}
    for name, shape in want.items():
        got = getattr(chunk, name).shape
        if got != shape:
            raise FFCastError(f"chunk.{name}: shape {got} does not match the run {shape}; "
                              "fix: pass the Prepared the chunk was simulated with")
    if chunk.reporting.shape != (d, len(reporting.COMPONENTS)):
        raise FFCastError(f"chunk.reporting: shape {chunk.reporting.shape} does not match "
                          f"{d} draws; fix: pass a chunk simulated by ffcast.engine.run_chunk")
    monthly = np.arange(prep.record_from, prep.record_from + t)
    if chunk.groups is None or not np.array_equal(chunk.group_months, monthly):
        raise FFCastError("chunk.groups: the results contract needs each group's quantities "
                          "at every month; fix: simulate the chunk with record="
                          "Recording.every_month(prep, groups='all')")
    if not np.array_equal(chunk.months, monthly) or chunk.flows_from != prep.record_from:
        raise FFCastError("chunk.months: the results contract needs every month of the run "
                          "with monthly flows; fix: simulate the chunk with the default "
                          "recording (record=None)")


def _as_int32(total: np.ndarray, name: str) -> np.ndarray:
    if total.size and total.max() > np.iinfo(np.int32).max:
        raise FFCastError(f"{name}: a count exceeds the int32 range")
    return total.astype(np.int32)


def _count(arr: np.ndarray, slot: slice, spec: Spec) -> xr.Variable:
    data = arr[..., slot] if spec.extra else arr[..., slot.start]
    return xr.Variable(spec.dims, data, {"units": spec.units, "description": spec.description})


def to_dataset(prep: Prepared, chunk: ChunkResult, seed: int) -> xr.Dataset:
    """Turn one engine chunk into the results Dataset (see the module docstring).

    Counts are int32 (persons, persons/month, plots/month, attacks/month, deaths/month),
    ``territory`` is a float share of the January 2015 extent. The arrays are views on the
    chunk's buffers (no copy). Raises :class:`FFCastError` if the chunk does not match
    ``prep`` or a cumulative count overflows int32.
    """
    _check_chunk(prep, chunk)
    stocks, flows = chunk.stocks, chunk.flows
    data: dict[str, xr.Variable] = {}
    for spec in STOCK_SPECS:
        data[spec.name] = _count(stocks, STOCK_SLOTS[spec.name], spec)
    for spec in FLOW_SPECS:
        data[spec.name] = _count(flows, FLOW_SLOTS[spec.name], spec)
    # Every person who ever travelled is in exactly one stock and nobody leaves the home
    # stocks, so these sums are exact totals since SIM_START, recorded window or not.
    travelled = _as_int32(stocks.sum(axis=-1, dtype=np.int64), "cumulative_travelled")
    returned = _as_int32(RETURNED.of(stocks), "cumulative_returned")
    for spec, values in zip(CUMULATIVE_SPECS, (travelled, returned), strict=True):
        data[spec.name] = xr.Variable(spec.dims, values,
                                      {"units": spec.units, "description": spec.description})
    error = reported.reporting_error(seed, chunk.draws, prep.codes, "cumulative_returned",
                                     "official")
    published = reported.reported(returned, chunk.reporting, error, "official")
    spec = REPORTED_SPECS[0]
    data[spec.name] = xr.Variable(spec.dims, published.astype(np.int32),
                                  {"units": spec.units, "description": spec.description})
    assert chunk.groups is not None  # checked above
    data[GROUP_VARIABLE] = xr.Variable(GROUP_DIMS, chunk.groups, {
        "units": GROUP_UNITS,
        "description": GROUP_DESCRIPTION})
    data["territory"] = xr.Variable(
        ("draw", "month"), np.asarray(chunk.territory, dtype=np.float64),
        {"units": TERRITORY_UNITS, "description": TERRITORY_DESCRIPTION})
    countries = prep.countries
    coords = {
        "draw": ("draw", np.asarray(chunk.draws, dtype=np.int64),
                 {"description": "Ensemble draw index (results depend on it alone)"}),
        "month": ("month", prep.recorded_months.to_numpy().astype("datetime64[ns]"),
                  {"description": "Month start; stocks are end-of-month, flows per month"}),
        "country": ("country", countries["iso3"].to_numpy(dtype=str),
                    {"description": "Origin country (ISO 3166-1 alpha-3)"}),
        "country_name": ("country", countries["name"].to_numpy(dtype=str)),
        "region": ("country", countries["region"].to_numpy(dtype=str)),
        "theatre": ("theatre", np.array(THEATRES, dtype=str)),
        "target": ("target", np.array(TARGETS, dtype=str)),
        "group": ("group", np.array(GROUPS, dtype=str)),
        "group_quantity": ("group_quantity", np.array(GROUP_QUANTITIES, dtype=str)),
    }
    return xr.Dataset(data, coords=coords, attrs=dataset_attrs(prep, seed))


def _json_list(value: Any, name: str) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value)
    out = [str(v) for v in np.atleast_1d(np.asarray(value, dtype=object))]
    if not out:
        raise FFCastError(f"{name}: the dataset attr is empty")
    return out


def person_stocks(ds: xr.Dataset) -> list[str]:
    """Names of the person stocks (attr ``person_stocks``: a JSON string or an array of str).

    Falls back to the engine's list when the attr is absent (e.g. a hand-built Dataset).
    """
    if "person_stocks" not in ds.attrs:
        return list(PERSON_STOCKS)
    return _json_list(ds.attrs["person_stocks"], "person_stocks")


def home_stocks(ds: xr.Dataset) -> list[str]:
    """Names of the home-pipeline stocks (attr ``home_stocks``, JSON or array of str)."""
    if "home_stocks" not in ds.attrs:
        return list(HOME_STOCKS)
    return _json_list(ds.attrs["home_stocks"], "home_stocks")


def _base_total(ds: xr.Dataset, names: list[str]) -> xr.DataArray:
    missing = [n for n in names if n not in ds]
    if missing:
        raise FFCastError(f"dataset: missing variables {', '.join(missing)}")
    parts = []
    for n in names:
        extra = [d for d in ds[n].dims if d not in BASE_DIMS]
        parts.append(ds[n].sum(extra, dtype=np.int64) if extra else ds[n].astype(np.int64))
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total.transpose(*[d for d in BASE_DIMS if d in total.dims])


def people_total(ds: xr.Dataset) -> xr.DataArray:
    """Sum of all person stocks (persons, int64) per draw, month and country.

    Equals ``cumulative_travelled`` exactly (the conservation check). Raises
    :class:`FFCastError` when a person stock is missing.
    """
    total = _base_total(ds, person_stocks(ds))
    total.name = "people_total"
    total.attrs = {"units": PERSONS, "description": "Sum of the person stocks" + _EOM}
    return total


def pathway_totals(ds: xr.Dataset) -> xr.Dataset:
    """Headline pathways (persons, int32, end of month) per draw, month and country.

    The quantities of :data:`ffcast.results.quantities.PATHWAYS` (returned, stayed, ...),
    with their descriptions. Each is bounded by ``cumulative_travelled``, so int32 cannot
    overflow. Raises :class:`FFCastError` when a stock is missing.
    """
    out = {}
    for q in PATHWAYS:
        members = home_stocks(ds) if q.name == "returned" else list(q.stocks)
        da = _base_total(ds, members).astype(np.int32)
        da.attrs = {"units": q.units, "description": q.description + _EOM}
        out[q.name] = da
    return xr.Dataset(out, attrs={k: v for k, v in ds.attrs.items()
                                  if k in ("scenario_name", "seed", "ffcast_version")})


def full_bytes(prep: Prepared, draws: int) -> int:
    """Bytes the full results of ``draws`` draws of ``prep`` take in memory (int32 counts)."""
    per_cell = (N_STOCKS + N_FLOWS + len(CUMULATIVE_SPECS) + len(REPORTED_SPECS)
                + len(GROUPS) * len(GROUP_QUANTITIES)) * 4
    return int(draws) * len(prep.recorded_months) * len(prep.countries) * per_cell


def concat(parts: list[xr.Dataset], parameters: str | None = None) -> xr.Dataset:
    """Chunk Datasets of one run joined along ``draw`` (attrs of the first, plus
    ``parameters`` = "prior" / "posterior (cut-off ...)" when given)."""
    if not parts:
        raise FFCastError("concat: no chunks to join")
    ds = parts[0] if len(parts) == 1 else xr.concat(parts, dim="draw", data_vars="all",
                                                     coords="minimal", compat="override",
                                                     combine_attrs="override")
    if parameters is not None:
        ds.attrs["parameters"] = parameters
    return ds


def check_dataset(ds: xr.Dataset) -> xr.Dataset:
    """Check ``ds`` against the results contract; return it unchanged.

    Every variable present with its dims, int32 counts with ``units`` and ``description``,
    no negative count, a territory share in [0, 1], and people conserved: the person stocks sum to
    ``cumulative_travelled`` in every draw, month and country. Works on lazily loaded
    (Dask-backed) Datasets too (it computes them). Raises :class:`FFCastError` naming the
    first broken rule.
    """
    missing = [v for v in VARIABLES if v not in ds.data_vars]
    if missing:
        raise FFCastError(f"results: missing variables {', '.join(missing)}")
    for spec in COUNT_SPECS:
        var = ds[spec.name]
        if var.dims != spec.dims:
            raise FFCastError(f"results: {spec.name} has dims {var.dims}, not {spec.dims}")
        if var.dtype != np.int32:
            raise FFCastError(f"results: {spec.name} is {var.dtype}, not int32")
        if not {"units", "description"} <= set(var.attrs):
            raise FFCastError(f"results: {spec.name} lacks units or description")
        if bool((var < 0).any()):
            raise FFCastError(f"results: {spec.name} has a negative count")
    territory = ds["territory"]
    if not bool(((territory >= 0) & (territory <= 1)).all()):  # NaN fails both
        raise FFCastError("results: territory is not a share in [0, 1] in every month")
    check_groups(ds)
    if not bool((people_total(ds) == ds["cumulative_travelled"]).all()):
        raise FFCastError("results: the person stocks do not sum to cumulative_travelled")
    return ds


def check_groups(ds: xr.Dataset) -> None:
    """The groups add up: each group's five person quantities sum to the origin's people,
    and the groups' stocks and flows to the origin's own (raises :class:`FFCastError`)."""
    var = ds[GROUP_VARIABLE]
    if var.dims != GROUP_DIMS or var.dtype != np.int32:
        raise FFCastError(f"results: {GROUP_VARIABLE} has dims {var.dims} and dtype "
                          f"{var.dtype}, not {GROUP_DIMS} int32")
    if bool((var < 0).any()):
        raise FFCastError(f"results: {GROUP_VARIABLE} has a negative count")
    total = var.sum("group", dtype=np.int64)
    people = total.sel(group_quantity=list(GROUP_PERSON_QUANTITIES)).sum("group_quantity")
    if not bool((people == people_total(ds)).all()):
        raise FFCastError(f"results: the groups' people ({GROUP_VARIABLE}) do not sum to the "
                          "person stocks")
    for quantity, name in (("detained_in_theatre", "detained_in_theatre"),
                           ("killed", "killed"), ("births", "births"),
                           ("arrivals", "arrivals"), ("returns", "returns")):
        if not bool((total.sel(group_quantity=quantity) == ds[name]).all()):
            raise FFCastError(f"results: {GROUP_VARIABLE} {quantity} does not sum over the "
                              f"groups to {name}")
    # Attacks by where they land (ADR 0034): the West's part of each origin's attacks, and
    # the rest of those at home (non-Western homes); third theatres in neither.
    attacks = ds["attacks"].transpose(*BASE_DIMS, "target")
    west = headline_by_origin(attacks.to_numpy(), western_origins(ds["region"].to_numpy()))
    home = attacks.sel(target=TARGETS[0]).to_numpy().astype(np.int64)
    own = home + attacks.sel(target=TARGETS[1]).to_numpy()
    for quantity, expected in (("attacks_west", west), ("attacks_home_elsewhere", own - west)):
        got = total.sel(group_quantity=quantity).transpose(*BASE_DIMS).to_numpy()
        if not np.array_equal(got, expected):
            raise FFCastError(f"results: {GROUP_VARIABLE} {quantity} does not sum over the "
                              "groups to the origins' attacks there")
