"""`ffcast sensitivity` (Sobol/Morris indices) and `ffcast discover` (PRIM boxes)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ffcast.cli.common import (
    echo_json,
    print_table,
    progress,
    require_chromium,
    user_errors,
    warn_policy_reach,
)
from ffcast.cli.run_cmd import Quiet
from ffcast.files import check_output

if TYPE_CHECKING:
    from ffcast.experiments import SensitivityResult

_OUT_EXT = (".csv", ".png", ".html")
console = Console()

Outcome = Annotated[str, typer.Option(help="Outcome: returned, killed, relocated, stayed, "
                                      "dispatched, travelled, attacks_total, attacks_home, "
                                      "attack_deaths_total, attack_deaths_median.")]
Draws = Annotated[int, typer.Option("--draws-per-point", min=1, max=100_000,
                                    help="Draws per sample point (same seed at every point).")]
Seed = Annotated[int, typer.Option(min=0, help="Seed of the sample and of every run.")]
End = Annotated[str, typer.Option(help="Last month simulated (YYYY-MM).")]
Countries = Annotated[str | None, typer.Option(
    help="Comma-separated ISO3 codes to simulate (default: all; fewer is faster).")]
Base = Annotated[str, typer.Option("--scenario", help="Base scenario (preset or YAML).")]
Prior = Annotated[bool, typer.Option("--prior", help="Use the priors, not the posterior.")]
Workers = Annotated[int | None, typer.Option(
    min=1, help="Spread the points over a local Dask cluster of N processes (same numbers).")]
Scheduler = Annotated[str | None, typer.Option(
    help="Spread the points over an existing Dask cluster at tcp://HOST:PORT.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _run_kwargs(end: str, countries: str | None, scenario: str, prior: bool,
                workers: int | None, scheduler: str | None, seed: int = 0,
                draws: int = 1) -> dict[str, Any]:
    """The runs' keyword arguments, checked at the library's door (seed, draws per point,
    end, countries, workers; raises OptionsError)."""
    from ffcast.options import run_options

    opts = run_options(end=end, countries=countries, workers=workers, scheduler=scheduler,
                       seed=seed, draws=draws)
    return {"end": end, "countries": opts.countries, "base": scenario,
            "posterior": None if prior else "auto", "workers": workers,
            "scheduler": scheduler}


def _write(res: SensitivityResult, out: Path) -> None:
    from ffcast.files import atomic_write
    from ffcast.plots.export import write_html, write_png

    suffix = out.suffix.lower()
    if suffix == ".csv":
        atomic_write(out, res.table.to_csv().encode("utf-8"))
        return
    from ffcast.experiments.plot import indices_figure

    fig = indices_figure(res)
    if suffix == ".png":
        write_png(fig, out, height=int(fig.layout.height))
    else:
        write_html(fig, out, title=f"ffcast {res.method} sensitivity")


def _counted_text(meta: dict) -> str:
    """:func:`ffcast.experiments.plot.counted_text`, escaped for rich."""
    from ffcast.experiments.plot import counted_text

    return escape(counted_text(meta))


def _caption(lines: list[str | None]) -> str | None:
    """Lines under a table (the Nones left out), each escaped for rich."""
    said = [escape(line) for line in lines if line]
    return "\n".join(said) or None


def _sensitivity_table(res: SensitivityResult) -> Table:
    m = res.meta
    history = m.get("history")
    morris = ("μ* = mean |change of the outcome| over a factor's full range (SALib divides "
              "the change over a step of 2/3 of the range by 2/3)"
              if res.method == "morris" else None)
    t = Table(title=f"{res.method.capitalize()} sensitivity of [bold]{m['outcome']}[/] "
              f"({_counted_text(m)}; {m['reduce']} over {m['draws_per_point']} draws, "
              f"{m['unit']}): "
              f"{res.evaluations} scenarios, seed {res.seed}; {escape(res.interval())}",
              title_justify="left",
              caption=_caption([morris, history and f"history: {history}",
                                *(f"warning: {w}" for w in res.warnings)]),
              caption_justify="left")
    t.add_column("factor")
    if res.method == "sobol":
        cols = (("S1", "first-order S1"), ("ST", "total ST"))
        order = res.table.sort_values("ST", ascending=False)
        fmt = "{:.3f} ± {:.3f}"
    else:
        cols = (("mu_star", "μ*"),)
        order = res.table.sort_values("mu_star", ascending=False)
        fmt = "{:,.4g} ± {:,.2g}"
    for _, label in cols:
        t.add_column(label, justify="right")
    if res.method == "morris":
        t.add_column("σ (interactions, non-linearity)", justify="right")
    for name, row in order.iterrows():
        cells = ["undefined" if math.isnan(row[c]) else fmt.format(row[c], row[f"{c}_conf"])
                 for c, _ in cols]
        if res.method == "morris":
            cells.append(f"{row['sigma']:,.4g}")
        t.add_row(str(name), *cells)
    return t


@user_errors
def sensitivity_cmd(
    outcome: Outcome,
    method: Annotated[str, typer.Option(help="sobol (variance shares) or morris "
                                        "(screening).")] = "sobol",
    samples: Annotated[int, typer.Option(min=2, max=1_000_000, help="Base samples N: "
                                         "Sobol runs N x (k+2) scenarios, Morris "
                                         "N x (k+1); a power of two for Sobol.")] = 64,
    draws_per_point: Draws = 20,
    seed: Seed = 0,
    end: End = "2020-12",
    countries: Countries = None,
    levers: Annotated[bool, typer.Option("--levers", help="Add the policy levers to the "
                                         "uncertainties.")] = False,
    scenario: Base = "baseline",
    prior: Prior = False,
    workers: Workers = None,
    scheduler: Scheduler = None,
    as_json: AsJson = False,
    out: Annotated[Path | None, typer.Option(help="Write the indices: .csv, or a bar "
                                             "chart as .png / .html.")] = None,
    quiet: Quiet = False,
) -> None:
    """Which uncertainties drive an outcome: Sobol or Morris indices with intervals."""
    from ffcast.experiments import factors, get_outcome, sensitivity_run
    from ffcast.experiments.sensitivity import check_method

    check_method(method)
    get_outcome(outcome)
    kwargs = _run_kwargs(end, countries, scenario, prior, workers, scheduler, seed,
                         draws_per_point)
    warn_policy_reach(scenario, end, kwargs["countries"])
    if out is not None:
        check_output(out, "--out", _OUT_EXT)
        if out.suffix.lower() == ".png":
            require_chromium("--out")
    space = factors(levers=levers)
    total = samples * (len(space) + (2 if method == "sobol" else 1))
    with progress(f"{method} sensitivity", total, quiet or as_json, "scenarios") as advance:
        res = sensitivity_run(method, outcome, samples, draws_per_point, seed, space=space,
                              progress=advance, **kwargs)
    if out is not None:
        _write(res, out)
    if as_json:
        echo_json({**res.to_dict(), "out": None if out is None else str(out)})
        return
    print_table(console, _sensitivity_table(res))
    if out is not None:
        console.print(f"indices written to [bold]{escape(str(out))}[/]")

@user_errors
def discover_cmd(
    outcome: Outcome,
    threshold: Annotated[float, typer.Option(help="Cases of interest: points whose "
                                             "outcome is above this value.")],
    samples: Annotated[int, typer.Option(min=10, max=1_000_000, help="Latin-hypercube "
                                         "points (scenarios).")] = 200,
    draws_per_point: Draws = 10,
    seed: Seed = 0,
    end: End = "2020-12",
    countries: Countries = None,
    uncertainties_only: Annotated[bool, typer.Option(
        "--uncertainties-only", help="Leave the policy levers at their defaults.")]
    = False,
    min_coverage: Annotated[float, typer.Option(min=0.0, max=1.0, help="Smallest share "
                                                "of cases the box must cover.")] = 0.5,
    alpha: Annotated[float, typer.Option(min=0.01, max=0.49, help="Share of points "
                                         "peeled per step.")] = 0.05,
    scenario: Base = "baseline",
    prior: Prior = False,
    workers: Workers = None,
    scheduler: Scheduler = None,
    as_json: AsJson = False,
    quiet: Quiet = False,
) -> None:
    """Which factor region leads to an outcome above a threshold (PRIM box)."""
    from ffcast.experiments import discover_run, factors, get_outcome

    if not math.isfinite(threshold):
        from ffcast.errors import OptionsError

        raise OptionsError(f"--threshold: {threshold} is not a finite number; fix: give the "
                           "outcome value above which a point is a case, e.g. 800")
    get_outcome(outcome)
    kwargs = _run_kwargs(end, countries, scenario, prior, workers, scheduler, seed,
                         draws_per_point)
    warn_policy_reach(scenario, end, kwargs["countries"])
    space = factors(levers=not uncertainties_only)
    with progress("PRIM discovery", samples, quiet or as_json, "scenarios") as advance:
        box, trajectory, summary = discover_run(
            outcome, threshold, samples, draws_per_point, seed, space=space,
            min_coverage=min_coverage, alpha=alpha, progress=advance, **kwargs)
    if as_json:
        echo_json({**summary, "box": box.to_dict(),
                   "trajectory": [{k: b.to_dict()[k] for k in ("coverage", "density",
                                                               "mass")}
                                  for b in trajectory]})
        return
    history = summary.get("history")
    months = [f.name for f in space if f.kind == "offset_months"]
    t = Table(title=f"PRIM box: {summary['outcome']} > {threshold:g} {summary['unit']} "
              f"({_counted_text(summary)}) "
              f"({summary['cases']} of {samples} points, {summary['share_above']:.0%}); "
              f"coverage {box.coverage:.0%}, density {box.density:.0%}, "
              f"mass {box.mass:.0%}", title_justify="left",
              caption=_caption([
                  "quasi-p: the chance that as many points as the box holds, drawn at random "
                  "from the box without that restriction, hold at least its cases (one-sided "
                  "hypergeometric, as ema_workbench); " + summary["caveat"],
                  months and (f"{', '.join(months)}: whole months, k - 0.5 .. m + 0.5 = "
                              "months k .. m (the model rounds the offset)"),
                  history and f"history: {history}"]),
              caption_justify="left")
    for col in ("factor", "low", "high", "full range", "restricted", "quasi-p"):
        t.add_column(col, justify="left" if col == "factor" else "right")
    restricted = set(box.restricted())
    for name, (lo, hi), (blo, bhi) in zip(box.names, box.limits, box.bounds, strict=True):
        qp = box.quasi_p.get(name)
        t.add_row(name, f"{lo:.3g}", f"{hi:.3g}", f"{blo:.3g} – {bhi:.3g}",
                  "[bold]yes[/]" if name in restricted else "",
                  "" if qp is None else f"{qp:.2g}")
    print_table(console, t)


def register(app: typer.Typer) -> None:
    """Add the experiment commands to the root app."""
    app.command("sensitivity")(sensitivity_cmd)
    app.command("discover")(discover_cmd)
