"""Small real runs shared by the results tests (three countries, 2011-01 to 2018-12)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from ffcast.engine import Prepared, prepare, run_chunk
from ffcast.results import to_dataset

SEED = 7
COUNTRIES = ["FRA", "TUN", "BEL"]
CHUNKS = (np.arange(0, 3), np.arange(3, 6), np.arange(6, 9))


@pytest.fixture(scope="session")
def seed() -> int:
    return SEED


@pytest.fixture(scope="session")
def prep() -> Prepared:
    return prepare("baseline", end="2018-12", countries=COUNTRIES)


@pytest.fixture(scope="session")
def chunks(prep: Prepared) -> list[xr.Dataset]:
    """Three chunk Datasets of three draws each (draws 0..8)."""
    return [to_dataset(prep, run_chunk(prep, SEED, d), SEED) for d in CHUNKS]


@pytest.fixture(scope="session")
def ds(chunks: list[xr.Dataset]) -> xr.Dataset:
    """The nine draws as one Dataset."""
    return xr.concat(chunks, dim="draw", combine_attrs="override")


@pytest.fixture(scope="session")
def late_prep() -> Prepared:
    """Records from 2015-01: most travellers arrived before the first recorded month."""
    return prepare("baseline", start="2015-01", end="2018-12", countries=COUNTRIES)


@pytest.fixture(scope="session")
def late_ds(late_prep: Prepared) -> xr.Dataset:
    return to_dataset(late_prep, run_chunk(late_prep, SEED, np.arange(6)), SEED)
