"""The import graph of ffcast points down the data flow, and has no cycles.

STYLE.md: ``data -> scenario -> engine -> results -> calibrate / backtest / experiments ->
report / dashboard / cli``. Every import counts, including the ones inside functions (a late
import hides a cycle from Python, not from this test) and the ones under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "ffcast"

# Lowest first. A module may import from its own layer or any layer below it, never above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "version", "files", "defaults"),
    ("data",),
    ("scenario",),
    ("engine",),
    ("results",),
    ("plots", "calibrate"),
    ("options", "distributed", "runner"),
    ("backtest", "experiments", "history", "living"),
    ("report",),
    ("dashboard",),
    ("cli",),
)
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}


def _module_name(path: Path, src: Path = SRC) -> str:
    parts = path.relative_to(src.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, module: str, src: Path = SRC) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("ffcast"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if not target.startswith("ffcast"):
                continue
            # `from ffcast.engine import layout` imports the submodule ffcast.engine.layout;
            # `from ffcast.engine import run_chunk` imports the package ffcast.engine
            subs = {f"{target}.{a.name}" for a in node.names}
            found.update(subs)
            if not any(src.parent.joinpath(*s.split(".")).with_suffix(".py").exists()
                       or src.parent.joinpath(*s.split("."), "__init__.py").exists()
                       for s in subs):
                found.add(target)
    return found


def _graph(src: Path = SRC) -> dict[str, set[str]]:
    modules = {_module_name(p, src): p for p in src.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {t for t in _imports(path, name, src) if t in modules and t != name}
    return graph


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_package_has_a_layer() -> None:
    tops = {p.stem if p.is_file() else p.name for p in SRC.iterdir()
            if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()}
    assert tops <= set(RANK), f"add these to LAYERS: {sorted(tops - set(RANK))}"


def _upward(graph: dict[str, set[str]]) -> list[str]:
    upward = []
    for module, targets in graph.items():
        here = _layer(module)
        if here is None:  # the root package is the public facade: it may import anything
            continue
        for target in targets:
            there = _layer(target)
            if there is None:
                upward.append(f"{module} -> ffcast (import from the defining module instead)")
            elif RANK[there] > RANK[here]:
                upward.append(f"{module} ({here}) -> {target} ({there})")
    return sorted(upward)


def test_imports_never_point_up_the_layers() -> None:
    upward = _upward(_graph())
    assert not upward, "upward imports:\n" + "\n".join(upward)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles() -> None:
    graph = _graph()
    # A package's __init__ re-exporting its own submodules is not a cycle of ideas.
    for module, targets in graph.items():
        graph[module] = {t for t in targets
                         if not (t in graph and module.startswith(t + ".") and
                                 SRC.joinpath(*t.split(".")[1:], "__init__.py").exists())}
    cycles = _cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    src = tmp_path / "ffcast"
    for rel, text in files.items():
        path = src / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return src


def test_the_check_catches_the_old_scenario_to_engine_arrow(tmp_path: Path) -> None:
    # The layout before issue 11: scenario/model.py read the prior table from the engine,
    # and the engine read the scenario (hidden by a lazy engine/__init__).
    src = _tree(tmp_path, {
        "__init__.py": "", "scenario/__init__.py": "", "engine/__init__.py": "",
        "scenario/model.py": "from ffcast.engine.parameters import PARAM_INDEX\n",
        "engine/parameters.py": "PARAM_INDEX = {}\n",
        "engine/simulate.py": "def f():\n    from ffcast.scenario import model\n",
    })
    graph = _graph(src)
    assert _upward(graph) == ["ffcast.scenario.model (scenario) -> ffcast.engine.parameters "
                              "(engine)"]
    assert _cycles(graph) == []  # no module cycle: the upward arrow is what gives it away


def test_the_check_catches_a_cycle(tmp_path: Path) -> None:
    src = _tree(tmp_path, {
        "__init__.py": "", "data/__init__.py": "",
        "data/loaders.py": "from ffcast.data import validate\n",
        "data/validate.py": "def f():\n    from ffcast.data import loaders\n",
    })
    assert _cycles(_graph(src)) == [["ffcast.data.loaders", "ffcast.data.validate"]]
