"""The essay's two context figures, rebuilt from ffcast's embedded, cited data.

Figure 1: Islamic State territory, January 2015 - December 2016 (IHS Conflict Monitor).
Figure 2: deaths from terrorism, 2000-2016 (GTD fatalities by region; GTI OECD totals).

Warning: the GTD and GTI series count differently (GTD sums ``nkill`` including perpetrators;
GTI applies its own inclusion rules) and cover different areas (Western Europe + North America
vs all OECD members). The deaths figure draws them as separate marks and never adds them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from ffcast import data as ffdata
from ffcast.errors import FFCastError
from ffcast.plots import export, style

# Events named in the essay, at their publicly announced dates (Iraqi government): few, so the
# figure stays about territory rather than becoming a timeline.
TERRITORY_EVENTS: tuple[tuple[str, str], ...] = (
    ("2016-06-26", "Falluja retaken"),
    ("2016-10-17", "Mosul offensive begins"),
)

GTD_RELEASE = "GTD_OWID"  # GTD release 0522 (revised data), the only one with regional rows
GTD_REGIONS: tuple[tuple[str, str], ...] = (  # (region, colour); first is the bottom of the stack
    ("Western Europe", style.BLUE),
    ("North America", style.SKY_BLUE),
)
GTI_MEASURE = "GTI deaths from terrorism"  # excludes the unverified "conflicting" OECD report
DEATHS_YEARS = (2000, 2016)
# Linear y-axis top. 2001 North America (3,027, the 11 September attacks) would otherwise
# flatten every other year; the clipped bar gets break marks and its true value. Not a log
# axis: stacked segments on a log scale do not add up visually, and the zero years
# (North America 2004, 2011) cannot be drawn at all.
DEATHS_Y_MAX = 700
# Territory axis top: a little above the 90,800 km² start so the first label fits.
TERRITORY_Y_MAX_KM2 = 100_000.0


def territory_figure() -> go.Figure:
    """Figure 1: ISIS-held territory (km²) from the dated IHS estimates, Jan 2015 - Dec 2016.

    Only published km² values are plotted; the Q1-2016 percentage-only statement is an
    annotation. The right axis gives the share of the January 2015 extent.
    """
    frame = ffdata.load("territory").sort_values("date").reset_index(drop=True)
    observed = frame[frame["area_km2"].notna()]
    baseline_km2 = float(observed["area_km2"].iloc[0])
    fig = go.Figure(layout={"template": style.TEMPLATE})
    fig.add_trace(_territory_trace(observed, baseline_km2))
    y_max = TERRITORY_Y_MAX_KM2
    _add_share_axis(fig, baseline_km2, y_max)
    for _, row in frame[frame["area_km2"].isna()].iterrows():
        _add_percent_only_statement(fig, row, y_max)
    for date, label in TERRITORY_EVENTS:
        _add_event(fig, pd.Timestamp(date), label, y_max)
    last_km2 = float(observed["area_km2"].iloc[-1])
    change = f"{last_km2 / baseline_km2 - 1:+.0%}".replace("-", "−")
    fig.update_layout(
        title={
            "text": "Islamic State territorial losses, January 2015 – December 2016",
            "subtitle": {
                "text": f"Area held in Iraq and Syria, IHS estimates: {baseline_km2:,.0f} km² → "
                f"{last_km2:,.0f} km² ({change})"
            },
        },
        showlegend=False,
        margin={"r": 90},
        xaxis={
            "title": {"text": "Date of IHS estimate"},
            "range": [pd.Timestamp("2014-12-01"), pd.Timestamp("2017-02-15")],
            "dtick": "M3",
            "tickformat": "%b<br>%Y",
            "showgrid": False,  # the shaded quarter and event lines are the vertical guides
        },
        yaxis={
            "title": {"text": "Territory held (km²)"},
            "range": [0, y_max],
            "tickformat": ",",
        },
    )
    sources = ", ".join(_source_ids(frame["source"]))
    style.add_source_note(
        fig,
        f"Source: IHS Conflict Monitor / IHS Markit press releases ({sources}). Markers are "
        "dated estimates; lines only join them. Event dates as announced by the Iraqi "
        "government.",
    )
    return fig


def _territory_trace(observed: pd.DataFrame, baseline_km2: float) -> go.Scatter:
    """Line + markers + value labels for the dated km² estimates."""
    # Share recomputed from km² (not read from share_of_jan2015) so hover and the right axis
    # agree by construction, whatever rounding the data layer applies.
    share = observed["area_km2"] / baseline_km2
    return go.Scatter(
        name="Territory held (IHS)",
        x=observed["date"],
        y=observed["area_km2"],
        mode="lines+markers+text",
        text=[f"{v:,.0f}" for v in observed["area_km2"]],
        # Below the points: the area under the line is empty, above it hold the annotations.
        textposition="bottom center",
        textfont={"size": 13},
        line={"color": style.VERMILLION, "width": 3},
        marker={"size": 10, "color": style.VERMILLION, "line": {"color": "white", "width": 1.5}},
        fill="tozeroy",
        fillcolor="rgba(213, 94, 0, 0.12)",  # VERMILLION, faint: area under IS control
        customdata=list(zip(share, observed["change_note"], observed["source"], strict=True)),
        hovertemplate=(
            "%{x|%d %b %Y}<br><b>%{y:,.0f} km²</b> (%{customdata[0]:.0%} of Jan 2015)"
            "<br>%{customdata[1]}<br>Source: %{customdata[2]}<extra></extra>"
        ),
    )


def _add_share_axis(fig: go.Figure, baseline_km2: float, y_max: float) -> None:
    """Right axis in % of the January 2015 extent, scaled so its ticks line up with km²."""
    # A transparent trace on y2: plotly only draws an axis that carries a trace.
    fig.add_trace(go.Scatter(x=[None], y=[None], yaxis="y2", showlegend=False, hoverinfo="skip"))
    fig.update_layout(
        yaxis2={
            "title": {"text": "Share of January 2015 extent"},
            "overlaying": "y",
            "side": "right",
            "range": [0, 100 * y_max / baseline_km2],
            # With explicit tickvals plotly drops ticksuffix, so spell the labels out.
            "tickvals": [0, 25, 50, 75, 100],
            "ticktext": ["0%", "25%", "50%", "75%", "100%"],
            "showgrid": False,
            "showline": True,
            "linecolor": style.GREY,
            "ticks": "outside",
            "tickcolor": style.GREY,
        }
    )


def _add_percent_only_statement(fig: go.Figure, row: pd.Series, y_max: float) -> None:
    """Shade the quarter an IHS %-only statement covers and quote it; no km² is invented."""
    end = pd.Timestamp(row["date"])
    start = end.to_period("Q").start_time
    fig.add_vrect(x0=start, x1=end, fillcolor=style.GREY, opacity=0.10, line_width=0)
    statement = str(row["change_note"]).split(";")[0].strip()
    fig.add_annotation(
        x=start + (end - start) / 2,
        y=0.93 * y_max,
        text=f"{statement.replace('-', '−', 1)}<br>(IHS, {row['source']}; no km² published)",
        showarrow=False,
        font={"size": 12, "color": style.GREY},
        bgcolor="rgba(255,255,255,0.85)",
    )


def _add_event(fig: go.Figure, when: pd.Timestamp, label: str, y_max: float) -> None:
    """A dotted vertical line with a short label low in the plot, clear of the data."""
    fig.add_shape(
        type="line",
        x0=when,
        x1=when,
        y0=0,
        y1=0.38 * y_max,
        line={"color": style.GREY, "width": 1.5, "dash": "dot"},
    )
    fig.add_annotation(
        x=when,
        y=0.38 * y_max,
        text=f"{label}<br>({when:%b %Y})",
        showarrow=False,
        yanchor="bottom",
        font={"size": 12, "color": style.GREY},
        bgcolor="rgba(255,255,255,0.85)",
    )


def deaths_figure() -> go.Figure:
    """Figure 2: deaths from terrorism, 2000-2016 (people killed per year).

    Stacked bars: GTD fatalities in Western Europe and North America (release 0522). Diamonds:
    the GTI's all-OECD totals. The 2001 North America bar is clipped and labelled.
    """
    gtd = ffdata.load("deaths_gtd")
    gti = ffdata.load("deaths_gti")
    first, last = DEATHS_YEARS
    regions = [region for region, _ in GTD_REGIONS]
    gtd = gtd[
        (gtd["release"] == GTD_RELEASE)
        & gtd["region"].isin(regions)
        & gtd["year"].between(first, last)
    ]
    fig = go.Figure(layout={"template": style.TEMPLATE})
    for region, colour in GTD_REGIONS:
        fig.add_trace(_gtd_bar(gtd[gtd["region"] == region].sort_values("year"), region, colour))
    oecd = gti[(gti["scope"] == "OECD") & (gti["measure"] == GTI_MEASURE)]
    oecd = oecd[oecd["deaths"].notna()].sort_values("year")
    fig.add_trace(_gti_trace(oecd))
    _mark_clipped_bars(fig, gtd)
    fig.update_layout(
        barmode="stack",
        bargap=0.25,
        title={
            "text": "Deaths from terrorism in Western Europe, North America and the OECD, "
            "2000–2016",
            "subtitle": {
                "text": "Two sources with different counting rules and areas: "
                "shown side by side, never added together"
            },
        },
        # Inside the plot, over the empty 2002-2013 headroom: a legend above the plot would
        # compete with the subtitle, one on the right would squeeze 17 years of bars.
        legend={"x": 0.42, "xanchor": "left", "y": 0.98, "yanchor": "top"},
        xaxis={"title": {"text": "Year"}, "dtick": 1, "range": [first - 0.6, last + 0.6]},
        yaxis={
            "title": {"text": "Deaths per year (people killed)"},
            "range": [0, DEATHS_Y_MAX],
            "tickformat": ",",
        },
    )
    _add_deaths_source_note(fig, gtd, oecd)
    return fig


def _gtd_bar(rows: pd.DataFrame, region: str, colour: str) -> go.Bar:
    """One region's GTD fatalities per year, as one layer of the stack."""
    return go.Bar(
        name=f"GTD fatalities: {region}",
        x=rows["year"].astype(int),
        y=rows["nkill"].astype("float64"),
        marker={"color": colour},
        hovertemplate=f"{region}, %{{x}}: %{{y:,.0f}} deaths (GTD)<extra></extra>",
    )


def _gti_trace(oecd: pd.DataFrame) -> go.Scatter:
    """GTI OECD totals as labelled diamonds: a different series, so a different mark."""
    return go.Scatter(
        name="GTI deaths: all OECD countries",
        x=oecd["year"].astype(int),
        y=oecd["deaths"].astype("float64"),
        mode="markers+text",
        text=[f"{v:,.0f}" for v in oecd["deaths"]],
        textposition="middle left",
        textfont={"size": 13, "color": style.VERMILLION},
        marker={
            "symbol": "diamond",
            "size": 14,
            "color": style.VERMILLION,
            "line": {"color": "white", "width": 1.5},
        },
        customdata=oecd["source"],
        hovertemplate="OECD, %{x}: %{y:,.0f} deaths (%{customdata})<extra></extra>",
    )


def _mark_clipped_bars(fig: go.Figure, gtd: pd.DataFrame) -> None:
    """Label every year whose stacked GTD total runs off the top of the axis."""
    totals = gtd.groupby("year")["nkill"].sum()
    for year, total in totals[totals > DEATHS_Y_MAX].items():
        parts = gtd[gtd["year"] == year].set_index("region")["nkill"]
        detail = ", ".join(f"{region} {parts[region]:,.0f}" for region, _ in GTD_REGIONS)
        _add_break_marks(fig, year)
        fig.add_annotation(
            x=year,
            y=DEATHS_Y_MAX,
            yanchor="top",
            xanchor="left",
            xshift=18,
            yshift=-4,
            text=f"◀ {year}: {total:,.0f} deaths, bar cut off<br>({detail};"
            "<br>North America includes 11 September)",
            align="left",
            showarrow=False,
            font={"size": 12, "color": style.GREY},
            bgcolor="rgba(255,255,255,0.9)",
        )


def _add_break_marks(fig: go.Figure, year: int) -> None:
    """Two white slashes across the clipped bar, the usual sign of a broken axis."""
    for offset in (0.0, 0.035):
        y0, y1 = (0.90 + offset) * DEATHS_Y_MAX, (0.93 + offset) * DEATHS_Y_MAX
        fig.add_shape(
            type="line",
            x0=year - 0.45,
            x1=year + 0.45,
            y0=y0,
            y1=y1,
            line={"color": "white", "width": 3},
        )


def _add_deaths_source_note(fig: go.Figure, gtd: pd.DataFrame, oecd: pd.DataFrame) -> None:
    """Name both sources and what each counts."""
    gtd_ids = ", ".join(_source_ids(gtd["source"]))
    gti_ids = ", ".join(_source_ids(oecd["source"]))
    found = " and ".join(str(year) for year in oecd["year"])
    style.add_source_note(
        fig,
        f"Sources: Global Terrorism Database release 0522 via Our World in Data ({gtd_ids}): "
        f"sum of fatalities incl. perpetrators. Global Terrorism Index, IEP ({gti_ids}): deaths "
        f"in all OECD members (incl. e.g. Turkey), found for {found} only. "
        "Regions and rules differ; do not add or subtract the two.",
    )


def _source_ids(column: Iterable[str]) -> list[str]:
    """Sorted unique source ids from a column of possibly ';'-joined ids."""
    return sorted({part.strip() for cell in column for part in str(cell).split(";")} - {""})


FIGURES: dict[str, Callable[[], go.Figure]] = {
    "territory": territory_figure,
    "deaths": deaths_figure,
}
# Output writer by file extension (PySD-style pluggable outputs).
WRITERS: dict[str, Callable[[go.Figure, Path], Path]] = {
    ".png": lambda fig, out: export.write_png(fig, out),
    ".html": lambda fig, out: export.write_html(fig, out, title=_plain_title(fig)),
}


def _plain_title(fig: go.Figure) -> str:
    """The figure's title for an HTML <title> element."""
    return fig.layout.title.text or "ffcast figure"


def render(kind: str, out: Path) -> Path:
    """Build figure ``kind`` ("territory" or "deaths") and write it to ``out``.

    The format follows the extension: .png (kaleido/Chromium) or .html (self-contained,
    offline). Raises FFCastError for an unknown kind or extension. Returns ``out``.
    """
    if kind not in FIGURES:
        raise FFCastError(
            f"unknown figure kind {kind!r}; valid kinds: {', '.join(sorted(FIGURES))}"
        )
    out = Path(out)
    writer = WRITERS.get(out.suffix.lower())
    if writer is None:
        raise FFCastError(
            f"cannot write figure to {out.name!r}: extension must be one of {', '.join(WRITERS)}"
        )
    return writer(FIGURES[kind](), out)
