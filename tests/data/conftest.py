"""Fixtures for the data tests: a private override directory for corrupted copies."""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import pytest

from ffcast.data import DATA_DIR_ENV


def embedded_text(file: str) -> str:
    """Text of an embedded dataset file."""
    return files("ffcast.data").joinpath("files", file).read_text(encoding="utf-8")


@pytest.fixture
def override_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty FFCAST_DATA_DIR: files written here replace the embedded ones."""
    directory = tmp_path / "data"
    directory.mkdir()
    monkeypatch.setenv(DATA_DIR_ENV, str(directory))
    return directory


@pytest.fixture
def corrupt(override_dir: Path) -> Callable[[str, Callable[[list[str]], list[str]]], Path]:
    """Write an edited copy of an embedded file into the override dir; return its path.

    The edit function receives the file's lines (header first) and returns new lines.
    """

    def write(file: str, edit: Callable[[list[str]], list[str]]) -> Path:
        lines = embedded_text(file).splitlines()
        path = override_dir / file
        path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
        return path

    return write
