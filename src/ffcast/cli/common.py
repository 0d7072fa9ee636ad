"""Helpers shared by all CLI command modules."""

from __future__ import annotations

import functools
import json
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
    """Print ``obj`` as JSON on stdout (NaN -> null, dates -> ISO strings)."""
    typer.echo(json.dumps(obj, indent=2, default=_default, allow_nan=False))


def _default(obj: Any) -> Any:
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
