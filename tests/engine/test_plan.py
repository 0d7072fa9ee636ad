"""Falsify "the plan is the code": the compiled month runs exactly STEP_ORDER, in order.

Also checks that every engine function is cached under a stamp of *all* engine sources
(engine/jit.py), so editing one module can never leave another's stale compiled code in use.
"""

from __future__ import annotations

import ast
import inspect
import textwrap

from numba.core.dispatcher import Dispatcher

from ffcast.engine import (
    STEP_ORDER,
    attacks,
    clock,
    hazards,
    home,
    jit,
    kernel,
    loop,
    rng,
    sampling,
    theatre,
)


def _calls_in_order(func: object) -> list[str]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))  # type: ignore[arg-type]
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Name)]
    calls.sort(key=lambda n: (n.lineno, n.col_offset))
    return [n.func.id for n in calls]  # type: ignore[attr-defined]


def test_the_month_runs_the_steps_of_step_order_in_that_order() -> None:
    steps = [name for name in _calls_in_order(kernel.month.py_func) if name.startswith("step_")]
    assert steps == [f"step_{s}" for s in STEP_ORDER]


def test_every_step_is_a_compiled_kernel_function_with_a_docstring() -> None:
    for step in STEP_ORDER:
        fn = getattr(kernel, f"step_{step}")
        assert isinstance(fn, Dispatcher), step
        assert (fn.py_func.__doc__ or "").strip(), step


def test_the_chunk_loop_calls_the_month_once_per_month() -> None:
    assert _calls_in_order(loop.simulate_draw.py_func).count("month") == 1
    assert kernel.STEP_ORDER is STEP_ORDER


def test_profile_steps_follow_the_plan() -> None:
    """``timings`` names steps by position in STEP_ORDER: the ticks in month() count up."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(kernel.month.py_func)))
    ticks = [n.args[1].value for n in ast.walk(tree) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Attribute) and n.func.attr == "tick"]
    assert sorted(ticks) == list(range(len(STEP_ORDER)))


def test_every_engine_function_is_cached_under_the_stamp_of_all_engine_sources() -> None:
    for module in (kernel, loop, hazards, rng, sampling, clock, theatre, home, attacks):
        for name, obj in vars(module).items():
            if isinstance(obj, Dispatcher) and obj.py_func.__module__ == module.__name__:
                locator = obj._cache._impl._locator
                assert type(locator).__name__.startswith("Engine"), (module.__name__, name)
                assert locator.get_source_stamp() == jit.fingerprint()


def test_the_stamp_covers_the_prior_table_and_every_compiled_engine_module() -> None:
    names = {p.name for p in jit.SOURCES}
    assert {"layout.py", "slots.py", "priors.py", "regions.py"} <= names
    compiled = {p.stem for p in jit.ENGINE_DIR.glob("*.py") if "@njit" in p.read_text()}
    assert compiled <= set(jit.COMPILED_MODULES)


def test_warm_up_runs_every_compiled_path() -> None:
    """``make run`` calls it after installing, so later commands load the cache."""
    from ffcast.engine.warm import warm_up

    assert warm_up() > 0
