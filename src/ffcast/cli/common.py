"""Helpers shared by all CLI command modules."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from ffcast.errors import FFCastError

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Turn :class:`FFCastError` into one line on stderr and exit code 2 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FFCastError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=2) from exc

    return wrapper  # type: ignore[return-value]


def echo_json(obj: Any) -> None:
    """Print ``obj`` as JSON on stdout (NaN/NA/NaT -> null, dates -> ISO strings)."""
    typer.echo(json.dumps(_clean(obj), indent=2, default=_default, allow_nan=False))


def _clean(obj: Any) -> Any:
    # json.dumps never calls `default` for floats, so NaN must be replaced before dumping.
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if hasattr(obj, "to_dict") and hasattr(obj, "columns"):  # a DataFrame: list of records
        return [_clean(r) for r in obj.to_dict("records")]
    if isinstance(obj, str | bool) or obj is None:
        return obj
    if _is_missing(obj):
        return None
    if hasattr(obj, "item") and not hasattr(obj, "isoformat"):  # numpy scalar
        return _clean(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _is_missing(obj: Any) -> bool:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a hard dependency
        return isinstance(obj, float) and math.isnan(obj)
    try:
        return bool(pd.isna(obj))
    except (TypeError, ValueError):  # arrays and other containers are not "missing"
        return False


def _default(obj: Any) -> Any:
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
