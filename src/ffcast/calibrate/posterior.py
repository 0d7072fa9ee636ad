"""The posterior ensemble: save, load, summarise, and turn into forecast draws.

A posterior is a set of equally weighted particles: each a point in the normal scores of the
calibrated uniforms (see :mod:`.smc`), the id of the simulation noise it was weighted with,
and its state at the end of the cut-off month (the history that noise gave it: stocks,
plots already scheduled; an :class:`ffcast.engine.Snapshot`). A forecast draw ``d`` picks
particle ``floor(u * N)`` with a uniform from its own ``posterior`` stream, takes that
particle's parameters *and history*, and simulates only the months after the cut-off with
its own streams; so forecasts stay bit-identical whatever the chunking, and equal to a run
that re-simulates the particle's history with the particle's noise (which is what a run
does when its scenario changes the months before the cut-off, or when it records them).
Posterior files written before particle states existed (no ``noise``) keep the old rule:
the draw's own streams for the history too.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import special

from ffcast.calibrate.smc import CalibrationResult, assign
from ffcast.calibrate.targets import split_scoped
from ffcast.engine import Latent, Prepared, Recording, Snapshot, prepare, snapshot
from ffcast.engine import layout as L
from ffcast.engine.packed import PACK_BLOCK, PackedCounts, PackedSnapshot
from ffcast.engine.rng import stream_keys, uniforms
from ffcast.errors import FFCastError, OptionsError, echo
from ffcast.files import atomic_path
from ffcast.scenario.priors import PARAMS, sample_scalar

if TYPE_CHECKING:
    import xarray as xr

SHIPPED_CUTOFFS = ("2014-12", "2015-06", "2015-12", "2016-06", "2016-12")


@dataclass
class Posterior:
    """Particles ``z`` (N, d) over ``names``, fitted at ``cutoff``; ``noise`` (N,) the
    simulation noise of each particle (draw ids of the calibration's ``seed``) and
    ``states`` their :class:`~ffcast.engine.Snapshot` at the end of month ``origin``
    (the cut-off, or the month an :func:`ffcast.update` brought it to), kept packed in
    memory (:class:`~ffcast.engine.packed.PackedSnapshot`: ~12 MB instead of 143 MB for
    the 2016-12 posterior; a chunk of draws unpacks its own particles)."""

    cutoff: str
    z: np.ndarray
    names: list[str]
    attrs: dict
    noise: np.ndarray | None = None
    states: Snapshot | PackedSnapshot | None = None

    @property
    def seed(self) -> int:
        """The calibration's seed (the particles' noise ids are draws of it)."""
        return int(self.attrs.get("seed", 0))

    @property
    def origin(self) -> str:
        """The month (``YYYY-MM``) the particles' history reaches: forecasts start after it."""
        return str(self.attrs.get("origin", self.cutoff))

    def origin_index(self, prep: Prepared) -> int:
        """:attr:`origin` as a month index of ``prep``."""
        return int(np.searchsorted(prep.months, pd.Timestamp(self.origin)))

    def pick(self, seed: int, draws: np.ndarray) -> np.ndarray:
        """The particle each forecast draw takes (its own ``posterior`` stream)."""
        draws = np.asarray(draws, dtype=np.int64)
        u = uniforms(seed, draws, "posterior", np.array([0]))[:, 0]
        return np.minimum((u * len(self.z)).astype(np.int64), len(self.z) - 1)

    def particle_latent(self, prep: Prepared, particles: np.ndarray) -> Latent:
        """The latent uniforms of ``particles``: calibrated components from ``z``, the rest
        from the particle's own noise (legacy files without noise: not defined)."""
        assert self.noise is not None
        lat = Latent.from_streams(prep, self.seed, self.noise[particles])
        return assign(lat, self.names, special.ndtr(self.z[particles]), prep)

    def latent(self, prep: Prepared, seed: int, draws: np.ndarray) -> Latent:
        """Latent uniforms for forecast ``draws``: those of the particle each draw takes.

        Components the run does not have (a country it does not simulate) are skipped;
        components the posterior lacks (e.g. a parameter added since it was fitted) keep
        the particle's prior draws (legacy files without noise: the draw's own).
        """
        draws = np.asarray(draws, dtype=np.int64)
        pick = self.pick(seed, draws)
        if self.noise is not None:
            return self.particle_latent(prep, pick)
        lat = Latent.from_streams(prep, seed, draws)
        return assign(lat, self.names, special.ndtr(self.z[pick]), prep)

    def chunk_inputs(self, prep: Prepared, seed: int, draws: np.ndarray,
                     record: Recording) -> dict:
        """The keyword arguments of :func:`ffcast.engine.run_chunk` for forecast ``draws``:
        the particles' latent uniforms, and their stored states when the run can start
        from them (:meth:`resumes`), else their noise for the months up to the origin."""
        draws = np.asarray(draws, dtype=np.int64)
        if self.noise is None:
            return {"latent": self.latent(prep, seed, draws)}
        pick = self.pick(seed, draws)
        out: dict = {"latent": self.particle_latent(prep, pick)}
        if self.resumes(prep, record):
            assert self.states is not None
            out["start"] = self.states.take(pick).for_countries(list(prep.countries["iso3"]))
        else:
            out["history_keys"] = stream_keys(self.seed, self.noise[pick])
            out["history_until"] = self.origin_index(prep)
        return out

    def resumes(self, prep: Prepared, record: Recording) -> bool:
        """Whether a run of ``prep`` recording ``record`` starts from the stored states
        (:meth:`history_reason` has nothing to say)."""
        return self.history_reason(prep, record) is None

    def history_reason(self, prep: Prepared, record: Recording) -> str | None:
        """Why a run of ``prep`` recording ``record`` re-simulates the particles' history,
        or None when it starts from the stored states: they exist, the scenario leaves the
        months up to the origin as the posterior's (:func:`history_change`) and the run
        records nothing before the origin."""
        why = history_change(prep, self)
        if why is None and self.states is not None and not self.states.resumes(record):
            why = (f"it records months before {self.origin} (--start {self.origin} or later "
                   "starts from them)")
        return why


def history_change(prep: Prepared, post: Posterior) -> str | None:
    """Why a run of ``prep`` cannot take the posterior's stored history, or None when it
    can: the scenario's months up to the origin are those the posterior's particles were
    simulated with (same cut-off, no prior overridden, no lever acting by the origin, every
    country stored; and for a posterior updated past its cut-off, the calibration's
    collapse and pathways, which act on the months between). The rule is checked against
    the sampled inputs of those months in ``tests/calibrate/test_particle_states.py``."""
    from ffcast.scenario import Collapse, Pathways, Policy

    scen = prep.scenario
    if post.states is None:
        return "the posterior holds no particle states"
    if scen.cutoff != post.cutoff:
        return f"its cut-off {scen.cutoff} is not the posterior's {post.cutoff}"
    if scen.parameters:
        return "it overrides priors (" + ", ".join(sorted(scen.parameters)) + ")"
    levers = scen.policy.model_dump(exclude={"start", "countries"})
    if prep.policy_index <= post.origin_index(prep) and \
            levers != Policy().model_dump(exclude={"start", "countries"}):
        return f"its policy starts ({scen.policy.start}) by the origin {post.origin}"
    if post.origin_index(prep) > prep.cutoff_index:
        if scen.collapse != Collapse():
            return (f"its collapse differs from the one the particles were simulated with "
                    f"up to {post.origin}")
        if scen.pathways != Pathways():
            return (f"its pathways differ from those the particles were simulated with up "
                    f"to {post.origin}")
    stored = set(post.states.countries)
    missing = [c for c in prep.countries["iso3"] if c not in stored]
    if missing:
        return "the posterior stores no state for " + ", ".join(missing[:5])
    return None


def calibration_prep(cutoff: str, through: str | None = None) -> Prepared:
    """The prepared run a calibration at ``cutoff`` simulates (every country), up to the
    month after ``through`` (default: the cut-off)."""
    from ffcast.scenario import Scenario

    end = str(max(pd.Period(cutoff, "M"), pd.Period(through or cutoff, "M")) + 1)
    return prepare(Scenario(name=f"calibration-{cutoff}", cutoff=cutoff), end=end)


def attach_states(post: Posterior, prep: Prepared | None = None) -> Posterior:
    """``post`` with each particle's state at its origin, simulated from 2011-01 with the
    particle's parameters and noise (``prep``: the calibration's, by default)."""
    if post.noise is None:
        raise FFCastError("posterior: no particle noise ids; re-run `ffcast calibrate`")
    prep = prep or calibration_prep(post.cutoff, post.origin)
    month = post.origin_index(prep)
    parts = []
    # A block of particles at a time, each packed as it comes (the same numbers as one
    # block: every random number is addressed by its particle's noise id).
    for lo in range(0, len(post.z), STATE_BLOCK):
        ids = np.arange(lo, min(len(post.z), lo + STATE_BLOCK))
        parts.append(PackedSnapshot.of(snapshot(prep, post.seed, post.noise[ids], month,
                                                latent=post.particle_latent(prep, ids))))
    return Posterior(post.cutoff, post.z, post.names, post.attrs, post.noise,
                     PackedSnapshot.concat(parts))


#: Particles simulated at a time by :func:`attach_states` (a block's dense int64 state is
#: ~72 MB at 250 particles; packed, its non-zero counts ~3 MB).
STATE_BLOCK = 250


def from_result(res: CalibrationResult, states: bool = True) -> Posterior:
    """The posterior of a calibration run, with its diagnostics in ``attrs`` and (unless
    ``states=False``) each particle's state at the cut-off (:func:`attach_states`)."""
    attrs = {
        "cutoff": res.cutoff, "seed": res.seed, "particles": len(res.z),
        "seconds": round(res.seconds, 1), "simulations": res.simulations,
        "stages": json.dumps([s.__dict__ for s in res.stages]),
        "targets": len(res.targets),
        "fit": fit_table(res).to_json(orient="records"),
        # The user's own statements fitted besides the embedded record (file: count), and
        # the statements themselves (an update goes on fitting them).
        "observations": json.dumps(res.observations),
    }
    if res.statements:
        attrs["statements"] = json.dumps(res.statements)
    from ffcast.version import __version__

    attrs["ffcast_version"] = __version__
    post = Posterior(res.cutoff, res.z.astype(np.float32), res.block.names, attrs,
                     np.asarray(res.noise, dtype=np.int64))
    return attach_states(post) if states else post


def fit_table(res: CalibrationResult) -> pd.DataFrame:
    """Per statement: the figure, and the prior and posterior predictive of the published
    figure (model count through the statement's observation noise) as median and 90%
    interval; ``inside`` says whether the statement lies in the posterior's 90% interval
    (a range by its midpoint, "at least X" when the interval reaches X, "up to X" likewise).
    """
    rows = []
    for j, t in enumerate(res.targets):
        pr = np.percentile(res.prior_predictive[:, j], [5, 50, 95])
        po = np.percentile(res.predictive[:, j], [5, 50, 95])
        rows.append({"channel": t.channel, "target": t.label,
                     "covers": split_scoped(getattr(t, "quantity", ""))[1], "as_of": t.as_of,
                     "low": None if np.isnan(t.low) else t.low,
                     "high": None if np.isnan(t.high) else t.high, "source": t.source,
                     "reporter": getattr(t, "reporter", ""),
                     "weight": round(t.weight, 3), "prior_median": pr[1],
                     "posterior_median": po[1], "posterior_p5": po[0], "posterior_p95": po[2],
                     "inside": _inside(t, po[0], po[2])})
    return pd.DataFrame(rows)


def _inside(t: object, p5: float, p95: float) -> bool:
    low, high = t.low, t.high  # type: ignore[attr-defined]
    if np.isnan(low) and np.isnan(high):
        return False
    if np.isnan(high):  # at least `low`
        return bool(p95 >= low)
    if np.isnan(low):  # up to `high`
        return bool(p5 <= high)
    if getattr(t, "kind", "count") == "share":
        point = 0.5 * (low + high)
    else:
        point = float(np.sqrt((low + 1.0) * (high + 1.0)) - 1.0)
    return bool(p5 <= point <= p95)


def parameter_table(post: Posterior) -> pd.DataFrame:
    """Per calibrated parameter and region: prior vs posterior median and 90% interval, and
    ``shrinkage``: how much the data narrowed the 90% interval, in normal scores (the scale
    the prior is a standard normal on: a log-normal's log scale), the rule the reliance
    screen uses (:func:`ffcast.calibrate.reliance.narrowing`). On the parameter's own scale
    an interval that only moved down a log-normal looked narrower (review, 2026-12-07:
    ``directed_dispatch (sub_saharan_africa)`` "narrowed by 33%", same width in logs)."""
    from ffcast.calibrate.reliance import narrowing

    rows = []
    params = {p.name: p for p in PARAMS}
    shrunk = narrowing(post.z)
    u = special.ndtr(post.z.astype(float))
    prior_q = np.array([0.05, 0.5, 0.95])
    for j, name in enumerate(post.names):
        kind, pname, region = [*name.split(":"), "", ""][:3]
        if kind != "param" or pname not in params:
            continue
        p = params[pname]
        mean = np.array([p.mean_for(region)])
        post_v = sample_scalar(p, mean, u[:, j])
        prior_v = sample_scalar(p, np.full(3, p.mean_for(region)), prior_q)
        q = np.percentile(post_v, [5, 50, 95])
        rows.append({"parameter": pname, "region": region, "unit": p.unit,
                     "prior_median": prior_v[1], "prior_p5": prior_v[0],
                     "prior_p95": prior_v[2], "posterior_median": q[1], "posterior_p5": q[0],
                     "posterior_p95": q[2],
                     "shrinkage": float(shrunk[j])})
    return pd.DataFrame(rows)


def reporting_table(post: Posterior) -> pd.DataFrame:
    """The reporting model per kind of source (official, research, press): bias and noise,
    and the scope per quantity published (kind ``every kind``, part ``scope of killed``),
    prior vs posterior median and 90% interval (prior where the posterior lacks them)."""
    from ffcast.scenario import reporting

    z = post.z.astype(float)
    have = {n: j for j, n in enumerate(post.names)}
    q = np.array([0.05, 0.5, 0.95])
    prior = reporting.sample(np.tile(q[:, None], (1, len(reporting.COMPONENTS))))
    u = np.full((len(z), len(reporting.COMPONENTS)), 0.5)
    for i, name in enumerate(reporting.COMPONENTS):
        if name in have:
            u[:, i] = special.ndtr(z[:, have[name]])
    posterior = reporting.sample(u)
    rows = []
    for name in reporting.COMPONENTS:
        key = name.removeprefix("reporting:")
        part, kind = key.split(":")
        if part == "scope":  # a quantity's multiplier of every kind's bias
            part, kind = f"scope of {kind}", "every kind"
        p5, p50, p95 = (np.percentile(posterior[key], [5, 50, 95]) if name in have
                        else prior[key])
        rows.append({"kind": kind, "part": part, "fitted": name in have,
                     "prior_median": prior[key][1], "prior_p5": prior[key][0],
                     "prior_p95": prior[key][2], "posterior_median": p50,
                     "posterior_p5": p5, "posterior_p95": p95})
    return pd.DataFrame(rows)


def save(post: Posterior, path: str | Path) -> Path:
    """Write the posterior as netCDF (atomically)."""
    import xarray as xr

    path = Path(path)
    ds = xr.Dataset(
        {"z": (("particle", "component"), post.z)},
        coords={"component": np.array(post.names, dtype=str)},
        attrs={k: (json.dumps(v) if isinstance(v, dict | list) else v)
               for k, v in post.attrs.items()},
    )
    if post.noise is not None:
        ds["noise"] = ("particle", np.asarray(post.noise, dtype=np.int64))
    if post.states is not None:
        states = _states_dataset(post.states)
        ds = ds.merge(states)
        ds.attrs.update(states.attrs)
    encoding = {v: _encoding(ds[v]) for v in ds.data_vars}
    with atomic_path(path, suffix=".nc.tmp") as tmp:
        ds.to_netcdf(tmp, engine="h5netcdf", encoding=encoding)
    return path


STATE_CHUNK_PARTICLES = 50  # particles per stored chunk of a state variable


def _encoding(var: xr.DataArray) -> dict:
    """Compression of one variable. The particle states (the bulk of a file, read by every
    run from the cut-off) are stored in chunks of whole particles at a light level: one
    chunk of the 2016-12 states is read about 4x faster than the library's default small
    chunks at level 4, for a file 0.8 MB larger (docs/performance.md)."""
    if var.name is not None and str(var.name).startswith("state_") and var.ndim >= 2:
        chunks = (min(STATE_CHUNK_PARTICLES, var.shape[0]), *var.shape[1:])
        return {"zlib": True, "complevel": 1, "shuffle": True, "chunksizes": chunks}
    return {"zlib": True, "complevel": 4, "shuffle": True}


# The snapshot's arrays stored as they are (its ``state`` is stored packed: _states_dataset).
_STATE_DIMS = {"ring": ("particle", "expected", "lag"),
               "month_flows": ("particle", "state_country", "flow"),
               "total_flows": ("particle", "state_country", "flow"),
               "month_expected": ("particle", "expected"),
               "total_expected": ("particle", "expected"),
               "month_groups": ("particle", "state_country", "group", "group_quantity"),
               "total_groups": ("particle", "state_country", "group", "group_quantity")}


def _states_dataset(snap: Snapshot | PackedSnapshot) -> xr.Dataset:
    """The particle states as variables ``state_*`` (counts as int32, checked); the engine
    state packed (``state_values`` and ``state_index`` of its non-zero cells, per particle
    between ``state_indptr[p]`` and ``state_indptr[p + 1]``; shape in the attributes
    ``state_rows`` and ``state_slots``): ~4% of its cells are not zero."""
    import xarray as xr

    packed = PackedSnapshot.of(snap).packed
    out = {"state_values": (("state_nonzero",), _int32_counts("state", packed.values)),
           "state_index": (("state_nonzero",), packed.index.astype(np.int32)),
           "state_indptr": (("state_pointer",), packed.indptr.astype(np.int64))}
    for name, dims in _STATE_DIMS.items():
        arr = getattr(snap, name)
        out[f"state_{name}"] = (dims, _int32_counts(name, arr) if arr.dtype.kind == "i"
                                else arr)
    return xr.Dataset(out, coords={"state_country": np.array(snap.countries, dtype=str)},
                      attrs={"state_month": snap.month, "state_rows": packed.shape[1],
                             "state_slots": packed.shape[2]})


def _int32_counts(name: str, arr: np.ndarray) -> np.ndarray:
    if arr.size and (arr.max() > np.iinfo(np.int32).max or arr.min() < 0):
        raise FFCastError(f"posterior states: {name} outside the int32 range")
    return arr.astype(np.int32)


#: Attributes of a posterior file that describe its particle states (not the posterior's).
_STATE_ATTRS = ("state_month", "state_rows", "state_slots")


def _packed_state(ds: _Plain) -> PackedCounts:
    """The engine state of a file: packed (written since issue 21's memory work), or the
    dense ``state_state`` of older files (packed as read, block by block from HDF5)."""
    if "state_values" in ds:
        n = len(np.atleast_1d(ds["state_indptr"])) - 1
        shape = (n, int(ds.attrs["state_rows"]), int(ds.attrs["state_slots"]))
        return PackedCounts(shape, np.asarray(ds["state_indptr"]),
                            np.asarray(ds["state_index"]),
                            np.asarray(ds["state_values"])).check()
    raw = ds["state_state"]
    return raw if isinstance(raw, PackedCounts) else PackedCounts.pack(np.asarray(raw))


def _read_states(ds: _Plain) -> PackedSnapshot | None:
    if "state_state" not in ds and "state_values" not in ds:
        return None
    if "state_month_groups" not in ds:
        raise FFCastError("posterior: its particle states were stored before men, women and "
                          "minors were simulated apart; fix: recalibrate with this version "
                          "(ffcast calibrate), or attach new states "
                          "(ffcast.calibrate.posterior.attach_states)")
    packed = _packed_state(ds)  # ~12 MB in memory for 1,000 particles (143 MB dense)
    arrays = {name: np.asarray(ds[f"state_{name}"]) for name in _STATE_DIMS}
    n_countries = len(np.atleast_1d(ds["state_country"]))
    if packed.shape[1] != n_countries * L.N_GROUPS:
        raise FFCastError("posterior: its particle states were stored before men, women and "
                          "minors were simulated apart (one row per country); fix: "
                          "recalibrate with this version (ffcast calibrate)")
    if arrays["month_groups"].shape[-1] != L.N_GROUP_QUANTITIES:
        raise FFCastError("posterior: its particle states record "
                          f"{arrays['month_groups'].shape[-1]} quantities per group, this "
                          f"version {L.N_GROUP_QUANTITIES} (attacks in the West apart "
                          "from those at non-Western homes, ADR 0034); fix: recalibrate "
                          "with this version (ffcast calibrate), or attach new states "
                          "(ffcast.calibrate.posterior.attach_states)")
    if arrays["ring"].shape[1] != L.N_EXPECTED:
        raise FFCastError("posterior: its particle states record "
                          f"{arrays['ring'].shape[1]} expected attack channels, this version "
                          f"{L.N_EXPECTED} (directed attacks apart, ADR 0022); fix: recalibrate "
                          "with this version (ffcast calibrate), or attach new states "
                          "(ffcast.calibrate.posterior.attach_states)")
    if len(packed) != len(arrays["ring"]):
        raise ValueError(f"{len(packed)} particle states for {len(arrays['ring'])} rings")
    if packed.shape[2] != L.N_STATE:
        raise FFCastError(f"posterior: its particle states hold {packed.shape[2]} slots per "
                          f"engine row, this version {L.N_STATE}; fix: recalibrate with this "
                          "version (ffcast calibrate), or attach new states "
                          "(ffcast.calibrate.posterior.attach_states)")
    return PackedSnapshot(int(ds.attrs["state_month"]),
                          tuple(str(c) for c in ds["state_country"]), packed, **arrays)


def load(source: str | Path) -> Posterior:
    """A posterior from a file, or the shipped one for a cut-off (``"2016-12"``).

    Shipped posteriors are read once per process and shared (their particles are read-only):
    runs, sensitivity sample points and dashboard interactions all reuse them.
    """
    text = str(source)
    if text in SHIPPED_CUTOFFS:
        return _load_shipped(text)
    return _read(Path(text))


@functools.cache
def _load_shipped(text: str) -> Posterior:
    post = _read(_shipped_path(text))
    post.z.setflags(write=False)
    return post


def _shipped_path(text: str) -> Path:
    ref = resources.files("ffcast.calibrate") / "posteriors" / f"posterior_{text}.nc"
    path = Path(str(ref))
    if not path.exists():
        raise FFCastError(f"no shipped posterior for {text}; run `ffcast calibrate "
                          f"--cutoff {text} --out posterior.nc` and pass --posterior")
    return path


#: A particle's normal score never lies beyond this: the standard normal quantile of the
#: smallest positive double is about -38.5, so a larger |z| cannot come from a uniform
#: (review, 2026-12-07: inf or 1e30 in 'z' was read as an extreme but valid parameter).
MAX_NORMAL_SCORE = 40.0


def _read(path: Path) -> Posterior:
    """A posterior file: read with h5py (a netCDF-4 file is HDF5; xarray's decoding layer
    costs ~0.5 s of imports a run does not need), else through xarray (a file another
    netCDF writer produced)."""
    if not path.exists():
        raise FFCastError(f"posterior file {path} does not exist; run `ffcast calibrate` first")
    try:
        ds = _read_hdf5(path)
    except Exception:
        try:
            import xarray as xr

            with xr.open_dataset(path, engine="h5netcdf") as opened:
                opened.load()
            ds = _Plain({k: opened[k].values for k in opened.variables}, dict(opened.attrs))
        except Exception as exc:
            raise FFCastError(f"{path}: not a readable ffcast posterior "
                              f"({exc.__class__.__name__})") from exc
    if "z" not in ds or "cutoff" not in ds.attrs:
        raise FFCastError(f"{path}: not an ffcast posterior (no 'z' variable / cutoff attr)")
    attrs = {k: v for k, v in ds.attrs.items() if k not in _STATE_ATTRS}
    try:
        states = _read_states(ds)
    except (KeyError, ValueError, TypeError) as exc:
        raise FFCastError(f"{path}: the particle states are incomplete ({exc}); fix: "
                          "re-run `ffcast calibrate` or `ffcast update`") from exc
    z = np.asarray(ds["z"])
    if z.ndim != 2 or not np.issubdtype(z.dtype, np.floating) \
            or not (np.abs(z) <= MAX_NORMAL_SCORE).all():
        raise FFCastError(f"{path}: its particles ('z') are not normal scores (finite, within "
                          f"+-{MAX_NORMAL_SCORE:g}); fix: re-run `ffcast calibrate` or `ffcast "
                          "update`")
    noise = ds["noise"].astype(np.int64) if "noise" in ds else None
    return Posterior(str(ds.attrs["cutoff"]), ds["z"],
                     [str(c) for c in ds["component"]], attrs, noise, states)


class _Plain(dict):
    """Variables of a posterior file as NumPy arrays by name, and its global ``attrs``."""

    def __init__(self, variables: dict[str, np.ndarray], attrs: dict) -> None:
        super().__init__(variables)
        self.attrs = attrs


def _read_hdf5(path: Path) -> _Plain:
    import h5py

    def value(v: object) -> object:
        if isinstance(v, bytes | np.bytes_):
            return v.decode("utf-8")
        if isinstance(v, np.ndarray) and v.size == 1 and v.ndim <= 1:
            return v.reshape(()).item() if v.dtype.kind in "iuf" else value(v.reshape(())[()])
        return v

    out: dict[str, np.ndarray] = {}
    with h5py.File(path, "r") as f:
        attrs = {k: value(v) for k, v in f.attrs.items() if not k.startswith("_")}
        for name, item in f.items():
            if not isinstance(item, h5py.Dataset):
                continue
            if name == "state_state" and item.ndim == 3:
                # The particle states, packed block by block as read: the dense array
                # (143 MB for 1,000 particles at 2016-12) is never whole in memory.
                step = item.chunks[0] if item.chunks else PACK_BLOCK
                out[name] = PackedCounts.from_blocks(
                    item.shape, (item[lo:lo + step] for lo in range(0, item.shape[0], step)),
                    item.dtype)
                continue
            arr = item[()]  # (dimensions without values read as empty arrays: unused)
            if arr.dtype.kind in "OS":
                arr = np.array([a.decode("utf-8") if isinstance(a, bytes) else str(a)
                                for a in arr.ravel()]).reshape(arr.shape)
            out[name] = arr
    return _Plain(out, attrs)


#: What a caller may pass as ``posterior``: ``"auto"`` (the shipped posterior for the run's
#: cut-off, else the priors), ``"prior"`` or ``None`` (the priors), a file path, or a
#: :class:`Posterior`.
PosteriorSpec = Literal["auto", "prior"] | Posterior | str | os.PathLike[str] | None


def resolve(spec: PosteriorSpec, cutoff: str) -> Posterior | None:
    """The posterior a run with cut-off ``cutoff`` uses for ``spec`` (None = the priors).

    Raises :class:`OptionsError` for a spec of the wrong type or a posterior fitted at
    another cut-off, and :class:`FFCastError` for an unreadable file.
    """
    if spec is None or spec == "prior":
        return None
    if isinstance(spec, Posterior):
        post = spec
    elif spec == "auto":
        return shipped(cutoff)
    elif isinstance(spec, str | os.PathLike):
        post = load(spec)
    else:
        raise OptionsError(f"posterior: {echo(spec)} is not a posterior; fix: pass 'auto', "
                           "'prior', a file from `ffcast calibrate` or a Posterior")
    if post.cutoff != cutoff:
        raise OptionsError(f"posterior: fitted at cut-off {post.cutoff}, but the run's cut-off "
                           f"is {cutoff}; fix: use a posterior for {cutoff}")
    return post


def label(post: Posterior | None) -> str:
    """How a run's parameters are described in outputs: ``prior``, ``posterior (cut-off
    YYYY-MM)`` or, for a posterior an update brought past its cut-off, ``posterior (cut-off
    YYYY-MM, updated to YYYY-MM)``."""
    if post is None:
        return "prior"
    if post.origin != post.cutoff:
        return f"posterior (cut-off {post.cutoff}, updated to {post.origin})"
    return f"posterior (cut-off {post.cutoff})"


def describe(post: Posterior | None) -> dict[str, str | int]:
    """What a run's parameters were, as results attrs (so a report of the file can say it):
    ``parameters`` (:func:`label`), ``posterior_particles`` (0 for the priors) and
    ``posterior_shipped`` (1 when it is the posterior ffcast ships for its cut-off, the one
    the rolling backtest scores; 0 otherwise) and, for a posterior an update brought past
    its cut-off, ``posterior_origin`` (the month its particles reach)."""
    if post is None:
        return {"parameters": label(None), "posterior_particles": 0, "posterior_shipped": 0}
    out: dict[str, str | int] = {"parameters": label(post), "posterior_particles": len(post.z),
                                 "posterior_shipped": int(shipped(post.cutoff) is post)}
    if post.origin != post.cutoff:
        out["posterior_origin"] = post.origin
    return out


def shipped(cutoff: str) -> Posterior | None:
    """The shipped posterior for ``cutoff`` if there is one (None: no posterior ships for
    it). A shipped file that cannot be read raises :class:`FFCastError` (a broken install
    must never turn a run into one on the priors without a word)."""
    if cutoff not in SHIPPED_CUTOFFS:
        return None
    try:
        return load(cutoff)
    except FFCastError as exc:
        # One fix for the user: the loader's own advice (recalibrate, attach states) is for
        # whoever builds the shipped files, not for someone running an installed ffcast.
        why = str(exc).split("; fix:")[0]
        raise FFCastError(f"the shipped posterior for cut-off {cutoff} cannot be read ({why}); "
                          "fix: reinstall ffcast, or run with --prior or --posterior FILE"
                          ) from exc
