"""Falsify "identical across workers": in-process, ``workers=2`` and ``scheduler=`` agree."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from distributed import LocalCluster

from ffcast import results
from ffcast.distributed import IN_FLIGHT_PER_THREAD, run_chunks
from ffcast.engine import ChunkResult, prepare
from ffcast.runner import Headline, resolve_posterior, run

from .conftest import SMALL

pytestmark = pytest.mark.distributed


def assert_same_headline(a: Headline, b: Headline) -> None:
    assert a.posterior == b.posterior and a.countries == b.countries
    np.testing.assert_array_equal(a.draws, b.draws)
    assert a.pathways.keys() == b.pathways.keys()
    for k in a.pathways:
        np.testing.assert_array_equal(a.pathways[k], b.pathways[k], err_msg=k)
    for f in ("returned_by_country", "attacks", "attack_deaths", "travelled"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


@pytest.mark.parametrize("ext", [".nc", ".zarr"])
def test_same_seed_same_numbers_and_files_in_process_local_and_by_address(
        ext: str, tmp_path: Path, cluster: LocalCluster, dask_tmp: Path) -> None:
    ref = run(**SMALL, out=tmp_path / f"inprocess{ext}")
    local = run(**SMALL, out=tmp_path / f"local{ext}", workers=2)
    remote = run(**SMALL, out=tmp_path / f"remote{ext}", scheduler=cluster.scheduler_address)
    assert ref.posterior is not None  # the shipped posterior travels to the workers too
    assert_same_headline(ref, local)
    assert_same_headline(ref, remote)
    expected = results.read(tmp_path / f"inprocess{ext}")
    assert expected.sizes["draw"] == SMALL["draws"]
    for name in ("local", "remote"):
        xr.testing.assert_identical(results.read(tmp_path / f"{name}{ext}"), expected)
    assert list(dask_tmp.iterdir()) == []  # the local cluster's scratch space is removed


def test_chunks_arrive_in_draw_order_with_few_held(cluster: LocalCluster) -> None:
    prep = prepare(SMALL["scenario"], end=SMALL["end"], countries=SMALL["countries"])
    post = resolve_posterior("auto", prep.scenario.cutoff)
    seen: list[np.ndarray] = []
    alive: list[weakref.ref[ChunkResult]] = []
    held: list[int] = []
    ends: list[np.ndarray] = []

    def take(chunk: ChunkResult) -> None:
        seen.append(chunk.draws.copy())
        ends.append(chunk.stocks[:, -1].copy())
        alive.append(weakref.ref(chunk))
        gc.collect()
        held.append(sum(r() is not None for r in alive))

    run_chunks(prep, SMALL["seed"], 40, 2, post, scheduler=cluster.scheduler_address,
               on_chunk=take)
    assert [s.tolist() for s in seen] == [[i, i + 1] for i in range(0, 40, 2)]
    # Besides the chunk being handed over, only chunks that arrived early are held.
    window = IN_FLIGHT_PER_THREAD * len(cluster.workers)
    assert max(held) <= window + 1
    expected: list[np.ndarray] = []
    run_chunks(prep, SMALL["seed"], 40, 7, post,
               on_chunk=lambda c: expected.append(c.stocks[:, -1].copy()))
    np.testing.assert_array_equal(np.concatenate(ends), np.concatenate(expected))
