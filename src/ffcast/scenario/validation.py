"""Turn pydantic errors into one line per problem naming the field and the fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from ffcast.errors import ScenarioError


def nearest(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""``."""
    match = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.5)
    return f"; did you mean {match[0]!r}?" if match else ""


def check_countries(codes: list[str]) -> list[str]:
    """Upper-case ISO3 codes, raising ValueError naming unknown ones (with a suggestion)."""
    from ffcast import data

    out = []
    known = data.countries()["iso3"].tolist()
    for code in codes:
        c = str(code).strip().upper()
        if not data.is_known_iso3(c):
            raise ValueError(f"unknown country {code!r}{nearest(c, known)} (use ISO3 codes)")
        out.append(c)
    return out


def _model_in(annotation: Any) -> Any:
    """The pydantic model inside an annotation (Optional[M], dict[str, M], M), else it."""
    import typing

    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is dict and len(args) == 2:
        return _model_in(args[1])
    for a in (annotation, *args):
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
    return annotation


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Valid keys of the sub-model at ``loc`` (aliases included), for suggestions.

    Steps through nested models and through mapping-valued fields (their keys are free,
    e.g. ``parameters.death_base`` or ``pathways.by_region.western_europe``).
    """
    current: Any = model
    parts = list(loc[:-1])
    while parts:
        part = parts.pop(0)
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(str(part))
        if field is None:
            field = next((f for f in current.model_fields.values() if f.alias == part), None)
        if field is None:
            return []
        import typing

        if typing.get_origin(field.annotation) is dict and parts:
            parts.pop(0)  # the free mapping key
        current = _model_in(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or n for n, f in current.model_fields.items()]
    return []


def format_errors(exc: ValidationError, model: type[BaseModel], origin: str) -> ScenarioError:
    """One ScenarioError whose message has one line per problem: ``origin: field: msg``."""
    lines = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        where = ".".join(str(p) for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            hint = nearest(str(loc[-1]), _fields_at(model, loc))
            msg = f"unknown key{hint}" if hint else "unknown key; remove it (see `ffcast " \
                "scenarios show baseline` for valid keys)"
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
        lines.append(f"{origin}: {where}: {msg}")
    return ScenarioError("\n".join(lines))
