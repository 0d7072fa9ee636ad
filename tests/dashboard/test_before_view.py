"""The "Before the update" view (issue 21): the same run under the posterior before an
update beside the current one; cached by posterior; absent without --before; the CLI checks
both posteriors at the door."""

from __future__ import annotations

import json
from pathlib import Path

import plotly.io as pio
import pytest
from dash import dcc, html, no_update
from typer.testing import CliRunner

from ffcast.dashboard import app as A
from ffcast.dashboard import controls as C
from ffcast.dashboard import layout
from ffcast.report.moved import Posteriors, resolve_posteriors


@pytest.fixture(scope="module")
def posteriors(updated_posterior: tuple[Path, Path]) -> Posteriors:
    before, after = updated_posterior
    return resolve_posteriors(str(after), str(before), C.preset_cutoff())


def _controls(draws: int = C.DRAWS_MIN) -> list:
    preset = C.preset_controls("baseline")
    return ["baseline", "2017-07", *preset["tilt"].values(),
            *[preset["levers"][k] for k in C.LEVERS], "FRA", "2018-12", draws, 2]


def _ids(component: object) -> set[str]:
    found: set[str] = set()
    stack = [component]
    while stack:
        c = stack.pop()
        if isinstance(c, list | tuple):
            stack.extend(c)
            continue
        if getattr(c, "id", None):
            found.add(c.id)
        children = getattr(c, "children", None)
        if children is not None and not isinstance(children, str):
            stack.append(children)
    return found


def test_the_tab_shows_the_run_before_and_after(posteriors: Posteriors) -> None:
    runner = A.Runner(posteriors=posteriors)
    out = A.on_run(runner, 1, *_controls())
    assert out[0] == "", out[0]
    stored = out[-3]
    children, message = A.on_before(runner, "before", stored)
    assert message == ""
    ids = _ids(children)
    for card in ("before-travelled", "before-returned", "before-focus", "before-attacks"):
        assert {f"{card}-before", f"{card}-after"} <= ids, card
    assert {"fig-before", "before-lead", "before-statements"} <= ids
    graph = next(c for c in children if isinstance(c, dcc.Graph))
    fig = json.loads(pio.to_json(graph.figure))
    assert len(fig["data"]) >= 18 and all(t["x"] for t in fig["data"])
    text = " ".join(repr(c) for c in children)
    for needle in ("TEST-A", "TEST-B", "TEST-C", "not paired differences",
                   "history to Dec 2016", "history to Jun 2017"):
        assert needle in text, needle
    assert "TEST-OLD" not in text
    # Both runs are cached, under their own keys: the posterior is part of the key.
    spec = C.from_store(stored)
    before = spec.with_posterior("before")
    assert spec.key != before.key and spec.key[-1] == "current"
    assert runner.cache.peek(spec.key) is not None and runner.cache.peek(before.key) is not None
    assert runner.cache.peek(spec.key).meta.updated_to == "2017-06"
    assert runner.cache.peek(before.key).meta.updated_to is None
    misses = runner.cache.misses
    A.on_before(runner, "before", stored)
    assert runner.cache.misses == misses  # a second look is answered from the cache


def test_other_tabs_and_bad_requests(posteriors: Posteriors) -> None:
    runner = A.Runner(posteriors=posteriors)
    assert A.on_before(runner, "fans", None) == [no_update, no_update]
    assert "press Run" in A.on_before(runner, "before", None)[1]
    stored = A.on_run(runner, 1, *_controls())[-3]
    assert "--before" in A.before_view(A.Runner(), stored)["message"]
    with pytest.raises(Exception, match="posterior"):
        C.RunSpec(C.from_store(stored).scenario, 50, 0, "2018-12", "FRA", "elsewhere")


def test_the_page_has_the_tab_only_with_a_posterior_before(posteriors: Posteriors) -> None:
    def tabs(app: object) -> list[str]:
        page = app.layout()  # type: ignore[attr-defined]
        return [t.value for t in _find(page, "tabs").children]

    assert tabs(A.create_app(A.Runner())) == ["fans", "country", "map", "sankey", "groups"]
    with_before = A.create_app(posteriors=posteriors)
    assert tabs(with_before)[-1] == "before"
    header = repr(with_before.layout())
    assert "before the update: " in header and "(history to 2017-06)" in header
    assert "before-box.children" in repr(with_before.callback_map)


def _find(component: object, ident: str) -> html.Div:
    stack = [component]
    while stack:
        c = stack.pop()
        if getattr(c, "id", None) == ident:
            return c  # type: ignore[return-value]
        children = getattr(c, "children", None)
        if isinstance(children, list):
            stack.extend(children)
        elif children is not None and not isinstance(children, str):
            stack.append(children)
    raise AssertionError(ident)


def test_downloads_use_the_servers_posteriors(posteriors: Posteriors, tmp_path: Path) -> None:
    from ffcast import results
    from ffcast.dashboard.downloads import report_file, results_file
    from ffcast.scenario import load_scenario

    spec = C.RunSpec(load_scenario("baseline"), draws=3, seed=4, end="2018-12", focus="FRA")
    content, name = results_file(spec, "nc", posteriors=posteriors)
    (tmp_path / name).write_bytes(content)
    with results.read(tmp_path / name) as ds:
        assert int(ds.attrs["posterior_particles"]) == 50  # the small posterior, not shipped
    page, _ = report_file(spec, compare_baseline=False, posteriors=posteriors, before=True)
    text = page.decode("utf-8")
    assert '<section id="moved">' in text and "TEST-C" in text


@pytest.mark.parametrize(("args", "message"), [
    (["--before", "2016-12"], "--before: '2016-12' is the posterior the run uses already"),
    (["--before", "no-such.nc"], "--before: no posterior file"),
    (["--posterior", "2016-06"], "--posterior: fitted at cut-off 2016-06"),
])
def test_the_cli_checks_the_posteriors_before_serving(args: list[str], message: str) -> None:
    from ffcast.cli import app

    res = CliRunner().invoke(app, ["dashboard", "--port", "1", *args])
    assert res.exit_code == 2, res.output
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], res.stderr
    assert "ffcast dashboard on" not in res.output


def test_layout_before_children_wraps_the_figure() -> None:
    children = layout.before_children(html.P("h"), html.Div(), {"data": []}, html.Div())
    assert isinstance(children[2], dcc.Graph) and children[2].id == "fig-before"
