"""``ffcast data ...``: list, show and plot the embedded, cited datasets, and the group priors.

Every table command takes ``--json``; dates print as YYYY-MM-DD and missing values as null.
Set ``FFCAST_DATA_DIR`` to read replacement dataset files (tests, deliberate overrides).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ffcast.cli.common import checked_cutoff, echo_json, user_errors
from ffcast.errors import FFCastError

if TYPE_CHECKING:
    import pandas as pd

# pandas and the data layer are imported inside the commands: `ffcast run --out /bad/path`
# should fail in a blink, not after loading every library of the package.

app = typer.Typer(no_args_is_help=True, help="Embedded, cited datasets.")

PLOT_KINDS = ("territory", "deaths")
PLOT_SUFFIXES = (".png", ".html")
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("list")
@user_errors
def list_datasets(
    as_json: JsonFlag = False,
) -> None:
    """List datasets with their row counts and descriptions."""
    import pandas as pd

    from ffcast import data
    from ffcast.data.schema import SPECS

    rows = [
        {"name": name, "rows": len(data.load(name)), "description": spec.description}
        for name, spec in SPECS.items()
    ]
    _emit(pd.DataFrame(rows), as_json, title="ffcast datasets")


@app.command("show")
@user_errors
def show(
    name: Annotated[str, typer.Argument(help="Dataset name (see `ffcast data list`).")],
    country: Annotated[
        str | None,
        typer.Option("--country", help="Only rows of this ISO3 code (case-insensitive)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show a dataset, optionally one country's rows."""
    from ffcast import data

    frame = data.load(name)
    if country is not None:
        if "iso3" not in frame.columns:
            raise FFCastError(f"--country: dataset {name!r} has no iso3 column; "
                              "drop --country or pick a per-country dataset")
        code = data.resolve_iso3(country, field="--country")
        frame = frame[frame["iso3"] == code].reset_index(drop=True)
    _emit(frame, as_json, title=name)


@app.command("sources")
@user_errors
def show_sources(
    used: Annotated[
        bool, typer.Option("--used", help="Only sources cited by some dataset.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Show the source registry (id, publisher, title, date, url, grade, notes)."""
    from ffcast import data

    frame = data.sources()
    if used:
        frame = frame[frame["id"].isin(data.used_source_ids())].reset_index(drop=True)
    _emit(frame, as_json, title="sources")


@app.command("best")
@user_errors
def best(
    cutoff: Annotated[
        str | None,
        typer.Option("--cutoff", help="The estimates published by the end of this month "
                     "(YYYY-MM) and, beside them, what the engine reads at that cut-off: "
                     "each moved to the cut-off along the world's recruitment (ADR 0025)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Best estimates of travellers by end 2016 per country, then the remainder split by region.

    The remainder rows (``R-WEU`` ... and ``ROW``, ``kind`` = remainder) are travellers the
    world total holds but no country statement names, assigned to the region whose published
    total claims them. ``--json`` gives every row with its sources and rule. With
    ``--cutoff``, each row's estimate as published by that month (``published_*``, of the
    month ``newest_as_of``) and the engine's prior at the cut-off (``low``, ``central``,
    ``high``; ``moved`` = the factor an estimate of an earlier month was multiplied by).
    """
    from ffcast import data

    if cutoff is not None:
        _best_at_cutoff(cutoff, as_json)
        return
    frame = data.best_estimates()
    if as_json:
        _emit(frame, True, title="best")
        return
    total = data.total_travellers_2016()
    shown = frame.drop(columns=["rule", "sources", "kind"])
    countries = shown[frame["kind"] == "country"]
    remainders = shown[frame["kind"] == "remainder"]
    _emit(countries, False, title=f"Travellers by end 2016, {len(countries)} countries "
          f"(world total {total.central:,}; range {total.low:,}-{total.high:,}; see `--json` "
          "for sources and rules)")
    share = remainders["central"] / max(total.central, 1)
    _emit(remainders.assign(share=[f"{v:.1%}" for v in share]), False,
          title="Remainder split by region: travellers not named in any country's statement")
    typer.echo(f"countries {int(countries['central'].sum()):,} + remainders "
               f"{int(remainders['central'].sum()):,} = {int(frame['central'].sum()):,}")


def _best_at_cutoff(cutoff: str, as_json: bool) -> None:
    """``ffcast data best --cutoff``: the estimates published by the cut-off beside the
    engine's prior at it (the run's own ``prepare``, so the table is what a run reads)."""
    import pandas as pd

    from ffcast import data
    from ffcast.engine import prepare
    from ffcast.scenario import Scenario
    cutoff = checked_cutoff(cutoff, "--cutoff")
    published = data.best_estimates(as_of=cutoff)
    prep = prepare(Scenario(name=f"best-{cutoff}", cutoff=cutoff),
                   end=str(pd.Period(cutoff, "M") + 1))
    prior = prep.countries
    if list(prior["iso3"]) != list(published["iso3"]):  # prepare keeps every row, in order
        raise FFCastError("data best --cutoff: the engine's rows differ from the estimates' "
                          "(a bug: report it)")
    frame = pd.DataFrame({
        "iso3": published["iso3"], "name": published["name"], "region": published["region"],
        "kind": published["kind"], "newest_as_of": published["newest_as_of"],
        "published_low": published["low"], "published_central": published["central"],
        "published_high": published["high"],
        "pace": prep.pace.round(3), "moved": prior["vintage"].to_numpy().round(3),
        "low": prior["low"].to_numpy(), "central": prior["central"].to_numpy(),
        "high": prior["high"].to_numpy(),
        "sources": published["sources"], "rule": published["rule"]})
    if as_json:
        _emit(frame, True, title="best")
        return
    shown = frame.drop(columns=["sources", "rule", "kind"]).rename(columns={
        "published_low": "published low", "published_central": "published central",
        "published_high": "published high", "moved": "x moved", "low": "at cut-off low",
        "central": "at cut-off central", "high": "at cut-off high"})
    _emit(shown, False, title=(
        f"Travellers by the cut-off {cutoff}: each estimate as published by then (of the "
        "month newest_as_of) and the engine's prior at the cut-off, central and high moved "
        "from that month to the cut-off along the world's recruitment at the row's pace "
        "(ADR 0025, ADR 0028)"))
    typer.echo(f"published {int(frame['published_central'].sum()):,}; at the cut-off "
               f"{int(frame['central'].sum()):,} (countries "
               f"{int(frame.loc[frame['kind'] == 'country', 'central'].sum()):,}, remainders "
               f"{int(frame.loc[frame['kind'] == 'remainder', 'central'].sum()):,})")


@app.command("groups")
@user_errors
def groups(
    cutoff: Annotated[
        str | None,
        typer.Option("--cutoff", help="Use only rows published by the end of this month "
                     "(YYYY-MM; default and latest 2016-12)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Priors of the shares of women, minors and men among the travellers, per region.

    One table per region: women among the adult travellers, minors among all travellers and
    adult men (derived from the two), each a Beta prior shown as median [90% interval] with
    the group_composition rows it rests on, or "judgement" and why; then the births in
    theatre (per woman per year, all regions). ``--json`` gives every number with its rows.
    """
    from ffcast import data
    from ffcast.data.regions import REGION_NAMES

    if cutoff is not None:
        cutoff = checked_cutoff(cutoff, "--cutoff")
    priors = data.group_priors(cutoff)
    if as_json:
        _emit(priors, True, title="groups")
        return
    published = priors["cutoff"].iloc[0]
    for region, frame in priors.groupby("region", sort=False):
        name = REGION_NAMES.get(str(region), "all regions")
        _emit(_prior_table(frame), False,
              title=f"{name} ({region}): rows published by {published}")


def _prior_table(priors: pd.DataFrame) -> pd.DataFrame:
    """group, of, median [90% interval], basis and the rows used (or the judgement)."""
    import pandas as pd

    def shown(row: pd.Series) -> str:
        if row["group"] == "births":
            return f"{row['median']:.3f} [{row['p5']:.3f}, {row['p95']:.3f}]"
        return f"{row['median']:.1%} [{row['p5']:.1%}, {row['p95']:.1%}]"

    basis = dict(zip(priors["group"], priors["basis"], strict=True))

    def rows_used(row: pd.Series) -> str:
        if row["basis"] == "judgement":
            return str(row["reason"])
        how = str(row["basis"])
        if how == "derived":  # from the women and minors priors, whatever they rest on
            how = f"derived from women ({basis['women']}) and minors ({basis['minors']})"
        return f"{how}: {row['rows'].replace(';', ', ')}"

    used = [rows_used(row) for _, row in priors.iterrows()]
    return pd.DataFrame({"group": priors["group"].to_numpy(), "of": priors["of"].to_numpy(),
                         "median [90% interval]": [shown(r) for _, r in priors.iterrows()],
                         "rows used": used})


@app.command("plot")
@user_errors
def plot(
    kind: Annotated[str, typer.Argument(help="territory or deaths")],
    out: Annotated[Path, typer.Option("--out", help="Output file, .png or .html.")],
) -> None:
    """Draw one of the essay's figures (territory, deaths) to a PNG or HTML file."""
    if kind not in PLOT_KINDS:
        from ffcast.errors import echo, suggestion

        raise FFCastError(f"kind: unknown plot {echo(kind)}{suggestion(kind, PLOT_KINDS)}; use "
                          f"one of: {', '.join(PLOT_KINDS)}")
    from ffcast.files import check_output

    check_output(out, "--out", PLOT_SUFFIXES)  # (a missing Chromium fails as fast in render)
    # Imported late: plotting pulls in plotly/kaleido, which `ffcast data list` should not pay
    from ffcast.plots.essay import render

    render(kind, Path(out))
    typer.echo(f"wrote {out}")


def _emit(frame: pd.DataFrame, as_json: bool, title: str) -> None:
    import pandas as pd

    frame = _dates_as_text(frame)
    if as_json:
        echo_json(frame)
        return
    table = Table(title=title, show_lines=False)
    for col in frame.columns:
        # codes and numbers stay on one line; only free text wraps
        widest = int(frame[col].astype(str).str.len().max()) if len(frame) else 0
        prose = widest > 24
        table.add_column(str(col), overflow="fold", no_wrap=not prose,
                         min_width=max(len(str(col)), min(widest, 24)),
                         max_width=60 if prose else None)
    for row in frame.itertuples(index=False):
        table.add_row(*("" if pd.isna(v) else escape(str(v)) for v in row))
    console = Console()
    # A dataset row is worth more than a tidy fit: widen past a narrow terminal rather than
    # squeezing codes into ellipses (the terminal wraps long lines; nothing is cut off).
    natural = console.measure(table, options=console.options.update_width(1000)).maximum
    if natural > console.width:
        console = Console(width=min(natural, 240))
    console.print(table, crop=False)


def _dates_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    frame = frame.copy()
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = frame[col].dt.strftime("%Y-%m-%d").astype(object)
    return frame
