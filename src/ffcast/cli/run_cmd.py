"""`ffcast run`, `ffcast compare` and `ffcast scenarios ...`.

Each command is a module-level function (testable alone) that translates its flags into the
library's calls; the library checks every value (see :mod:`ffcast.options`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ffcast.cli.common import (
    Stages,
    echo_json,
    folder_exists,
    print_table,
    stages,
    user_errors,
    warn_policy_reach,
)
from ffcast.defaults import DEFAULT_CHUNK

if TYPE_CHECKING:
    from ffcast.runner import Headline

scenarios_app = typer.Typer(no_args_is_help=True, help="Built-in scenario presets.")
console = Console()

# Options shared by the run-like commands. Ranges are checked by the library, not by Typer,
# so a bad value gets the same one-line message from the CLI, a notebook and the dashboard.
Draws = Annotated[int, typer.Option(help="Ensemble draws (1 to 1,000,000).")]
Seed = Annotated[int, typer.Option(help="Random seed (0 to 2**63-1): same seed, same numbers.")]
End = Annotated[str, typer.Option(help="Last month simulated (YYYY-MM).")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
AllDraws = Annotated[bool, typer.Option(
    "--all-draws", help="With --out .csv/.parquet: every draw, not the summary (quantiles "
    "and mean per variable, month and country).")]
Force = Annotated[bool, typer.Option(
    "--force", help="Write every draw even when the size estimate is over 1 GB.")]
Start = Annotated[str, typer.Option(help="First month recorded (YYYY-MM).")]
ChunkSize = Annotated[int, typer.Option(help="Draws per chunk (memory).")]
PosteriorFile = Annotated[str | None, typer.Option(
    "--posterior", help="Posterior file from `ffcast calibrate`; default: the shipped "
    "posterior for the scenario's cut-off.")]
Prior = Annotated[bool, typer.Option("--prior", help="Use the priors, not the calibrated "
                                     "posterior.")]
Workers = Annotated[int | None, typer.Option(
    "--workers", help="Run chunks on a local Dask cluster of N processes (same numbers).")]
Scheduler = Annotated[str | None, typer.Option(
    "--scheduler", help="Run chunks on an existing Dask cluster at tcp://HOST:PORT (same "
    "numbers).")]
OutFile = Annotated[Path | None, typer.Option(
    help="Write results: .nc/.zarr (every draw) or .csv/.parquet (a summary; every draw "
    "with --all-draws).")]


def run_stages(st: Stages, label: str, draws: int, out: Path | None) -> Callable[[int], None]:
    """``advance`` for a run: the simulation stage, then writing ``out`` once every draw is
    done (a summary export is reduced after the last chunk)."""
    def advance(n: int) -> None:
        st.advance(n)
        if n and st.done >= draws and out is not None:
            st.start(f"writing {out}", 0, now=True)

    st.start(label, draws)
    return advance


def fmt(q: dict[str, float]) -> str:
    """``median  [p5 – p95]`` of a summary dict, in whole numbers."""
    from ffcast.results.risk import whole

    return f"{whole(q['median'])}  [{whole(q['p5'])} – {whole(q['p95'])}]"


def headline_tables(h: dict) -> list[Table]:
    """The headline of a run as rich tables: pathways, returnees by country, attacks."""
    from ffcast.results import quantities as Q
    from ffcast.results.risk import UNDETERMINED_NOTE, reliance_mark

    title = (f"Scenario [bold]{escape(h['scenario'])}[/]: {h['draws']:,} draws, seed {h['seed']}, "
             f"{h['parameters']}; people by pathway at {h['end_month']} "
             "(median [90% interval])")
    marked = h.get("prior_driven") or {}
    unsure = set(h.get("undetermined") or [])

    def mark(key: str) -> str:
        return reliance_mark(key, marked, unsure)

    paths = Table(title=title, title_justify="left")
    paths.add_column("pathway")
    paths.add_column("people", justify="right")
    for q in Q.PATHWAYS:
        paths.add_row(q.label + mark(f"pathway:{q.name}"), fmt(h["pathways"][q.name]))
    paths.add_row(f"[bold]{Q.TRAVELLED.label}[/]" + mark("travelled"), fmt(h["travelled"]))
    countries = Table(title="Returnees by origin country (people who came home by "
                      f"{h['end_month']}; the pooled travellers no country names, R-WEU and "
                      "the like, are not ranked)", title_justify="left")
    countries.add_column("country")
    countries.add_column("returned", justify="right")
    for iso3, q in h["returned_by_country"].items():
        countries.add_row(iso3, fmt(q))
    attacks = Table(title=f"Attacks linked to foreign fighters (and, apart, by inmates they "
                    f"radicalised in prison), executed {h['attacks_counted_from']} – "
                    f"{h['end_month']}, by where", title_justify="left")
    for col in ("where", "attacks", "deaths"):
        attacks.add_column(col, justify="left" if col == "where" else "right")
    for region, where in Q.RISK_REGION_ROW_LABELS.items():
        attacks.add_row(where + mark(f"attacks_region:{region}"),
                        fmt(h["attacks_by_region"][region]),
                        fmt(h["attack_deaths_by_region"][region]))
    tables = [paths, countries, attacks, *group_tables(h),
              *risk_tables(h["risk"], marked, unsure)]
    if marked:
        # The attack numbers first: they are what a reader acts on.
        named = sorted(((k, v) for k, v in marked.items() if v),
                       key=lambda kv: not kv[0].startswith(("attacks", "west_attacks")))
        why = "; ".join(f"{k}: {', '.join(v)}" for k, v in named[:6])
        more = f"; and {len(named) - 6} more (--json, prior_driven)" if len(named) > 6 else ""
        tables[-1].caption = (tables[-1].caption or "") + (
            " † rests mostly on parameters the data up to the cut-off did not narrow "
            f"(prior-driven; strongest open components: {why}{more}).")
    if unsure:
        tables[-1].caption = (tables[-1].caption or "") + " " + UNDETERMINED_NOTE
    return tables


GROUP_ROWS: tuple[tuple[str, str], ...] = (
    ("stayed", "stayed (with the organisation, insurgents)"),
    ("detained_in_theatre", "held in Iraq/Syria (men: prisons; women, minors: camps)"),
    ("joined_other", "with other groups in Iraq/Syria"),
    ("killed", "killed"), ("elsewhere_abroad", "third theatres, dispatched"),
    ("returned", "came home"),
    ("incarcerated", "in prison at home (minors: only if arrested after re-engaging)"),
    ("births", "born in Iraq/Syria, from {start}"),
    ("repatriated", "repatriated from camps and prisons, from {start}"),
    ("attacks_west", "attacks in the West, from {start}"),
    ("attacks_home_elsewhere", "attacks at non-Western homes, from {start} "
                               "(prior-driven scenario, in no total)"),
)


def group_rows(start: str) -> list[tuple[str, str]]:
    """:data:`GROUP_ROWS` with the month the flows are counted from (the month after the
    cut-off, or after an updated posterior's origin)."""
    return [(key, label.format(start=start)) for key, label in GROUP_ROWS]


def history_sentence(history: object, parameters: object, who: str = "This run") -> str:
    """What to tell the user when a run re-simulated the posterior particles' history ("" when
    it started from their stored states, or ran on the priors): the same numbers, more time,
    when only the months recorded asked for it; a history of its own when the scenario
    changes the months up to the origin (a policy starting by then, overrides, ...)."""
    text = str(history or "")
    if not text.startswith("re-simulated") or parameters == "prior":
        return ""
    why = text.split(": ", 1)[-1]
    effect = ("same numbers as from the stored states, more time" if why.startswith(
        "it records months") else "the scenario changes the months up to the origin, so "
        "they are simulated again under it")
    return (f"{who} re-simulated the posterior particles' history from 2011 rather than "
            f"start from their stored states ({effect}): {escape(why)}.")


def group_tables(h: dict) -> list[Table]:
    """Men, women and minors at the end (and flows after the cut-off); then who is held in
    Iraq/Syria by origin region. Empty when the run kept no groups."""
    groups = h.get("groups")
    if not groups:
        return []
    by = groups["by_group"]
    t = Table(title=f"Men, women and minors at {h['end_month']} (minors: those who travelled "
              "as minors and the children born in Iraq/Syria; nobody ages out of the group; "
              "median [90% interval])", title_justify="left")
    t.add_column("quantity")
    for g in by:
        t.add_column(g, justify="right")
    for key, label in group_rows(h["attacks_counted_from"]):
        t.add_row(label, *[fmt(by[g][key]) for g in by])
    held = Table(title=f"Held in Iraq/Syria at {h['end_month']}, by origin region",
                 title_justify="left",
                 caption="No count of the camps was published by 2016: these rest on the "
                 "group priors and the model's hazards.")
    held.add_column("origin region")
    cols = ("men (prisons)", "women (camps)", "minors (camps)")
    for c in cols:
        held.add_column(c, justify="right")
    for region, d in groups["held_in_theatre"].items():
        held.add_row(region.replace("_", " "), *[fmt(d[c]) for c in cols])
    return [t, held]


def risk_tables(risk: dict, marked: dict | None = None,
                unsure: set[str] | None = None) -> list[Table]:
    """One table per risk region: per year after the cut-off, attacks and deaths (mean, and
    median [90% interval]) and the chance of at least one (mass-casualty) attack; the West's
    table starts with the cut-off year's record. Attacks at home by non-Western origins and
    in third theatres follow, each labelled as the prior-driven scenario it is (fitted to
    no record, :data:`ffcast.results.quantities.PRIOR_SCENARIO_REGIONS`); the West's years
    that rest mostly on parameters the data did not narrow (``marked``, keys
    ``west_attacks:<year>``) carry a †, those the screen cannot attribute (``unsure``) a ?."""
    from ffcast.results import quantities as Q
    from ffcast.results.risk import mean_text, percent, reliance_mark, whole

    marked = marked or {}
    unsure = unsure or set()
    out = []
    for region in Q.RISK_REGIONS:
        scenario_only = region in Q.PRIOR_SCENARIO_REGIONS
        subject = Q.RISK_REGION_SUBJECTS.get(region, Q.LINKED_SUBJECT)
        title = f"{subject}: {Q.RISK_REGION_LABELS[region]}, per year"
        caption = Q.RISK_REGION_DESCRIPTIONS[region] + "."
        if scenario_only:
            title = "[bold]Scenario, not a forecast[/]: " + title
            caption = Q.PRIOR_SCENARIO_NOTES[region] + ". " + caption
        table = Table(title=title, title_justify="left", caption=caption,
                      caption_justify="left")
        for col in ("year", "attacks", "median [90%]", "deaths", "median [90%]", "P(≥1)",
                    f"P(≥1 ≥{risk['mass_casualty_deaths']} dead)"):
            table.add_column(col, justify="left" if col == "year" else "right")
        rec = risk["record"]
        if region == "west" and rec is not None:
            table.add_row(f"{rec['year']} record", whole(rec["attacks"]), "", whole(rec["deaths"]),
                          "", "", f"{rec['mass_casualty_attacks']} attack(s)", style="dim")
        for year, row in risk["years"].items():
            q = row[region]
            label = year if row["months"] == 12 else f"{year} ({row['months']} mo)"
            if region == "west":
                label += reliance_mark(f"west_attacks:{year}", marked, unsure)
            table.add_row(label, mean_text(q["attacks"]["mean"]), fmt(q["attacks"]),
                          mean_text(q["deaths"]["mean"]), fmt(q["deaths"]),
                          percent(q["p_at_least_one"]), percent(q["p_mass_casualty"]))
        out.append(table)
    out[-1].caption += (f" Means are expected numbers. Linked to foreign fighters: "
                        f"{risk['linked_to'].split(': ', 1)[1]}.")
    return out


def emit_headline(head: Headline, out: Path | None, as_json: bool, what: str) -> None:
    """Print a run's headline as tables (or JSON), and where its ``what`` was written."""
    h = head.to_dict()
    if out is not None:
        h["out"] = str(out)
    if as_json:
        echo_json(h)
        return
    for table in headline_tables(h):
        print_table(console, table)
    said = history_sentence(h.get("history"), h.get("parameters"))
    if said:
        console.print(said)
    if out is not None:
        console.print(f"{what} written to [bold]{escape(str(out))}[/]")


def precheck(out: Path | None) -> None:
    """Refuse an unwritable ``--out`` in an existing folder before the simulation libraries
    even load. The library checks it again (extension included) once every other argument
    passed, and only then creates a missing folder."""
    if out is not None and folder_exists(out):
        from ffcast.files import check_output

        check_output(out, "--out", folder_ok=out.suffix.lower() == ".zarr",
                     create_parent=False)


def posterior_spec(posterior: str | None, prior: bool) -> str | None:
    """The library's ``posterior`` argument from ``--posterior FILE`` / ``--prior``."""
    from ffcast.errors import OptionsError

    if prior and posterior:
        raise OptionsError("--prior and --posterior: choose one")
    if posterior not in (None, "auto", "prior"):
        check_posterior_file(posterior)
    return "prior" if prior else (posterior or "auto")


def check_posterior_file(posterior: str) -> None:
    """``--posterior`` names a readable file (one line with the fix, before any work)."""
    from ffcast.errors import OptionsError, echo
    from ffcast.files import MAX_NAME_BYTES, MAX_PATH_BYTES

    path = Path(posterior)
    if "\x00" in posterior or len(os.fsencode(posterior)) > MAX_PATH_BYTES or any(
            len(os.fsencode(part)) > MAX_NAME_BYTES for part in path.parts):
        raise OptionsError(f"--posterior: {echo(posterior)} is too long a path; fix: use a "
                           "shorter name")
    if not path.is_file():
        raise OptionsError(f"--posterior: no file {echo(posterior)}; fix: pass the file "
                           "`ffcast calibrate --out` wrote, or drop --posterior")


@user_errors
def run_cmd(
    scenario: Annotated[str, typer.Argument(help="Preset name or path to a YAML file.")]
    = "baseline",
    draws: Draws = 1000,
    seed: Seed = 0,
    start: Start = "2011-01",
    end: End = "2026-12",
    out: OutFile = None,
    all_draws: AllDraws = False,
    force: Force = False,
    as_json: AsJson = False,
    chunk_size: ChunkSize = DEFAULT_CHUNK,
    posterior: PosteriorFile = None,
    prior: Prior = False,
    workers: Workers = None,
    scheduler: Scheduler = None,
    quiet: Quiet = False,
) -> None:
    """Run a scenario and print the headline: pathways, returnees, attacks."""
    precheck(out)
    from ffcast.runner import run

    warn_policy_reach(scenario, end)

    with stages(quiet or as_json) as st:
        head = run(scenario, draws=draws, seed=seed, start=start, end=end, out=out,
                   chunk_size=chunk_size,
                   progress=run_stages(st, f"simulating {scenario}", draws, out),
                   posterior=posterior_spec(posterior, prior), workers=workers,
                   scheduler=scheduler, all_draws=all_draws, force=force)
    emit_headline(head, out, as_json, _what(out, all_draws))


def _what(out: Path | None, all_draws: bool) -> str:
    from ffcast.results import SUMMARY_EXTENSIONS

    if out is not None and out.suffix.lower() in SUMMARY_EXTENSIONS and not all_draws:
        return "summary (mean, p5, p50, p95 per variable, month and country)"
    return "results (every draw)"


def fmt_diff(q: dict[str, float]) -> str:
    """``+median  [+p5 – +p95]`` of a paired difference (:func:`ffcast.results.risk.signed`:
    whole, or with its half when it lies halfway; 0 unsigned)."""
    from ffcast.results.risk import signed

    return f"{signed(q['median'])}  [{signed(q['p5'])} – {signed(q['p95'])}]"


def _unchanged(d: dict[str, float]) -> bool:
    return d["p5"] == d["p95"] == d["median"] == 0 and d["mean"] == 0


def compare_tables(res: dict) -> list[Table]:
    """The paired differences of :func:`ffcast.compare` as tables: every pathway, every
    home-pipeline stock, attacks and deaths by risk region (the West is the total; the
    prior-driven scenarios are labelled); then the countries a policy names."""
    from ffcast.results import quantities as Q

    head = (f"[bold]{escape(res['b'])}[/] minus [bold]{escape(res['a'])}[/]: "
            f"{res['draws']:,} paired draws (seed {res['seed']}); median [90% interval] of "
            "the difference, and the share of draws in which B is lower")

    def table(title: str) -> Table:
        t = Table(title=title, title_justify="left")
        t.add_column("quantity")
        t.add_column("B − A", justify="right")
        t.add_column("B lower", justify="right")
        return t

    def row(t: Table, label: str, d: dict[str, float]) -> None:
        t.add_row(label, fmt_diff(d), f"{d['share_of_draws_lower']:.0%}")

    span = f"{res.get('attacks_counted_from', 'cut-off')} – {res['end_month']}"

    t = table(head)
    t.add_row(f"[bold]People at {res['end_month']}, by pathway[/]", "", "")
    for q in Q.PATHWAYS:
        row(t, f"  {q.label}", res["pathways"][q.name])
    t.add_section()
    t.add_row("[bold]Of those returned home: where they are[/]", "", "")
    for k, label in Q.HOME_LABELS.items():
        row(t, f"  {label}", res["home"][k])
    for key, label in (("attacks", "Attacks"), ("attack_deaths", "Deaths in attacks")):
        t.add_section()
        t.add_row(f"[bold]{label}, {span}[/]", "", "")
        for region, where in Q.RISK_REGION_ROW_LABELS.items():
            row(t, f"  {where}", res[f"{key}_by_region"][region])
    tables = [t]
    groups = res.get("groups") or {}
    if groups:
        gt = Table(title="Men, women and minors: B − A (median [90% interval]); persons at "
                   f"{res['end_month']}, flows {span}", title_justify="left")
        gt.add_column("quantity")
        for g in groups:
            gt.add_column(g, justify="right")
        for key, label in group_rows(res.get("attacks_counted_from", "the cut-off")):
            gt.add_row(label, *[fmt_diff(groups[g][key]) for g in groups])
        tables.append(gt)
    countries = res.get("countries") or {}
    if countries:
        rest = res.get("countries_not_shown") or []
        more = (f"; only the first {len(countries)} of the {len(countries) + len(rest)} it "
                f"names (not shown: {', '.join(rest)})" if rest else "")
        c = table("The countries the policy names (home pipeline at "
                  f"{res['end_month']}; attacks and deaths linked to their fighters); rows "
                  f"the policy leaves unchanged in every draw are not shown{more}")
        for i, (iso3, d) in enumerate(countries.items()):
            if i:
                c.add_section()
            c.add_row(f"[bold]{d.get('name', iso3)} ({iso3})[/]", "", "")
            for k, label in Q.HOME_LABELS.items():
                if not _unchanged(d[k]):
                    row(c, f"  {label}", d[k])
            for key, label in (("attacks_total", f"Attacks in the West, {span}"),
                               ("attack_deaths_total", "Deaths in those attacks")):
                row(c, f"  {label}", d[key])
        tables.append(c)
    drivers = res.get("drivers") or {}
    if drivers:
        d = Table(title="What drives the difference across draws: the components chosen by "
                  "forward selection on rank correlations, each with the share of the "
                  "difference's rank variance it adds; 'open' = the data up to the cut-off "
                  "did not narrow it, so the difference rests on a prior there",
                  title_justify="left")
        d.add_column("difference")
        d.add_column("strongest components (share added, narrowed or open)")
        for key, label in (("attacks_total", "Attacks in the West (the total)"),
                           ("attacks_region:inmates_west",
                            "Attacks in the West by inmates radicalised in prison (a "
                            "prior-driven scenario, not foreign fighters)"),
                           ("attacks_region:home_elsewhere",
                            "Attacks at home, non-Western origins (a prior-driven scenario)"),
                           ("attacks:western_abroad", "Attacks in other Western countries"),
                           ("attack_deaths_total", "Deaths in attacks"),
                           *[(f"{q}:{g}", f"{label}: {g}") for g in ("men", "women", "minors")
                             for q, label in (("attacks_west", "Attacks in the West"),
                                              ("attacks_home_elsewhere",
                                               "Attacks at non-Western homes (a "
                                               "prior-driven scenario)"),
                                              ("returned", "Came home"),
                                              ("detained_in_theatre", "Held in Iraq/Syria"))]):
            info = drivers.get(key)
            if not info or not info["strongest"]:
                continue
            parts = [f"{c['component']} ({c['rank_r2']:.2f}, "
                     f"{'narrowed' if c['narrowed'] else 'open'})" for c in info["strongest"]]
            tag = (" [prior-driven]" if info["prior_driven"] else
                   " [undetermined]" if info.get("undetermined") else "")
            d.add_row(label + tag, "; ".join(parts))
        if not d.row_count:
            d.add_row("every difference", f"no component stands out at {res['draws']:,} draws "
                      "(the screen asks for 4 standard errors); run more draws to see what "
                      "drives them")
        tables.append(d)
    return tables


@user_errors
def compare_cmd(
    a: Annotated[str, typer.Argument(help="Reference scenario (preset or YAML).")],
    b: Annotated[str, typer.Argument(help="Alternative scenario (preset or YAML).")],
    draws: Draws = 1000,
    seed: Seed = 0,
    start: Start = "2011-01",
    end: End = "2026-12",
    as_json: AsJson = False,
    chunk_size: ChunkSize = DEFAULT_CHUNK,
    posterior: PosteriorFile = None,
    prior: Prior = False,
    workers: Workers = None,
    scheduler: Scheduler = None,
    quiet: Quiet = False,
) -> None:
    """Paired differences B - A under common random numbers (e.g. attacks averted).

    Options mean what they do for `ffcast run`, for both scenarios; nothing is written."""
    from ffcast.runner import compare

    for scen in (a, b):
        warn_policy_reach(scen, end)
    with stages(quiet or as_json) as st:
        labels = iter((f"simulating A: {a}", f"simulating B: {b}"))

        def advance(n: int) -> None:
            if n == 0 and st.done >= st.total:  # the library starts the next scenario
                st.start(next(labels), draws)
            st.advance(n)

        res = compare(a, b, draws=draws, seed=seed, start=start, end=end,
                      chunk_size=chunk_size, progress=advance,
                      posterior=posterior_spec(posterior, prior), workers=workers,
                      scheduler=scheduler)
    if as_json:
        echo_json(res)
        return
    for table in compare_tables(res):
        print_table(console, table)
    for side, history in (res.get("history") or {}).items():
        said = history_sentence(history, res.get("parameters"),
                                f"{side} ({escape(str(res.get(side.lower(), side)))})")
        if said:
            console.print(said)


@user_errors
def scenarios_list(as_json: AsJson = False) -> None:
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
    print_table(console, t)


@user_errors
def scenarios_show(
    name: Annotated[str, typer.Argument(help="Preset name or YAML path.")],
    as_json: AsJson = False,
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


def register(app: typer.Typer) -> None:
    """Add the engine commands to the root app."""
    app.command("run")(run_cmd)
    app.command("compare")(compare_cmd)
    scenarios_app.command("list")(scenarios_list)
    scenarios_app.command("show")(scenarios_show)
    app.add_typer(scenarios_app, name="scenarios")
