"""Lost workers, unreachable schedulers and misuse: a run completes identically or says why."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from distributed import Client, LocalCluster
from typer.testing import CliRunner

import ffcast
from ffcast import distributed as dist
from ffcast.calibrate.posterior import resolve as resolve_posterior
from ffcast.cli import app
from ffcast.engine import ChunkResult, Recording, prepare
from ffcast.errors import FFCastError
from ffcast.runner import run

pytestmark = pytest.mark.distributed
cli = CliRunner()
REFUSED = "tcp://127.0.0.1:1"  # nothing listens on port 1
FAST = ["--draws", "6", "--seed", "3", "--end", "2018-12", "--chunk-size", "3"]


def _summary(chunk: ChunkResult) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return chunk.draws.copy(), chunk.stocks[:, -1].copy(), chunk.flows.sum(axis=1)


def _busy_workers(dask_scheduler: Any) -> dict[str, tuple[int, list[str]]]:
    return {addr: (ws.pid, [str(ts.key) for ts in ws.processing])
            for addr, ws in dask_scheduler.workers.items()}


def _kill_a_busy_worker(spy: Client, patience: float = 1.0) -> tuple[int, list[str]] | None:
    """SIGKILL a worker process while it runs a chunk: its pid and tasks (None if all idle)."""
    stop = time.monotonic() + patience
    while time.monotonic() < stop:
        for pid, running in spy.run_on_scheduler(_busy_workers).values():
            if any(k.startswith("ffcast-chunk-") for k in running):
                os.kill(pid, signal.SIGKILL)
                return pid, running
        time.sleep(0.005)
    return None  # every submitted chunk had finished; try again at the next chunk


@pytest.mark.usefixtures("one_numba_thread")
def test_worker_killed_mid_run_still_gives_identical_numbers(tmp_path: Path) -> None:
    # All countries from 2011 so that one chunk takes long enough to be caught running, and
    # only the last month recorded (flows since 2011), so that the client's share of the work
    # (unpickling results) stays small: with every month recorded, a clean CI run once found
    # every submitted chunk finished each time a chunk arrived.
    prep = prepare("baseline", end="2019-12")
    post = resolve_posterior("auto", prep.scenario.cutoff)
    record = Recording(np.array([len(prep.months) - 1]), flows_from=0)
    seed, draws, size = 5, 96, 12
    expected: list[tuple[np.ndarray, ...]] = []
    dist.run_chunks(prep, seed, draws, size, post, record=record,
                    on_chunk=lambda c: expected.append(_summary(c)))
    got: list[tuple[np.ndarray, ...]] = []
    killed: list[tuple[int, list[str]]] = []
    at_chunk: list[int] = []
    with dist.local_cluster(2, tmp_path / "dask") as cluster, \
            Client(cluster, set_as_default=False) as spy:

        def take(chunk: ChunkResult) -> None:
            got.append(_summary(chunk))
            if not killed and (victim := _kill_a_busy_worker(spy)) is not None:
                killed.append(victim)
                at_chunk.append(len(got))

        dist.run_chunks(prep, seed, draws, size, post, scheduler=cluster.scheduler_address,
                        on_chunk=take, record=record)
        assert killed, "no worker was ever caught running a chunk"
        pid, running = killed[0]
        assert running and at_chunk[0] < draws // size  # it died running a chunk, mid-run
        alive = {p for p, _ in spy.run_on_scheduler(_busy_workers).values()}
        assert pid not in alive
    assert len(got) == len(expected) == draws // size
    for (d0, s0, f0), (d1, s1, f1) in zip(expected, got, strict=True):
        np.testing.assert_array_equal(d0, d1)
        np.testing.assert_array_equal(s0, s1)
        np.testing.assert_array_equal(f0, f1)


def _set_version(v: str) -> None:
    import ffcast.version

    ffcast.version.__version__ = v


def test_worker_with_another_ffcast_version_is_refused(small: dict[str, Any],
                                                        cluster: LocalCluster) -> None:
    with Client(cluster, set_as_default=False) as client:
        client.run(_set_version, "0.0.0-other")
        try:
            with pytest.raises(FFCastError, match=r"ffcast 0\.0\.0-other"):
                run(**small, scheduler=cluster.scheduler_address)
        finally:
            client.run(_set_version, ffcast.__version__)


def test_scheduler_without_workers_is_an_error(small: dict[str, Any], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dist, "WORKER_WAIT", 0.5)
    with dist.local_cluster(0, tmp_path / "dask") as empty, \
            pytest.raises(FFCastError, match="--scheduler: no worker"):
        run(**small, scheduler=empty.scheduler_address)


def test_unreachable_scheduler_is_one_line_exit_2(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dist, "CONNECT_TIMEOUT", 1.0)
    out = tmp_path / "out.nc"
    res = cli.invoke(app, ["run", *FAST, "--scheduler", REFUSED, "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert len(res.stderr.strip().splitlines()) == 1
    assert "--scheduler" in res.stderr and REFUSED in res.stderr
    assert "Traceback" not in res.output
    assert list(tmp_path.iterdir()) == [tmp_path / "dask-tmp"]  # nothing written


def test_unreachable_scheduler_in_a_real_process_prints_one_line() -> None:
    # Dask logs to the process's stderr behind CliRunner's back; check the real stream.
    code = ("import sys; import ffcast.distributed as d; d.CONNECT_TIMEOUT = 1.0; "
            "from ffcast.cli import main; main(sys.argv[1:])")
    proc = subprocess.run([sys.executable, "-c", code, "run", *FAST, "--scheduler", REFUSED],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --scheduler:"), proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize("address", ["nonsense", "tcp://"])
def test_malformed_scheduler_address_is_an_error(small: dict[str, Any], address: str) -> None:
    with pytest.raises(FFCastError, match="scheduler"):
        run(**small, scheduler=address)


def test_workers_and_scheduler_together_is_an_error(tmp_path: Path) -> None:
    out = tmp_path / "out.zarr"
    res = cli.invoke(app, ["run", *FAST, "--workers", "2", "--scheduler", REFUSED,
                           "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert len(res.stderr.strip().splitlines()) == 1
    assert "--workers" in res.stderr and "scheduler" in res.stderr
    assert not out.exists()
    with pytest.raises(FFCastError, match="choose one"):
        run(draws=4, end="2018-12", out=out, workers=2, scheduler=REFUSED)
    assert not out.exists()


@pytest.mark.usefixtures("one_numba_thread")
def test_cli_workers_prints_the_in_process_headline() -> None:
    base = cli.invoke(app, ["run", *FAST, "--json"])
    spread = cli.invoke(app, ["run", *FAST, "--json", "--workers", "2"])
    assert base.exit_code == 0 and spread.exit_code == 0, spread.output
    assert base.stdout == spread.stdout
