"""A dashboard served on 127.0.0.1 (free port, background thread) and Debian's Chromium."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from ffcast.dashboard.app import Runner, create_app

LOAD_SCRIPT = Path(__file__).parents[2] / "benchmarks" / "dashboard_load.py"


@pytest.fixture(scope="session")
def load_module() -> ModuleType:
    """benchmarks/dashboard_load.py (serve, run_payload, load) imported by path."""
    spec = importlib.util.spec_from_file_location("dashboard_load", LOAD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def dashboard(load_module: ModuleType) -> Iterator[tuple[str, object]]:
    """(url, app) of a dashboard with its own cache, stopped after the session."""
    app = create_app(Runner())
    url, server = load_module.serve(app)
    yield url, app
    server.shutdown()
