"""Turn pydantic errors into one line per problem naming the field and the fix."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from ffcast.errors import ScenarioError, echo, suggestion


def check_countries(codes: list[str]) -> list[str]:
    """Upper-case ISO3 codes, raising ValueError naming unknown ones (with a suggestion)."""
    from ffcast import data

    out = []
    known = data.countries()["iso3"].tolist()
    for code in codes:
        c = str(code).strip().upper()
        if not data.is_known_iso3(c):
            raise ValueError(f"unknown country {echo(code)}{suggestion(c, known)}; fix: use "
                             "ISO3 codes, e.g. FRA (`ffcast data best` lists them)")
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


_BOUNDS = {"less_than_equal": "at most {le}", "less_than": "below {lt}",
           "greater_than_equal": "at least {ge}", "greater_than": "above {gt}"}


def explain(err: dict[str, Any]) -> str:
    """One pydantic error as ``rule (got X); fix: ...`` in the project's words."""
    kind, ctx = err["type"], err.get("ctx") or {}
    got = echo(err.get("input"), 40)
    if kind in _BOUNDS:
        bound = _BOUNDS[kind].format(**{k: f"{v:g}" if isinstance(v, float) else v
                                        for k, v in ctx.items()})
        return f"must be {bound} (got {got}); fix: use a value within the field's bounds"
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
        return f"must be a number (got {got}); fix: write a plain number such as 0.3"
    if kind in ("string_type", "string_too_long", "string_too_short", "missing",
                "dict_type", "list_type", "model_type", "bool_type", "bool_parsing"):
        return f"{err['msg'].lower()} (got {got})"
    return str(err["msg"]).removeprefix("Value error, ")


def format_errors(exc: ValidationError, model: type[BaseModel], origin: str) -> ScenarioError:
    """One ScenarioError naming the first problem (``origin: field: rule; fix``) and how many
    more there are, with every echoed value cut to a few dozen characters."""
    # A misspelled key also makes its real key "missing": report the misspelling, it has the fix.
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    lines = []
    for err in errors[:1]:
        loc = tuple(err["loc"])
        where = ".".join(echo(p, 40).strip("'\"") for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            hint = suggestion(str(loc[-1]), _fields_at(model, loc))
            msg = f"unknown key{hint}" if hint else "unknown key; remove it (see `ffcast " \
                "scenarios show baseline` for valid keys)"
        else:
            msg = explain(err)
        lines.append(f"{origin}: {where}: {msg}")
    more = [".".join(echo(p, 40).strip("'\"") for p in e["loc"]) for e in errors[1:]]
    shown = ", ".join(dict.fromkeys(more[:3])) + (", ..." if len(more) > 3 else "")
    tail = f" (and {len(more)} more: {shown})" if more else ""
    return ScenarioError("\n".join(lines) + tail)
