"""Falsify "identical across workers": in-process, ``workers=2`` and ``scheduler=`` agree."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
from distributed import LocalCluster

from ffcast import results
from ffcast.calibrate.posterior import resolve as resolve_posterior
from ffcast.distributed import IN_FLIGHT_PER_THREAD, run_chunks
from ffcast.engine import ChunkResult, prepare
from ffcast.runner import Headline, run

pytestmark = pytest.mark.distributed


def assert_same_headline(a: Headline, b: Headline) -> None:
    assert a.parameters == b.parameters and a.countries == b.countries
    np.testing.assert_array_equal(a.draws, b.draws)
    assert a.pathways.keys() == b.pathways.keys()
    for k in a.pathways:
        np.testing.assert_array_equal(a.pathways[k], b.pathways[k], err_msg=k)
    for f in ("returned_by_country", "attacks", "attack_deaths", "travelled"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


@pytest.mark.parametrize("ext", [".nc", ".zarr"])
def test_same_seed_same_numbers_and_files_in_process_local_and_by_address(
        ext: str, small: dict[str, Any], tmp_path: Path, cluster: LocalCluster,
        dask_tmp: Path) -> None:
    ref = run(**small, out=tmp_path / f"inprocess{ext}")
    local = run(**small, out=tmp_path / f"local{ext}", workers=2)
    remote = run(**small, out=tmp_path / f"remote{ext}", scheduler=cluster.scheduler_address)
    assert ref.parameters.startswith("posterior")  # the shipped posterior goes to workers too
    assert_same_headline(ref, local)
    assert_same_headline(ref, remote)
    expected = results.read(tmp_path / f"inprocess{ext}")
    assert expected.sizes["draw"] == small["draws"]
    for name in ("local", "remote"):
        xr.testing.assert_identical(results.read(tmp_path / f"{name}{ext}"), expected)
    assert list(dask_tmp.iterdir()) == []  # the local cluster's scratch space is removed


@pytest.mark.usefixtures("one_numba_thread")
def test_priors_identical_across_workers(small: dict[str, Any],
                                         cluster: LocalCluster) -> None:
    kw = {**small, "posterior": None, "chunk_size": 3}
    assert_same_headline(run(**kw), run(**kw, scheduler=cluster.scheduler_address))


@pytest.mark.usefixtures("one_numba_thread")
def test_chunks_arrive_in_draw_order_with_few_held(small: dict[str, Any],
                                                   cluster: LocalCluster) -> None:
    prep = prepare(small["scenario"], end=small["end"], countries=small["countries"])
    post = resolve_posterior("auto", prep.scenario.cutoff)
    seen: list[list[int]] = []
    ends: list[np.ndarray] = []
    alive: list[weakref.ref[ChunkResult]] = []
    held: list[int] = []

    def take(chunk: ChunkResult) -> None:
        seen.append(chunk.draws.tolist())
        ends.append(chunk.stocks[:, -1].copy())
        alive.append(weakref.ref(chunk))
        gc.collect()
        held.append(sum(r() is not None for r in alive))

    run_chunks(prep, small["seed"], 40, 2, post, scheduler=cluster.scheduler_address,
               on_chunk=take)
    assert seen == [[i, i + 1] for i in range(0, 40, 2)]
    # Besides the chunk being handed over, only chunks that arrived early are held.
    assert max(held) <= IN_FLIGHT_PER_THREAD * len(cluster.workers) + 1
    expected: list[np.ndarray] = []
    run_chunks(prep, small["seed"], 40, 7, post,
               on_chunk=lambda c: expected.append(c.stocks[:, -1].copy()))
    np.testing.assert_array_equal(np.concatenate(ends), np.concatenate(expected))


def test_in_process_run_does_not_import_dask() -> None:
    code = ("import sys; from ffcast.runner import run; "
            "run(draws=2, end='2017-06', countries=['FRA'], posterior=None); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "NUMBA_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
