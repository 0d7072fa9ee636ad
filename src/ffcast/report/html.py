"""The report page: one self-contained HTML file that works offline and prints.

Warning first: nothing on the page may come from another host. plotly.js is inlined once,
in the ``<head>``, so it runs before every figure's script whatever the order of the
sections (a figure placed above the one that carried plotly.js drew nothing: "Plotly is not
defined"); the world topojson is embedded as ``window.PlotlyGeoAssets`` before it (plotly
would otherwise fetch map shapes from a CDN and draw a blank map), the
CSS and the table script are inlined from ``ffcast/assets``; links to sources are plain
anchors that load nothing until clicked. The file is written atomically.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

from ffcast.plots import export

ASSETS = resources.files("ffcast") / "assets"


def asset_text(name: str) -> str:
    """Text of a packaged asset (``ffcast/assets/<name>``)."""
    return (ASSETS / name).read_text(encoding="utf-8")


def topojson_dir() -> Path:
    """Directory holding ``world_110m.json`` (for kaleido's ``file://`` topojson URL)."""
    return Path(str(ASSETS / "topojson"))


@dataclass(frozen=True)
class Section:
    """One section of the page: an anchor id, a heading and its HTML body."""

    anchor: str
    heading: str
    body: str


def esc(text: object) -> str:
    """HTML-escape ``text``."""
    return html.escape(str(text), quote=True)


def figure_html(figs: Sequence[go.Figure]) -> list[str]:
    """Each figure as a ``<div>`` and the script that draws it, without plotly.js (which
    :func:`page` inlines once, in the head, so no figure depends on the order of the others).

    Figures fill the page width (the template's fixed 1000 px is for PNGs) and keep their
    height.
    """
    out = []
    for fig in figs:
        responsive = go.Figure(fig)
        responsive.layout.template.layout.width = None
        responsive.update_layout(autosize=True)
        div = pio.to_html(responsive, full_html=False, include_plotlyjs=False,
                          include_mathjax=False, config=export._PLOTLY_CONFIG,
                          default_width="100%")
        out.append(f'<div class="ffcast-figure">{div}</div>')
    return out


def table(headers: Sequence[tuple[str, bool]], rows: Sequence[Sequence[tuple[str, object]]],
          table_id: str = "", sortable: bool = False, css: str = "") -> str:
    """An HTML table. ``headers``: (label, numeric); cells: (display text, sort value).

    A numeric cell carries its sort value in ``data-value`` so the script sorts numbers as
    numbers; texts are escaped here.
    """
    classes = " ".join(c for c in ("sortable" if sortable else "", css) if c)
    head = "".join(
        f'<th{" class=num" if num else ""}{" data-sort" if sortable else ""} scope="col">'
        f"{esc(label)}</th>" for label, num in headers)
    body = []
    for row in rows:
        cells = []
        for (text, value), (_, num) in zip(row, headers, strict=True):
            attr = f' class="num" data-value="{value}"' if num else ""
            cells.append(f"<td{attr}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    ident = f' id="{esc(table_id)}"' if table_id else ""
    return (f'<table{ident} class="{classes}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def page(title: str, subtitle: str, sections: Sequence[Section]) -> str:
    """The whole document: head (CSS, topojson, plotly.js), contents, sections, table script.

    plotly.js is in the head, before any section: every figure's script can rely on it.
    """
    nav = "".join(f'<li><a href="#{s.anchor}">{esc(s.heading)}</a></li>' for s in sections)
    body = "\n".join(f'<section id="{s.anchor}"><h2>{esc(s.heading)}</h2>\n{s.body}</section>'
                     for s in sections)
    geo = asset_text("topojson/world_110m.json")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{esc(title)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<style>{asset_text('report.css')}</style>\n"
        # Before plotly.js runs: its geo module reads map shapes from here, not a CDN.
        f'<script>window.PlotlyGeoAssets = {{topojson: {{"world_110m": {geo}}}}};</script>\n'
        f"{export.plotly_js()}"
        "</head>\n<body>\n"
        f"<header><h1>{esc(title)}</h1><p class=\"meta\">{subtitle}</p></header>\n"
        f'<nav aria-label="Contents"><ol>{nav}</ol></nav>\n{body}\n'
        f"<script>{asset_text('report.js')}</script>\n</body>\n</html>\n"
    )


def write(document: str, out: str | Path) -> Path:
    """Write the page atomically (temp file + rename, via :mod:`ffcast.plots.export`)."""
    return export.atomic_write(Path(out), document.encode("utf-8"))
