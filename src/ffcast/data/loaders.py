"""Load the embedded datasets (validated, cached, returned as copies).

Warning: set ``FFCAST_DATA_DIR`` only for tests or deliberate overrides. When it names a
directory, a dataset file found there replaces the embedded one (files it lacks still come
from the package), and the replacement passes the same validation gate. Nothing is ever read
from the network or from outside the package otherwise.
"""

from __future__ import annotations

import functools
import os
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import pandas as pd

from ffcast.data.countries import country_frame, is_known_iso3
from ffcast.data.schema import SPECS, DatasetSpec
from ffcast.data.validate import Context, read_table, validate_frame
from ffcast.errors import FFCastError, did_you_mean, echo

DATA_DIR_ENV = "FFCAST_DATA_DIR"
# files/ has no __init__.py: address it from the regular package so wheels work too
_PACKAGE = "ffcast.data"


class UnknownDatasetError(FFCastError):
    """A dataset name that does not exist (message lists the valid names)."""


def names() -> list[str]:
    """Names of all datasets, in a stable order."""
    return list(SPECS)


def spec_of(name: str) -> DatasetSpec:
    """The spec of dataset ``name``.

    Raises:
        UnknownDatasetError: no such dataset; suggests the nearest name and lists all.
    """
    if name in SPECS:
        return SPECS[name]
    near = did_you_mean(name, SPECS)
    hint = f"did you mean {near!r}? " if near else ""
    raise UnknownDatasetError(
        f"dataset: unknown dataset {echo(name)}; {hint}valid names: {', '.join(SPECS)}"
    )


def load(name: str) -> pd.DataFrame:
    """Dataset ``name`` as a validated DataFrame (a fresh copy; the cache stays untouched).

    Raises:
        UnknownDatasetError: no such dataset.
        DataValidationError: the file breaks a rule of the gate (names file, row, rule).
    """
    spec = spec_of(name)
    return _cached(spec.name, data_state()).copy(deep=True)


def sources() -> pd.DataFrame:
    """The source registry: id, publisher, title, date, url, grade, notes."""
    return load("sources")


def countries() -> pd.DataFrame:
    """Every known country code with name, model region and region display name."""
    return load("countries")


def calibration_data(name: str) -> pd.DataFrame:
    """Rows of ``name`` a model may calibrate on: known by end 2016 (``post_cutoff`` False).

    Raises:
        FFCastError: ``name`` is backtest-only data (``validation_returnees``).
    """
    spec = spec_of(name)
    if not spec.calibration:
        raise FFCastError(
            f"dataset: {name!r} is for backtests only and never calibrates; "
            "use load() to read it for scoring"
        )
    frame = load(name)
    if "post_cutoff" in frame.columns:
        frame = frame.loc[~frame["post_cutoff"]].reset_index(drop=True)
    return frame


def context(skip_sources: bool = False) -> Context:
    """Validation context in effect: the source registry's ids and the country check."""
    ids = None if skip_sources else frozenset(load("sources")["id"])
    return Context(source_ids=ids, iso3_known=is_known_iso3)


def used_source_ids() -> set[str]:
    """Every source id cited by any dataset (";"-joined cells split)."""
    used: set[str] = set()
    for name, spec in SPECS.items():
        if spec.source_column is None:
            continue
        for cell in load(name)[spec.source_column]:
            used.update(part.strip() for part in str(cell).split(";") if part.strip())
    return used


def validate_file(name: str, path: str | Path) -> pd.DataFrame:
    """Validate the file at ``path`` as dataset ``name`` (e.g. a corrupted copy in a test).

    Sources are resolved against the registry currently in effect (embedded, or
    ``FFCAST_DATA_DIR``); when ``name`` is ``"sources"`` the file itself is the registry.

    Raises:
        DataValidationError: the file breaks a rule.
        FFCastError: ``name`` is not a dataset.
    """
    spec = spec_of(name)
    path = Path(path)
    raw = read_table(path, str(path), [c.name for c in spec.columns])
    ctx = context(skip_sources=spec.source_column is None)
    return validate_frame(spec.name, raw, str(path), ctx)


def locate(spec: DatasetSpec) -> tuple[Path | Traversable, str]:
    """Where the file of ``spec`` is read from, and the label used in error messages."""
    assert spec.file is not None
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        directory = Path(override)
        if not directory.is_dir():
            raise FFCastError(
                f"{DATA_DIR_ENV}: {override!r} is not a directory; "
                f"fix: point it at a directory of dataset files or unset it"
            )
        candidate = directory / spec.file
        if candidate.is_file():
            return candidate, str(candidate)
    return files(_PACKAGE).joinpath("files", spec.file), spec.file


def data_state() -> tuple[tuple[str, int], ...]:
    """A cache key for the data in effect: the override files present and their stamps.

    Empty when no override is set (the embedded files never change at run time). It covers
    every file, not only the one loaded, because validation reads the source registry too;
    it includes mtime and size so a test that rewrites a file in place gets the new content.
    """
    if not os.environ.get(DATA_DIR_ENV):
        return ()
    state = []
    for spec in SPECS.values():
        if spec.file is None:
            continue
        where, _ = locate(spec)
        if isinstance(where, Path):
            stat = where.stat()
            state.append((str(where), stat.st_mtime_ns * 1_000_003 + stat.st_size))
    return tuple(state)


@functools.cache
def _cached(name: str, state: tuple[tuple[str, int], ...]) -> pd.DataFrame:
    spec = SPECS[name]
    if spec.file is None:
        raw, label = country_frame(), "countries (built from pycountry)"
    else:
        path, label = locate(spec)
        raw = read_table(path, label, [c.name for c in spec.columns])
    frame = validate_frame(name, raw, label, context(skip_sources=spec.source_column is None))
    derive = _DERIVED.get(name)
    return derive(frame) if derive else frame


def _territory_shares(frame: pd.DataFrame) -> pd.DataFrame:
    # IHS's baseline: "in January 2015 ... some 90,800 sq km" (IHS2015); every later
    # IHS percentage is relative to it, so the share is comparable with the releases.
    frame["share_of_jan2015"] = frame["area_km2"] / TERRITORY_BASELINE_KM2
    return frame


TERRITORY_BASELINE_KM2 = 90_800.0
_DERIVED = {"territory": _territory_shares}
