"""Particle states: a posterior carries each particle's history to the cut-off, and a
forecast from it equals one that re-simulates that history (issue 21).

Classes of defect: a forecast that silently pairs a particle's parameters with another
history; a scenario that changes the months before the cut-off but still takes the stored
states; a corrupt or partial states file read as if whole.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from ffcast import runner
from ffcast.calibrate import calibrate, from_result, load, save
from ffcast.calibrate.posterior import Posterior, calibration_prep, history_change
from ffcast.engine import prepare, sample_parameters
from ffcast.errors import FFCastError
from ffcast.scenario import Scenario, load_scenario
from ffcast.scenario.presets import list_presets


@pytest.fixture(scope="module")
def post(tmp_path_factory) -> tuple[Posterior, str]:
    res = calibrate(cutoff="2016-12", particles=50, seed=4, moves=1, max_stages=1)
    path = str(tmp_path_factory.mktemp("post") / "p.nc")
    save(from_result(res), path)
    return load(path), path


def test_states_round_trip_and_match_a_fresh_history(post):
    p, _ = post
    assert p.states is not None and p.noise is not None and len(p.noise) == len(p.z)
    assert p.states.month == calibration_prep("2016-12").cutoff_index
    from ffcast.calibrate.posterior import attach_states

    again = attach_states(Posterior(p.cutoff, p.z, p.names, p.attrs, p.noise))
    for name in p.states.ARRAYS:
        np.testing.assert_array_equal(getattr(again.states, name), getattr(p.states, name))


def test_states_attached_in_blocks_equal_one_block_and_stay_packed(post, monkeypatch):
    """Issue 21 (memory): states are simulated a block of particles at a time and kept
    packed; the blocks must not change a count (each particle has its own streams)."""
    from ffcast.calibrate import posterior as P
    from ffcast.engine.packed import PackedSnapshot

    p, _ = post
    assert isinstance(p.states, PackedSnapshot)
    monkeypatch.setattr(P, "STATE_BLOCK", 17)  # 50 particles: blocks of 17, 17 and 16
    again = P.attach_states(Posterior(p.cutoff, p.z, p.names, p.attrs, p.noise))
    assert isinstance(again.states, PackedSnapshot) and len(again.states) == len(p.z)
    for name in p.states.ARRAYS:
        np.testing.assert_array_equal(getattr(again.states, name), getattr(p.states, name))


@pytest.mark.parametrize("scenario", ["baseline", "repatriate-camps", "border-lockdown"])
def test_a_run_from_the_states_equals_one_that_resimulates_the_history(post, scenario):
    _, path = post
    job = runner.prepare_run(scenario, draws=60, seed=7, posterior=path, end="2020-12")
    assert job.history_note(job.summary_record()) is None
    fast = runner.Headline.start(job)
    job.chunks(lambda c: fast.extend(job.prep, c.stocks, c.flows, c.months, c.flows_from),
               record=job.summary_record())
    slow = runner.Headline.start(job)  # every month from 2011: the history is re-simulated
    assert job.history_note() is not None
    job.chunks(lambda c: slow.extend(job.prep, c.stocks, c.flows))
    for k in ("attacks", "attack_deaths", "travelled", "returned_by_country", "risk",
              "home_by_country"):
        np.testing.assert_array_equal(getattr(fast, k), getattr(slow, k), err_msg=k)


def _history_inputs(prep, lat, k):
    """Every input the engine reads in months 0..k (k the origin)."""
    dp = sample_parameters(prep, 0, np.arange(len(lat.collapse)), lat, until=k)
    out = [dp.travellers, dp.params_pre, dp.pathways_pre, dp.theatres,
           dp.pressure[:, :k + 1], dp.capacity[:, :k + 1], dp.routes[:, :k + 1],
           (prep.arrivals * prep.border)[:k + 1]]
    # The parameters of months from the policy's start (the same as before it when it
    # starts after the origin), and the pathways after the cut-off when it lies before k.
    out.append(dp.params_post if prep.policy_index <= k else dp.params_pre)
    out.append(dp.pathways_post if k > prep.cutoff_index else dp.pathways_pre)
    # The shares from the policy start (the dispatch lever's, ADR 0037; the same arrays as
    # the two above without it), when the policy starts by k.
    started = prep.policy_index <= k
    out.append(dp.pathways_pre_policy if started else dp.pathways_pre)
    out.append(dp.pathways_post_policy if started and k > prep.cutoff_index
               else out[-2])
    return out


SCENARIOS = [*list_presets(), {"name": "early-policy", "policy": {"start": "2016-06",
                                                                    "prosecution_rate": 0.9}},
             {"name": "override", "parameters": {"early_return": {"mean": 0.02}}},
             {"name": "other-cutoff", "cutoff": "2016-06"},
             {"name": "late-collapse", "collapse": {"midpoint": "2019-01"},
              "pathways": {"tilt": {"return": 3.0}}},
             {"name": "empty-policy", "policy": {"start": "2016-01"}},
             {"name": "tilt-only", "pathways": {"tilt": {"stay": 2.0}}},
             {"name": "border", "policy": {"start": "2017-03", "border_control": 0.5}}]


@pytest.mark.parametrize("origin", ["2016-12", "2017-06"])
@pytest.mark.parametrize("spec", SCENARIOS, ids=lambda s: s if isinstance(s, str) else s["name"])
def test_the_history_rule_agrees_with_the_sampled_inputs(post, spec, origin):
    """When :func:`history_change` lets a scenario take the stored states, every input of
    the months up to the origin is bit-for-bit the one the particles were simulated with;
    when the inputs differ, it says why. ``2017-06``: a posterior an update brought past
    its cut-off (its months 2017-01..06 were simulated under the calibration's scenario)."""
    p, _ = post
    p = Posterior(p.cutoff, p.z, p.names, {**p.attrs, "origin": origin}, p.noise, p.states)
    scen = load_scenario(spec) if isinstance(spec, str) else Scenario.model_validate(spec)
    prep = prepare(scen, end="2020-12")
    ref = prepare(Scenario(name="ref", cutoff=p.cutoff), end="2020-12")
    k = p.origin_index(ref)
    ids = np.arange(10)
    mine, theirs = (_history_inputs(x, p.particle_latent(x, ids), k) for x in (prep, ref))
    same = scen.cutoff == p.cutoff and len(mine) == len(theirs) and all(
        np.array_equal(a, b) for a, b in zip(mine, theirs, strict=True))
    why = history_change(prep, p)
    if why is None:
        assert same, f"{spec}: takes the stored states, but its history inputs differ"
    if not same:
        assert why, f"{spec}: its history differs and the rule did not see it"


def test_a_countries_subset_starts_from_the_states(post):
    _, path = post
    kw = dict(draws=30, seed=2, posterior=path, end="2019-12", countries=["FRA", "BEL", "TUN"])
    head = runner.run("baseline", **kw)
    job = runner.prepare_run("baseline", **kw)
    slow = runner.Headline.start(job)
    job.chunks(lambda c: slow.extend(job.prep, c.stocks, c.flows))
    np.testing.assert_array_equal(head.attacks, slow.attacks)
    np.testing.assert_array_equal(head.returned_by_country, slow.returned_by_country)


def test_a_posterior_without_states_resimulates_and_one_without_noise_still_runs(post):
    p, _ = post
    bare = Posterior(p.cutoff, p.z, p.names, p.attrs, p.noise)
    legacy = Posterior(p.cutoff, p.z, p.names, p.attrs)
    a = runner.run("baseline", draws=20, seed=1, posterior=p, end="2019-12")
    b = runner.run("baseline", draws=20, seed=1, posterior=bare, end="2019-12")
    np.testing.assert_array_equal(a.attacks, b.attacks)
    c = runner.run("baseline", draws=20, seed=1, posterior=legacy, end="2019-12")
    assert c.attacks is not None and c.attacks.shape == a.attacks.shape


def test_a_damaged_states_file_is_refused_in_one_line(post, tmp_path):
    _, path = post
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        ds.load()
    broken = tmp_path / "broken.nc"
    ds.drop_vars("state_ring").to_netcdf(broken, engine="h5netcdf")
    with pytest.raises(FFCastError, match="particle states are incomplete"):
        load(broken)


def test_states_are_stored_in_chunks_of_whole_particles(post):
    """The states a run reads whole are stored a few whole particles a chunk (each read
    decompresses a few large chunks, not thousands of small ones: docs/performance.md)."""
    import h5py

    from ffcast.calibrate.posterior import STATE_CHUNK_PARTICLES

    p, path = post
    with h5py.File(path, "r") as f:
        for name in p.states.ARRAYS:
            if name == "state":  # stored packed: its non-zero cells, 1-D
                continue
            ds = f[f"state_{name}"]
            assert ds.chunks == (min(STATE_CHUNK_PARTICLES, ds.shape[0]), *ds.shape[1:]), name
            assert ds.compression == "gzip"
        for name in ("state_values", "state_index", "state_indptr"):
            assert f[name].ndim == 1 and f[name].compression == "gzip", name
        assert "state_state" not in f


def _dataset(path):
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        ds.load()
    return ds


def test_a_file_with_the_dense_states_of_earlier_versions_reads_the_same(post, tmp_path):
    """Files written before the states were packed hold them dense (``state_state``):
    they load to the same numbers (packed as read)."""
    p, path = post
    ds = _dataset(path).drop_vars(["state_values", "state_index", "state_indptr"])
    ds["state_state"] = (("particle", "state_row", "state_slot"),
                         p.states.state.astype(np.int32))
    ds.attrs = {k: v for k, v in ds.attrs.items() if k not in ("state_rows", "state_slots")}
    dense = tmp_path / "dense.nc"
    ds.to_netcdf(dense, engine="h5netcdf")
    again = load(dense)
    assert again.attrs == p.attrs
    for name in p.states.ARRAYS:
        np.testing.assert_array_equal(getattr(again.states, name), getattr(p.states, name))


@pytest.mark.parametrize("damage", ["pointers", "positions", "counts", "shape"])
def test_damaged_packed_states_are_refused_in_one_line(post, tmp_path, damage):
    """A corrupt packed state would put counts in the wrong cells or particles: refused."""
    _, path = post
    ds = _dataset(path)
    if damage == "pointers":
        ptr = ds["state_indptr"].values.copy()
        ptr[1], ptr[2] = ptr[2] + 1, ptr[1]
        ds["state_indptr"] = ("state_pointer", ptr)
    elif damage == "positions":
        idx = ds["state_index"].values.copy()
        idx[0] = 10**9
        ds["state_index"] = ("state_nonzero", idx)
    elif damage == "counts":
        val = ds["state_values"].values.copy()
        val[0] = -1
        ds["state_values"] = ("state_nonzero", val)
    else:
        ds.attrs["state_slots"] = int(ds.attrs["state_slots"]) - 1
    broken = tmp_path / f"{damage}.nc"
    ds.to_netcdf(broken, engine="h5netcdf")
    with pytest.raises(FFCastError, match=r"particle states (are incomplete|hold \d+ slots)"):
        load(broken)


def test_states_of_an_older_expected_layout_are_refused_with_the_fix(post, tmp_path):
    """A file from before the directed attacks were recorded apart (two expected channels,
    ADR 0022) is refused in one line that names the fix, not read with channels missing."""
    _, path = post
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        ds.load()
    old = ds.isel(expected=slice(0, 2))
    out = tmp_path / "old.nc"
    old.to_netcdf(out, engine="h5netcdf")
    with pytest.raises(FFCastError, match=r"expected attack channels.*recalibrate"):
        load(out)
