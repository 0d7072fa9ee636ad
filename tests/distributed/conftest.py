"""A small run and a shared two-worker LocalCluster for the distributed tests.

Runs are kept small (three countries, to 2018-12, tens of draws) because the test machine
has two cores; every cluster writes its scratch files under pytest's tmp directory.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import pytest
from distributed import LocalCluster

SMALL: dict[str, Any] = {"scenario": "baseline", "draws": 24, "seed": 11, "end": "2018-12",
                         "countries": ["FRA", "TUN", "BEL"], "chunk_size": 5}


def local_cluster(directory: Path, n_workers: int = 2) -> LocalCluster:
    """A LocalCluster configured like the one ``workers=N`` starts."""
    return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                        local_directory=str(directory), dashboard_address=None,
                        silence_logs=logging.ERROR)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    with local_cluster(tmp_path_factory.mktemp("dask-cluster")) as c:
        yield c


@pytest.fixture(autouse=True)
def dask_tmp(tmp_path: Path) -> Iterator[Path]:
    """Dask's temporary directory for this test (not /tmp/dask-scratch-space)."""
    scratch = tmp_path / "dask-tmp"
    scratch.mkdir()
    with dask.config.set({"temporary-directory": str(scratch)}):
        yield scratch
