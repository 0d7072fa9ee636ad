"""Run draw chunks on Dask workers and hand them back in draw order.

Warning first: ``workers=N`` starts worker processes with the ``spawn`` method, which
re-imports the calling script, so a script that runs ffcast this way needs an
``if __name__ == "__main__":`` guard (the ``ffcast`` command and pytest already have one).
Workers must run the same ffcast version as the client (each task checks and raises
:class:`FFCastError` if not). A worker holds one chunk per task thread, so memory per
worker is about one chunk (``chunk_size`` draws of every variable).
The numbers are bit-identical to an in-process run whatever the number of workers, chunk
placement or retries, because every random number is addressed by (seed, draw, stream,
month, country) (see :mod:`ffcast.engine.rng`): a chunk is a pure function of (prepared
run, seed, draw indices, posterior), so a chunk recomputed on another worker after a crash
is the same chunk.

Chunks reach ``on_chunk`` in draw order, exactly as the in-process loop produces them, so a
results writer and the headline see the same sequence. Completed chunks that arrive early
are buffered; at most ``2 x worker threads`` chunks are submitted or buffered at any time,
so the client holds a few chunks, never the whole ensemble.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ffcast.errors import FFCastError

if TYPE_CHECKING:
    from distributed import Client, LocalCluster

    from ffcast.engine import ChunkResult, Prepared, Recording

OnChunk = Callable[["ChunkResult"], None]

CONNECT_TIMEOUT = 10.0  # seconds to reach a --scheduler before giving up
WORKER_WAIT = 60.0  # seconds to wait for a first worker on an external cluster
IN_FLIGHT_PER_THREAD = 2  # chunks submitted or buffered per worker thread
TASK_RETRIES = 2  # a task that raises is rerun; a lost worker's tasks are rescheduled anyway


def chunk_ids(draws: int | np.ndarray, chunk_size: int) -> list[np.ndarray]:
    """Draw indices (``draws`` a count or explicit indices) split into chunks, in order."""
    assert chunk_size >= 1, "validated at the door (ffcast.options)"
    idx = np.arange(draws) if np.isscalar(draws) else np.asarray(draws, dtype=np.int64)
    return [idx[i:i + chunk_size] for i in range(0, len(idx), chunk_size)]


def simulate_chunk(prep: Prepared, seed: int, ids: np.ndarray,
                   posterior: Any | None, record: Recording | None = None) -> ChunkResult:
    """One chunk: the posterior's particles (if any: their parameters, and their stored
    states or their noise for the history), then the engine, recording ``record``
    (default every month from ``prep.record_from``). Pure and retry-safe."""
    from ffcast.engine import run_chunk

    record = _record(prep, record)
    if posterior is None:
        return run_chunk(prep, seed, ids, record=record)
    return run_chunk(prep, seed, ids, record=record,
                     **posterior.chunk_inputs(prep, seed, ids, record))


def _record(prep: Prepared, record: Recording | None) -> Recording:
    from ffcast.engine import Recording

    if record is None:
        return Recording.every_month(prep)
    return record


def _worker_task(prep: Prepared, seed: int, ids: np.ndarray, inputs: dict[str, Any],
                 version: str, record: Recording | None = None) -> ChunkResult:
    """A chunk on a worker: ``inputs`` are the chunk's own run_chunk arguments from the
    posterior (its particles' parameters and states: a few MB), never the whole posterior
    (its particle states are ~100 MB)."""
    import numba

    from ffcast import version as installed

    if installed.__version__ != version:
        raise FFCastError(f"--scheduler: a worker runs ffcast {installed.__version__}, this "
                          f"client {version}; fix: install the same version on every worker")
    # One numba thread per task: worker processes already use every core between them.
    numba.set_num_threads(1)
    from ffcast.engine import run_chunk

    return run_chunk(prep, seed, ids, record=record, **inputs)


def run_chunks(prep: Prepared, seed: int, draws: int | np.ndarray, chunk_size: int,
               posterior: Any | None = None, workers: int | None = None,
               scheduler: str | None = None, on_chunk: OnChunk | None = None, *,
               on_start: Callable[[], None] | None = None,
               local_directory: str | Path | None = None,
               connect_timeout: float | None = None,
               record: Recording | None = None) -> None:
    """Simulate ``draws`` in chunks of ``chunk_size`` and call ``on_chunk`` on each, in order.

    Arguments are trusted: :class:`ffcast.options.RunOptions` checked them at the door
    (use :func:`ffcast.runner.prepare_run` and ``Run.chunks`` rather than calling this).

    With neither ``workers`` nor ``scheduler`` the chunks run here, one after another.
    ``workers=N`` starts a local Dask cluster of N single-threaded processes (scratch files in
    ``local_directory``, default a temporary directory removed afterwards) and closes it at
    the end; ``scheduler="tcp://HOST:PORT"`` uses an existing cluster. ``on_start`` is
    called once the work can start (after a cluster is connected). ``posterior`` is
    anything with ``chunk_inputs(prep, seed, ids, record)`` (a
    :class:`ffcast.calibrate.Posterior`) or None for the priors; ``record`` the months
    each chunk records (default every month from ``prep.record_from``). Raises
    :class:`FFCastError` for a scheduler that cannot be reached
    within ``connect_timeout`` seconds (default :data:`CONNECT_TIMEOUT`) or a cluster
    without workers; exceptions from ``on_chunk`` or a
    task propagate after the cluster is released.
    """
    chunks = chunk_ids(draws, chunk_size)
    take = on_chunk or (lambda chunk: None)
    start = on_start or (lambda: None)
    if workers is None and scheduler is None:
        start()
        for ids in chunks:
            take(simulate_chunk(prep, seed, ids, posterior, record))
        return
    with client(workers, scheduler, local_directory,
                 CONNECT_TIMEOUT if connect_timeout is None else connect_timeout) as dask:
        start()  # connected, with a worker: the work starts
        _stream(dask, prep, seed, chunks, posterior, take, record)


def _stream(dask: Client, prep: Prepared, seed: int, chunks: list[np.ndarray],
            posterior: Any | None, take: OnChunk, record: Recording | None = None) -> None:
    """Submit a sliding window of chunk tasks; release results to ``take`` in order.

    Inputs travel with each task (a few MB at most) rather than as scattered data: when a
    worker dies, scattered data it held can be lost and its dependants cancelled, whereas a
    self-contained task is simply rescheduled. A chunk whose future is cancelled anyway is
    resubmitted under a fresh key, up to TASK_RETRIES times.
    """
    from distributed import as_completed

    from ffcast.version import __version__

    cancelled = _cancelled_errors()
    window = IN_FLIGHT_PER_THREAD * max(1, sum(dask.nthreads().values()))
    run_id = uuid.uuid4().hex[:12]
    index: dict[str, int] = {}
    attempts: dict[int, int] = {}
    outstanding: dict[int, Any] = {}
    arrived: dict[int, ChunkResult] = {}
    done = as_completed(loop=dask.loop)
    next_submit = next_release = 0

    record = _record(prep, record)

    def submit(i: int) -> None:
        attempts[i] = attempts.get(i, 0) + 1
        inputs = {} if posterior is None else posterior.chunk_inputs(prep, seed, chunks[i],
                                                                      record)
        fut = dask.submit(_worker_task, prep, seed, chunks[i], inputs, __version__, record,
                          key=f"ffcast-chunk-{run_id}-{i}-{attempts[i]}",
                          retries=TASK_RETRIES, pure=False)
        index[fut.key] = i
        outstanding[i] = fut
        done.add(fut)

    def fill() -> None:
        nonlocal next_submit
        # Submitted + buffered never exceeds the window, so a slow early chunk cannot make
        # the buffer of later chunks grow without bound.
        while next_submit < len(chunks) and next_submit < next_release + window:
            submit(next_submit)
            next_submit += 1

    try:
        fill()
        for fut in done:
            i = index.pop(fut.key)
            try:
                result = fut.result()
            except cancelled:
                if attempts[i] > TASK_RETRIES:
                    raise
                submit(i)
                continue
            arrived[i] = result
            del outstanding[i]
            fut.release()
            while next_release in arrived:
                take(arrived.pop(next_release))
                next_release += 1
            fill()
    finally:
        if outstanding:
            dask.cancel(list(outstanding.values()))


def _cancelled_errors() -> tuple[type[BaseException], ...]:
    import asyncio
    import concurrent.futures

    errors: list[type[BaseException]] = [asyncio.CancelledError,
                                         concurrent.futures.CancelledError]
    try:
        from distributed.client import FutureCancelledError

        errors.append(FutureCancelledError)
    except ImportError:  # older distributed: cancellations are CancelledError
        pass
    return tuple(errors)


def local_cluster(workers: int, local_directory: str | Path) -> LocalCluster:
    """A Dask LocalCluster of ``workers`` single-threaded processes, as ``workers=N`` starts.

    Scratch files of the scheduler and workers go under ``local_directory``; no dashboard,
    and the scheduler's HTTP endpoint takes a free local port (not 8787, which another
    cluster on the machine may hold). Close it (or use it as a context manager) when done.
    """
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True,
        local_directory=str(Path(local_directory) / "workers"), dashboard_address=None,
        scheduler_kwargs={"local_directory": str(Path(local_directory) / "scheduler"),
                          "dashboard_address": "127.0.0.1:0"},
        silence_logs=logging.ERROR)


@contextlib.contextmanager
def client(workers: int | None, scheduler: str | None,
           local_directory: str | Path | None = None,
           timeout: float = CONNECT_TIMEOUT) -> Iterator[Client]:
    """A Dask client: on a new local cluster of ``workers`` processes (closed afterwards) or
    on the existing cluster at ``scheduler`` (waiting up to :data:`WORKER_WAIT` s for a
    worker). Raises :class:`FFCastError` when the scheduler cannot be reached in time."""
    from distributed import Client

    with contextlib.ExitStack() as stack:
        if scheduler is not None:
            dask_client = stack.enter_context(_connect(Client, scheduler, timeout))
        else:
            if local_directory is None:
                import dask

                # Not /tmp/dask-scratch-space: a private directory, removed afterwards.
                local_directory = stack.enter_context(tempfile.TemporaryDirectory(
                    prefix="ffcast-dask-", dir=dask.config.get("temporary-directory", None),
                    ignore_cleanup_errors=True))
            assert workers is not None
            cluster = stack.enter_context(local_cluster(workers, local_directory))
            dask_client = stack.enter_context(Client(cluster, set_as_default=False))
        yield dask_client


def _connect(client_cls: type[Client], scheduler: str, timeout: float) -> Client:
    try:
        client = client_cls(scheduler, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = " ".join(str(exc).split())
        raise FFCastError(f"--scheduler: cannot connect to {scheduler} within {timeout:g} s "
                          f"({reason}); fix: start `dask scheduler` there and check the "
                          "address, or drop --scheduler") from None
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise FFCastError(f"--scheduler: no worker joined {scheduler} within {WORKER_WAIT:g} "
                          "s; fix: start `dask worker` processes pointing at it") from exc
    return client
