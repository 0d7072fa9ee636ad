"""A small run and a shared two-worker LocalCluster for the distributed tests.

Runs are kept small (three countries, to 2018-12, tens of draws) because the test machine
has two cores; every cluster writes its scratch files under pytest's tmp directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import pytest
from distributed import LocalCluster

from ffcast.distributed import local_cluster


@pytest.fixture(scope="session")
def small() -> dict[str, Any]:
    """Keyword arguments of a small run: 24 draws in chunks of 5 (the last one short)."""
    return {"scenario": "baseline", "draws": 24, "seed": 11, "end": "2018-12",
            "countries": ["FRA", "TUN", "BEL"], "chunk_size": 5}


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """An explicit two-worker cluster, used by address through ``scheduler=``."""
    with local_cluster(2, tmp_path_factory.mktemp("dask-cluster")) as c:
        yield c


@pytest.fixture(autouse=True)
def dask_tmp(tmp_path: Path) -> Iterator[Path]:
    """Dask's temporary directory for this test (not /tmp/dask-scratch-space)."""
    scratch = tmp_path / "dask-tmp"
    scratch.mkdir()
    with dask.config.set({"temporary-directory": str(scratch)}):
        yield scratch


@pytest.fixture
def one_numba_thread() -> Iterator[None]:
    """In-process references on one numba thread, like the workers.

    Numbers do not depend on it (draws are independent); it only keeps the reference runs
    fast on a loaded two-core machine, where two OpenMP threads per step cost more than they
    save. The main identity test keeps the default thread count.
    """
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)
