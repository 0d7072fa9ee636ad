"""`ffcast run`, `ffcast compare` and `ffcast scenarios ...`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ffcast.cli.common import echo_json, user_errors
from ffcast.engine.layout import TARGETS

if TYPE_CHECKING:
    from ffcast.runner import Headline

_OUT_EXT = (".nc", ".zarr", ".parquet", ".csv")
scenarios_app = typer.Typer(no_args_is_help=True, help="Built-in scenario presets.")
console = Console()
err_console = Console(stderr=True)


def _fmt(q: dict[str, float]) -> str:
    return f"{q['median']:,.0f}  [{q['p5']:,.0f} – {q['p95']:,.0f}]"


def _check_out(out: Path | None) -> None:
    from ffcast.errors import FFCastError

    if out is not None and out.suffix.lower() not in _OUT_EXT:
        raise FFCastError(f"--out: unsupported extension {out.suffix!r}; use one of "
                          f"{', '.join(_OUT_EXT)}")


def _print_headline(h: dict) -> None:
    from ffcast.runner import PATHWAY_ROWS

    title = (f"Scenario [bold]{h['scenario']}[/]: {h['draws']:,} draws, seed {h['seed']}, "
             f"{h['parameters']}; people by pathway at {h['end_month']} "
             "(median [90% interval])")
    t = Table(title=title, title_justify="left")
    t.add_column("pathway")
    t.add_column("people", justify="right")
    for key, label in PATHWAY_ROWS:
        t.add_row(label, _fmt(h["pathways"][key]))
    t.add_row("[bold]Travelled in total[/]", _fmt(h["travelled"]))
    console.print(t)
    t = Table(title=f"Returnees by origin country (people who came home by {h['end_month']})",
              title_justify="left")
    t.add_column("country")
    t.add_column("returned", justify="right")
    for iso3, q in h["returned_by_country"].items():
        t.add_row(iso3, _fmt(q))
    console.print(t)
    t = Table(title=f"Attacks executed {h['attacks_counted_from']} – {h['end_month']} "
              "by target (origin countries' fighters)", title_justify="left")
    t.add_column("target")
    t.add_column("attacks", justify="right")
    t.add_column("deaths", justify="right")
    labels = {"home": "at home (origin country)", "western_abroad": "abroad: other Western",
              "third_theatre": "abroad: third theatres"}
    for g in TARGETS:
        t.add_row(labels[g], _fmt(h["attacks"][g]), _fmt(h["attack_deaths"][g]))
    console.print(t)


def emit_headline(head: Headline, out: Path | None, as_json: bool, what: str) -> None:
    """Print a run's headline as tables (or JSON), and where its ``what`` was written."""
    h = head.to_dict()
    if out is not None:
        h["out"] = str(out)
    if as_json:
        echo_json(h)
        return
    _print_headline(h)
    if out is not None:
        console.print(f"{what} written to [bold]{out}[/]")


def _progress(total: int, quiet: bool) -> Progress:
    return Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err_console, transient=True,
                    disable=quiet or total < 500)


def register(app: typer.Typer) -> None:
    """Add the engine commands to the root app."""
    app.add_typer(scenarios_app, name="scenarios")

    @app.command("run")
    @user_errors
    def run_cmd(
        scenario: Annotated[str, typer.Argument(help="Preset name or path to a YAML file.")]
        = "baseline",
        draws: Annotated[int, typer.Option(min=1, max=1_000_000, help="Ensemble draws.")] = 1000,
        seed: Annotated[int, typer.Option(min=0, help="Random seed.")] = 0,
        start: Annotated[str, typer.Option(help="First month recorded (YYYY-MM).")] = "2011-01",
        end: Annotated[str, typer.Option(help="Last month simulated (YYYY-MM).")] = "2026-12",
        out: Annotated[Path | None, typer.Option(help="Write results: .nc .zarr .parquet "
                                                 ".csv")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the headline as JSON.")]
        = False,
        chunk_size: Annotated[int, typer.Option(min=1, help="Draws per chunk (memory).")] = 250,
        posterior: Annotated[str | None, typer.Option(
            help="Posterior file from `ffcast calibrate`; default: the shipped posterior for "
            "the scenario's cut-off.")] = None,
        prior: Annotated[bool, typer.Option("--prior", help="Use the priors, not the "
                                            "calibrated posterior.")] = False,
        workers: Annotated[int | None, typer.Option(
            min=1, help="Run chunks on a local Dask cluster of N processes (same numbers).")]
        = None,
        scheduler: Annotated[str | None, typer.Option(
            help="Run chunks on an existing Dask cluster at tcp://HOST:PORT (same numbers).")]
        = None,
    ) -> None:
        """Run a scenario and print the headline: pathways, returnees, attacks."""
        from ffcast.distributed import check_options
        from ffcast.runner import run

        check_options(workers, scheduler)
        _check_out(out)
        _check_month("--start", start)
        _check_month("--end", end)
        with _progress(draws, as_json) as bar:
            task = bar.add_task("run", total=draws)
            head = run(scenario, draws=draws, seed=seed, start=start, end=end, out=out,
                       chunk_size=chunk_size, progress=lambda n: bar.advance(task, n),
                       posterior=None if prior else (posterior or "auto"),
                       workers=workers, scheduler=scheduler)
        emit_headline(head, out, as_json, "results")

    @app.command("compare")
    @user_errors
    def compare_cmd(
        a: Annotated[str, typer.Argument(help="Reference scenario (preset or YAML).")],
        b: Annotated[str, typer.Argument(help="Alternative scenario (preset or YAML).")],
        draws: Annotated[int, typer.Option(min=1, max=1_000_000)] = 1000,
        seed: Annotated[int, typer.Option(min=0)] = 0,
        end: Annotated[str, typer.Option(help="Last month (YYYY-MM).")] = "2026-12",
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Paired differences B - A under common random numbers (e.g. attacks averted)."""
        from ffcast.runner import PATHWAY_ROWS, compare

        _check_month("--end", end)
        res = compare(a, b, draws=draws, seed=seed, end=end)
        if as_json:
            echo_json(res)
            return
        t = Table(title=f"{res['b']} minus {res['a']}: {draws:,} paired draws (seed {seed}), "
                  f"at {res['end_month']}; median [90% interval], share of draws lower",
                  title_justify="left")
        for col in ("quantity", "difference", "P(B < A)"):
            t.add_column(col, justify="left" if col == "quantity" else "right")
        for key, label in PATHWAY_ROWS:
            d = res["pathways"][key]
            t.add_row(label, _fmt(d), f"{d['share_of_draws_lower']:.0%}")
        for g in TARGETS:
            d = res["attacks"][g]
            t.add_row(f"attacks, {g}", _fmt(d), f"{d['share_of_draws_lower']:.0%}")
        d = res["attacks_total"]
        t.add_row("[bold]attacks, all targets[/]", _fmt(d), f"{d['share_of_draws_lower']:.0%}")
        d = res["attack_deaths_total"]
        t.add_row("[bold]attack deaths, all[/]", _fmt(d), f"{d['share_of_draws_lower']:.0%}")
        console.print(t)


def _check_month(flag: str, value: str) -> None:
    import re

    from ffcast.errors import FFCastError

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise FFCastError(f"{flag}: {value!r} is not a month; write YYYY-MM, e.g. 2019-12")


@scenarios_app.command("list")
@user_errors
def scenarios_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the built-in presets."""
    from ffcast.scenario import list_presets, load_scenario

    rows = [{"name": n, "description": " ".join(load_scenario(n).description.split())}
            for n in list_presets()]
    if as_json:
        echo_json(rows)
        return
    t = Table(title="Scenario presets", title_justify="left")
    t.add_column("name")
    t.add_column("description")
    for r in rows:
        t.add_row(r["name"], r["description"])
    console.print(t)


@scenarios_app.command("show")
@user_errors
def scenarios_show(
    name: Annotated[str, typer.Argument(help="Preset name or YAML path.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show a scenario with every knob filled in (defaults included)."""
    import yaml

    from ffcast.scenario import load_scenario

    scen = load_scenario(name)
    data = json.loads(scen.model_dump_json(by_alias=True))
    if as_json:
        echo_json(data)
        return
    typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), nl=False)
