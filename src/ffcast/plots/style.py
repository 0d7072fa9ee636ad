"""One look for every ffcast figure: the Okabe-Ito palette, a base layout template, a source note.

Okabe & Ito (2008), "Color Universal Design": eight colours that stay distinct under the common
colour-vision deficiencies. Yellow is kept out of the pathway map because it disappears on
white. The report and dashboard reuse :data:`PATHWAY_COLOURS` so a pathway has one colour
everywhere.
"""

from __future__ import annotations

import textwrap
from types import MappingProxyType

import plotly.graph_objects as go

# Okabe-Ito palette (hex values from Okabe & Ito 2008).
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"

OKABE_ITO: tuple[str, ...] = (
    BLACK,
    ORANGE,
    SKY_BLUE,
    BLUISH_GREEN,
    YELLOW,
    BLUE,
    VERMILLION,
    REDDISH_PURPLE,
)

# Pathway -> colour. Read-only so a consumer cannot recolour a pathway for everyone else.
PATHWAY_COLOURS: MappingProxyType[str, str] = MappingProxyType(
    {
        "returned": BLUE,
        "in_theatre": ORANGE,
        "killed": BLACK,
        "detained_in_theatre": SKY_BLUE,
        "joined_other": REDDISH_PURPLE,
        "relocated": BLUISH_GREEN,
        "dispatched": VERMILLION,
    }
)

GREY = "#595959"  # secondary text; not a data colour, so outside the palette
GRID = "#E5E5E5"

# Arial first, then its metric-compatible Debian stand-in, so kaleido PNGs match browsers.
FONT_FAMILY = "Arial, 'Liberation Sans', Helvetica, 'DejaVu Sans', sans-serif"
BASE_FONT_SIZE = 14
NOTE_FONT_SIZE = 11
# Pixels from the bottom of the plot area to the top of the source note: clears tick labels
# (~20 px) and an axis title (~20 px plus standoff) set by TEMPLATE below.
NOTE_OFFSET_PX = 68
NOTE_LINE_PX = 15
NOTE_WRAP_CHARS = 150

_AXIS = {
    "showline": True,
    "linecolor": GREY,
    "ticks": "outside",
    "tickcolor": GREY,
    "gridcolor": GRID,
    "zeroline": False,
    "automargin": True,
    "title": {"standoff": 10, "font": {"size": BASE_FONT_SIZE}},
}

TEMPLATE = go.layout.Template(
    layout={
        "font": {"family": FONT_FAMILY, "size": BASE_FONT_SIZE, "color": "#222222"},
        # Title pinned near the top edge so the space above the plot goes to title + subtitle.
        "title": {
            "x": 0.0,
            "xanchor": "left",
            "xref": "paper",
            "y": 0.97,
            "yanchor": "top",
            "yref": "container",
            "font": {"size": 20},
            "subtitle": {"font": {"size": 14, "color": GREY}},
        },
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        # Strongest contrasts first; yellow (faint on white) and black (reads as an axis) last.
        "colorway": [
            BLUE,
            VERMILLION,
            BLUISH_GREEN,
            ORANGE,
            REDDISH_PURPLE,
            SKY_BLUE,
            BLACK,
            YELLOW,
        ],
        "xaxis": _AXIS,
        "yaxis": _AXIS,
        "legend": {"bgcolor": "rgba(255,255,255,0.85)", "font": {"size": 13}},
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
        "margin": {"l": 80, "r": 40, "t": 90, "b": 80},
        "width": 1000,
        "height": 600,
    }
)


def add_source_note(fig: go.Figure, text: str) -> go.Figure:
    """Put ``text`` as a small grey note under the plot, below the x-axis title.

    Long text is wrapped; the bottom margin grows to fit every line, so the note is never
    cut off and never overlaps tick labels or the axis title. Returns ``fig`` (modified).
    """
    lines = textwrap.wrap(text, NOTE_WRAP_CHARS) or [""]
    fig.add_annotation(
        text="<br>".join(lines),
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        xanchor="left",
        yanchor="top",
        yshift=-NOTE_OFFSET_PX,
        align="left",
        showarrow=False,
        font={"size": NOTE_FONT_SIZE, "color": GREY},
        name="source_note",
    )
    needed = NOTE_OFFSET_PX + NOTE_LINE_PX * len(lines) + 12
    current = fig.layout.margin.b or TEMPLATE.layout.margin.b
    fig.update_layout(margin={"b": max(needed, current)})
    return fig
