"""Hypothesis strategies for ffcast's inputs: valid scenarios (anything the schema accepts,
edges included) and the run options that go with them.

The bounds are read from the code (fields, the prior table's ceilings), so the strategies
follow the schema when it changes; a generated scenario the schema refuses is a bug in one
of the two, and the tests say so.
"""

from __future__ import annotations

import math
import os
from functools import cache
from typing import Any

from hypothesis import strategies as st

from ffcast.data.regions import REGIONS
from ffcast.scenario.fields import CUTOFF_MAX, CUTOFF_MIN
from ffcast.scenario.priors import PARAMS, SEVERITY_ALPHA_FLOOR, Z_GUARD

PATHWAY_KEYS = ("return", "stay", "join_other", "relocate", "dispatch")
#: ``FFCAST_FUZZ=long`` (``make fuzz``) selects the long profile.
LONG = os.environ.get("FFCAST_FUZZ", "").lower() == "long"
# Cases per test: (CI profile, long profile). The long profile's valid scenarios alone are
# 2,000; its malformed inputs (scenarios, command lines, observation files) 1,200.
CASES = {
    "valid_scenarios": (8, 2000),
    "sampled_answers": (12, 600),
    "valid_cli": (4, 300),
    "malformed_scenarios": (30, 500),
    "malformed_arguments": (40, 400),
    "malformed_observations": (30, 300),
}


def month_index(text: str) -> int:
    year, month = map(int, text.split("-"))
    return year * 12 + month - 1


def month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months(low: str, high: str) -> st.SearchStrategy[str]:
    return st.integers(month_index(low), month_index(high)).map(month_text)


@cache
def countries() -> tuple[str, ...]:
    """Origin countries with an estimate at every supported cut-off."""
    from ffcast import data

    return tuple(sorted(data.best_estimates(as_of=CUTOFF_MIN)["iso3"]))


def unit(**kw: Any) -> st.SearchStrategy[float]:
    return st.floats(0.0, 1.0, allow_nan=False, **kw)


# The edges of the accepted ranges, drawn often on purpose: subnormal, tiny and huge values
# are where samplers underflow (issue 20: a beta spread of 5e-324 sampled NaN, a Dirichlet
# concentration of 0.001 ignored the means).
TINY = (5e-324, 1e-310, 1e-300, 1e-100, 1e-12)
BETA_SPREADS = (0.0, *TINY, 1e-3, 0.5, 1.0, 20.0, 1e3, 1e6)
PROBABILITY_MEANS = (0.0, 5e-324, 1e-300, 1e-12, 1e-6, 0.5, 1 - 1e-6, 1 - 1e-12, 1.0)
LOG_SPREADS = (0.0, *TINY, 3.0)
CONCENTRATIONS = (*TINY, 1e-3, 0.1, 1.0, 20.0, 1e4)


def edges(values: tuple[float, ...], rest: st.SearchStrategy[float]) -> st.SearchStrategy[float]:
    """One of ``values`` half the time, else ``rest``."""
    return st.one_of(st.sampled_from(values), rest)


def shares() -> st.SearchStrategy[dict[str, float]]:
    """Five pathway shares that sum to 1 (within the schema's 1e-6): vertices and zero shares
    included."""
    raw = st.lists(edges((0.0, 0.0, 5e-324, 1e-12, 1.0), st.floats(0.0, 1.0, allow_nan=False)),
                   min_size=5, max_size=5)
    return raw.filter(lambda v: sum(v) > 1e-3).map(
        lambda v: dict(zip(PATHWAY_KEYS, [x / sum(v) for x in v], strict=True)))


def multiplier() -> st.SearchStrategy[float]:
    return edges((0.0, 5e-324, 1e-300, 10.0), st.floats(0.0, 10.0, allow_nan=False))


def concentration() -> st.SearchStrategy[float]:
    """A Dirichlet concentration the schema accepts: (0, 1e4]."""
    return edges(CONCENTRATIONS, st.floats(0.0, 1e4, exclude_min=True, allow_nan=False))


@st.composite
def override(draw: st.DrawFn, name: str) -> dict[str, float]:
    """A prior override the schema accepts: no draw may pass the parameter's ceiling."""
    p = next(q for q in PARAMS if q.name == name)
    out: dict[str, float] = {}
    if p.dist == "beta":
        if draw(st.booleans()):
            out["mean"] = draw(edges(PROBABILITY_MEANS, unit()))
        if draw(st.booleans()):
            out["spread"] = draw(edges(BETA_SPREADS, st.floats(0.0, 1e6, allow_nan=False)))
        return out
    low = SEVERITY_ALPHA_FLOOR * (1 + 1e-9) if name == "severity_alpha" else 0.0
    spread = draw(st.one_of(st.none(), edges(LOG_SPREADS,
                                             st.floats(0.0, 3.0, allow_nan=False))))
    if spread is not None:
        out["spread"] = spread
    s = p.spread if spread is None else spread
    top = p.ceiling / math.exp(s * Z_GUARD) * (1 - 1e-9)
    if draw(st.booleans()) or p.largest_mean > top:
        if top <= low:  # this spread leaves no room for a mean: drop the spread instead
            out.pop("spread", None)
            top = p.ceiling / math.exp(p.spread * Z_GUARD) * (1 - 1e-9)
        tiny = st.sampled_from([0.0, 5e-324, 1e-300]) if low == 0 else st.nothing()
        out["mean"] = draw(st.one_of(tiny, st.floats(low, top, allow_nan=False)))
    return out


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A scenario dict the schema accepts, knobs anywhere in their bounds."""
    all_names = [p.name for p in PARAMS]
    collapse = st.fixed_dictionaries({}, optional={
        "midpoint": months("2011-01", "2040-12"),
        "midpoint_sd_months": st.floats(0.0, 24.0, allow_nan=False),
        "steepness_months": st.floats(0.5, 24.0, allow_nan=False, exclude_min=True),
        "residual_share": unit()})
    tilt = st.fixed_dictionaries({}, optional={k: multiplier() for k in PATHWAY_KEYS}).filter(
        lambda t: len(t) < 5 or max(t.values()) > 0)  # all five 0: refused (no pathway left)
    pathways = st.fixed_dictionaries({}, optional={
        "tilt": tilt, "all": shares(),
        "by_region": st.dictionaries(st.sampled_from(REGIONS), shares(), max_size=3),
        "concentration": concentration()})
    policy = st.fixed_dictionaries({}, optional={
        "start": months("2011-01", "2040-12"),
        "countries": st.lists(st.sampled_from(countries()), min_size=1, max_size=5,
                              unique=True),
        "prosecution_rate": unit(), "rehabilitation_uptake": unit(),
        "rehabilitation_effect": multiplier(), "border_control": unit(),
        "camp_repatriation": unit(), "dispatch_capacity": multiplier(),
        "detection_capacity": multiplier()})
    picked = draw(st.lists(st.sampled_from(all_names), max_size=8, unique=True))
    parameters = {n: draw(override(n)) for n in picked}
    base = draw(st.fixed_dictionaries({}, optional={
        "name": st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                        min_size=1, max_size=80),
        "description": st.text(max_size=200),
        "cutoff": months(CUTOFF_MIN, CUTOFF_MAX),
        "collapse": collapse, "pathways": pathways, "policy": policy}))
    if parameters:
        base["parameters"] = parameters
    cutoff = base.get("cutoff", "2016-12")
    shape = dict(base.get("collapse", {}))
    if shape.get("midpoint", "2017-07") <= cutoff:  # the collapse follows the cut-off
        shape["midpoint"] = draw(months(month_text(month_index(cutoff) + 1), "2040-12"))
    held = territory_held(cutoff)
    if shape.get("residual_share", 0.0) > held:  # a collapse, never an expansion
        shape["residual_share"] = draw(st.floats(0.0, held, allow_nan=False))
    if shape or "collapse" in base:
        base["collapse"] = shape
    return base


@cache
def territory_held(cutoff: str) -> float:
    """The share of its January 2015 extent the organisation held at ``cutoff`` (what a
    scenario's residual share may not exceed)."""
    from ffcast.engine import drivers
    from ffcast.engine.prepared import prepare
    from ffcast.scenario import Scenario

    prep = prepare(Scenario(cutoff=cutoff, collapse={"residual_share": 0.0}))
    return drivers.held_at_cutoff(prep.observed, prep.cutoff_index)


@st.composite
def run_options(draw: st.DrawFn, cutoff: str, long: bool) -> dict[str, Any]:
    """Draws, seed, horizon and countries for one run of a scenario with ``cutoff``."""
    horizon = 72 if long else 30
    end = month_text(min(month_index(cutoff) + draw(st.integers(1, horizon)),
                         month_index("2100-12")))
    return {
        "draws": draw(st.integers(1, 3)),
        "seed": draw(st.one_of(st.integers(0, 2**63 - 1), st.sampled_from([0, 2**63 - 1]))),
        "end": end,
        "countries": draw(st.one_of(
            st.lists(st.sampled_from(countries()), min_size=1, max_size=4, unique=True),
            st.just(None) if long else st.nothing())),
        "posterior": draw(st.sampled_from(["prior", "auto"])),
    }


# --- Malformed inputs: every value here is wrong, by construction -------------------------

BAD_MONTHS = st.one_of(
    st.sampled_from(["0000-01", "2010-12", "2101-01", "9999-12", "2017-13", "2017-00",
                     "17-01", "2017-1", "2017/01", "July 2017", "", " ", "2017-01-01x",
                     "2017-01-32"]),
    st.integers(0, 2010 * 12 - 1).map(month_text),
    st.integers(2101 * 12, 9999 * 12 + 11).map(month_text),
    st.text(st.characters(codec="ascii", exclude_categories=("Cs",)), max_size=12).filter(
        lambda s: not (len(s.strip()) == 7 and s.strip()[4:5] == "-")),
)
EARLY_CUTOFFS = st.integers(month_index("2011-01"), month_index(CUTOFF_MIN) - 1).map(month_text)
NOT_NUMBERS = st.one_of(st.sampled_from(["high", "1,5", "", "ten", "0x10", "1e", "--1"]),
                        st.text(st.sampled_from("abcxyz-/_ "), min_size=1, max_size=10))
LETTERS = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz_"), min_size=1, max_size=20)


def bad_ints(low: int, high: int) -> st.SearchStrategy[str]:
    """Command-line text that is not a whole number in [low, high]."""
    return st.one_of(
        st.integers(max_value=low - 1).map(str), st.integers(min_value=high + 1).map(str),
        st.floats(allow_nan=True, allow_infinity=True).filter(
            lambda x: not (math.isfinite(x) and x == int(x))).map(repr),
        NOT_NUMBERS, st.sampled_from(["2.5", "1e3", "NaN", "inf"]))


def out_of_range(low: float | None, high: float | None, *, strict_low: bool = False,
                 ) -> st.SearchStrategy[float]:
    """Numbers outside [low, high] (``strict_low``: ``low`` itself is outside too)."""
    options = [st.sampled_from([math.nan, math.inf, -math.inf])]
    if low is not None:
        below = st.floats(max_value=low, exclude_max=not strict_low, allow_nan=False)
        options.append(below.filter(lambda x: x < low or (strict_low and x == low)))
    if high is not None:
        options.append(st.floats(min_value=high, exclude_min=True, allow_nan=False))
    return st.one_of(options)


# Fields of a scenario with their bounds: (path, low, high, low excluded)
NUMERIC_FIELDS: tuple[tuple[tuple[str, ...], float | None, float | None, bool], ...] = (
    (("collapse", "midpoint_sd_months"), 0.0, 24.0, False),
    (("collapse", "steepness_months"), 0.5, 24.0, True),
    (("collapse", "residual_share"), 0.0, 1.0, False),
    (("pathways", "tilt", "return"), 0.0, 10.0, False),
    (("pathways", "tilt", "dispatch"), 0.0, 10.0, False),
    (("pathways", "concentration"), 0.0, 1e4, True),
    (("policy", "prosecution_rate"), 0.0, 1.0, False),
    (("policy", "rehabilitation_uptake"), 0.0, 1.0, False),
    (("policy", "rehabilitation_effect"), 0.0, 10.0, False),
    (("policy", "border_control"), 0.0, 1.0, False),
    (("policy", "camp_repatriation"), 0.0, 1.0, False),
    (("policy", "dispatch_capacity"), 0.0, 10.0, False),
    (("policy", "detection_capacity"), 0.0, 10.0, False),
)
MONTH_FIELDS = (("cutoff",), ("collapse", "midpoint"), ("policy", "start"))
SECTIONS = ((), ("collapse",), ("pathways",), ("pathways", "tilt"), ("policy",))


def _set(data: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    node = data
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[path[-1]] = value
    return data


@st.composite
def ceiling_breaches(draw: st.DrawFn) -> tuple[str, dict[str, float]]:
    """A prior override that lets a draw pass its ceiling, or breaks its own rule."""
    p = draw(st.sampled_from(PARAMS))
    if p.dist == "beta":
        return p.name, {"mean": draw(st.floats(1.0, 1e6, exclude_min=True))}
    kind = draw(st.sampled_from(["mean", "spread", "both"]))
    if kind == "mean":
        return p.name, {"mean": draw(st.floats(p.ceiling, 1e6, exclude_min=True)),
                        "spread": 0.0}
    if kind == "spread":  # with the default mean, a spread that reaches past the ceiling
        low = math.log(p.ceiling / p.largest_mean) / Z_GUARD
        return p.name, {"spread": draw(st.floats(low, 1e6, exclude_min=True))}
    return p.name, {"mean": draw(st.floats(p.ceiling, 1e6, exclude_min=True)),
                    "spread": draw(st.floats(0.0, 3.0))}


def alias_bomb(where: str, levels: int) -> str:
    """YAML whose value at ``where`` is 9**levels strings by reference (a tiny file)."""
    lines = ["zz_bomb:", '  - &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"  - &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + f"\n{where}: *a{levels - 1}\n"


@st.composite
def malformed_scenarios(draw: st.DrawFn) -> tuple[str, str]:
    """``(kind, YAML text)`` of a scenario the schema must refuse: a valid one, broken once."""
    import yaml

    data = draw(scenarios())
    kind = draw(st.sampled_from([
        "unknown key", "bad month", "early cutoff", "out of range", "wrong type",
        "ceiling", "unknown parameter", "shares", "country", "region", "name",
        "description", "not a mapping", "deep", "syntax", "huge", "alias bomb"]))
    if kind == "unknown key":
        section = draw(st.sampled_from(SECTIONS))
        _set(data, (*section, "zz_" + draw(LETTERS)), draw(st.integers()))
    elif kind == "bad month":
        _set(data, draw(st.sampled_from(MONTH_FIELDS)), draw(BAD_MONTHS))
    elif kind == "early cutoff":
        data["cutoff"] = draw(EARLY_CUTOFFS)
    elif kind == "out of range":
        path, low, high, strict = draw(st.sampled_from(NUMERIC_FIELDS))
        _set(data, path, draw(out_of_range(low, high, strict_low=strict)))
    elif kind == "wrong type":
        path = draw(st.sampled_from([f[0] for f in NUMERIC_FIELDS] + [("collapse",),
                                                                       ("policy",)]))
        value = draw(st.one_of(NOT_NUMBERS, st.lists(st.integers(), min_size=1, max_size=3)))
        _set(data, path, value)
    elif kind == "ceiling":
        name, over = draw(ceiling_breaches())
        data.setdefault("parameters", {})[name] = over
    elif kind == "unknown parameter":
        data.setdefault("parameters", {})["zz_" + draw(LETTERS)] = {"mean": 0.1}
    elif kind == "shares":
        raw = draw(st.lists(st.floats(0.0, 1.0), min_size=5, max_size=5).filter(
            lambda v: abs(sum(v) - 1) > 1e-3))
        _set(data, ("pathways", "all"), dict(zip(PATHWAY_KEYS, raw, strict=True)))
    elif kind == "country":
        code = draw(st.text(st.sampled_from("QXZJ"), min_size=3, max_size=3))
        _set(data, ("policy", "countries"), ["FRA", code])
    elif kind == "region":
        _set(data, ("pathways", "by_region"), {"zz_" + draw(LETTERS): draw(shares())})
    elif kind == "name":
        data["name"] = draw(st.sampled_from(["", "n" * 81, "n" * 5000]))
    elif kind == "description":
        data["description"] = "d" * draw(st.integers(2001, 50_000))
    elif kind == "not a mapping":
        return kind, draw(st.sampled_from(["- a\n- b\n", "just text\n", "42\n", "[1, 2]\n"]))
    elif kind == "deep":
        depth = draw(st.integers(200, 3000))
        return kind, "policy: " + "[" * depth + "]" * depth + "\n"
    elif kind == "syntax":
        return kind, draw(st.sampled_from(["policy: {a: 1\n", "a:\n\t- b\n", ": :\n",
                                            "policy:\n  - x: [\n", "'unclosed\n"]))
    elif kind == "huge":
        return kind, "description: '" + "x" * 1_000_100 + "'\n"
    elif kind == "alias bomb":  # a billion items by reference, in a field that echoes input
        where = draw(st.sampled_from(["cutoff", "name", "description", "collapse:\n  midpoint",
                                      "policy:\n  countries", "policy:\n  start",
                                      "pathways:\n  by_region:\n    maghreb",
                                      "parameters:\n  death_base:\n    mean"]))
        return kind, alias_bomb(where, draw(st.integers(5, 10)))
    return kind, yaml.safe_dump(data, allow_unicode=True)


def dead_ends(scen: Any) -> list[str]:
    """Regions whose post-cut-off pathway means leave open only pathways a lever set to 0
    closes (dispatch: ``policy.dispatch_capacity``; return, for the neighbours of Syria/Iraq:
    a ``neighbour_return`` mean of 0). A run may refuse such a scenario in one line
    ("nowhere to go") if the lever reaches a country of the region."""
    from ffcast.engine.parameters import pathway_means
    from ffcast.scenario.priors import PATHWAYS

    closed = set()
    if scen.policy.dispatch_capacity == 0:
        closed.add("dispatch")
    nr = scen.parameters.get("neighbour_return")
    if nr is not None and nr.mean == 0:
        closed.add("return")
    out = []
    for region, row in zip(REGIONS, pathway_means(scen), strict=True):
        if not {PATHWAYS[i] for i in range(5) if row[i] > 0} - closed:
            out.append(region)
    return out
