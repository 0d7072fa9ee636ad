"""The fuzz suite's two profiles and its tally.

``FFCAST_FUZZ=long`` (``make fuzz``) runs thousands of cases; otherwise (``make test``, CI)
a few dozen, in well under a minute. Each test adds its cases to a session tally, printed
at the end of the run with the time it took, so ``make fuzz`` reports its own figures.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))  # the suite's own strategies (fuzz_strategies)
from fuzz_strategies import CASES, LONG

for _name, (_ci, _long) in CASES.items():
    settings.register_profile(
        f"ffcast-fuzz-{_name}", max_examples=_long if LONG else _ci, deadline=None,
        derandomize=not LONG,  # CI: the same cases every run; long: new ones every time
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.filter_too_much])

TALLY: Counter[str] = Counter()
FAILED: Counter[str] = Counter()
_T0 = time.perf_counter()


@pytest.fixture(scope="session")
def tally() -> Counter[str]:
    """Cases run per category (tests add to it)."""
    return TALLY


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.failed and "tests/fuzz" in report.nodeid:
        FAILED[report.nodeid.split("::")[-1]] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TALLY:
        return
    profile = "long" if LONG else "ci"
    parts = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in sorted(TALLY.items()))
    terminalreporter.write_line(
        f"ffcast fuzz ({profile} profile): {parts}; failing tests {sum(FAILED.values())}; "
        f"{time.perf_counter() - _T0:.0f} s")
