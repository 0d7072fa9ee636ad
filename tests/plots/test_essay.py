"""Essay figures: right numbers on the right marks, honest axes, offline HTML, real PNGs.

The figures read data through ``ffcast.data.load``; these tests swap in small frames that
follow the loader's contract (values copied from the cited CSVs), so they pin what the figures
draw independently of the data layer. ``test_real_loader_*`` checks the two agree.
"""

from __future__ import annotations

import math
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from ffcast import data as ffdata
from ffcast.errors import FFCastError
from ffcast.plots import essay, export, style

TERRITORY_KM2 = {
    "2015-01-01": 90800.0,
    "2015-12-14": 78000.0,
    "2016-07-04": 68300.0,
    "2016-10-03": 65500.0,
    "2016-12-31": 60400.0,
}
GTD_WESTERN_EUROPE = [42, 40, 9, 5, 196, 60, 6, 17, 3, 15, 5, 83, 12, 8, 6, 171, 170]
GTD_NORTH_AMERICA = [13, 3027, 4, 2, 0, 2, 8, 25, 23, 24, 4, 0, 24, 70, 34, 63, 75]
GTD_WORLD_0522 = [4394, 7729, 4797, 3317, 5716, 6343, 9316, 12825, 9244, 9277, 7829, 8246]
GTD_WORLD_0522 += [15498, 22279, 44648, 38993, 35239]
YEARS = list(range(2000, 2017))


def _territory_frame() -> pd.DataFrame:
    # Q1 2016 has only a % change. Its share is filled (0.78, "-22% over 15 months") on purpose:
    # a share without a km² figure must still not become a plotted point.
    rows = [
        ("2015-01-01", 90800, 1.0, "start of IHS series", "IHS2015;IHS2016b"),
        ("2015-12-14", 78000, 78000 / 90800, "-12,800 km2 (net -14%)", "IHS2015"),
        (
            "2016-03-31",
            np.nan,
            0.78,
            "-8% in first three months of 2016; -22% over 15 months",
            "IHS2016a",
        ),
        ("2016-07-04", 68300, 68300 / 90800, "-12% in H1 2016", "IHS2016b"),
        ("2016-10-03", 65500, 65500 / 90800, "-16% in first nine months", "IHS2016c"),
        ("2016-12-31", 60400, 60400 / 90800, "-23% in 2016", "IHS2017a"),
    ]
    frame = pd.DataFrame(
        rows, columns=["date", "area_km2", "share_of_jan2015", "change_note", "source"]
    )
    frame["date"] = pd.to_datetime(frame["date"])
    frame["area_km2"] = frame["area_km2"].astype("float64")
    # Shuffled: the figure must sort by date itself.
    return frame.iloc[[3, 0, 5, 2, 1, 4]].reset_index(drop=True)


def _gti_frame() -> pd.DataFrame:
    rows = [
        (2013, "World", 18111, "GTI deaths from terrorism", "GTI2015"),
        (2014, "World", 32685, "GTI deaths from terrorism", "GTI2015"),
        (2015, "World", 29376, "GTI deaths from terrorism", "GTI2016"),
        (2016, "World", 25673, "GTI deaths from terrorism", "GTI2017"),
        (2014, "OECD", 77, "GTI deaths from terrorism", "GTI2016"),
        (2015, "OECD", 577, "GTI deaths from terrorism", "GTI2016"),
        (2015, "OECD", 731, "reported OECD terrorism deaths (conflicting)", "NEWSBLAZE2016"),
        (2016, "OECD", None, "GTI deaths from terrorism", "GTI2017"),
        (2014, "ISIL (group)", 6073, "GTI deaths attributed", "GTI2015"),
    ]
    frame = pd.DataFrame(rows, columns=["year", "scope", "deaths", "measure", "source"])
    frame["deaths"] = frame["deaths"].astype("Int64")
    frame["note"] = ""
    return frame


def _gtd_frame() -> pd.DataFrame:
    parts = []
    for region, values in (
        ("World", GTD_WORLD_0522),
        ("Western Europe", GTD_WESTERN_EUROPE),
        ("North America", GTD_NORTH_AMERICA),
    ):
        parts.append(
            pd.DataFrame(
                {
                    "year": YEARS,
                    "release": "GTD_OWID",
                    "region": region,
                    "nkill": values,
                    "incidents": None,
                    "source": "GTD_OWID",
                }
            )
        )
    # The 2016 release has world rows only; a regional filter must not pick them up.
    parts.append(
        pd.DataFrame(
            {
                "year": [2014, 2015],
                "release": "GTD_ECDAT",
                "region": "World",
                "nkill": [43550, 38422],
                "incidents": [16840, 14806],
                "source": "GTD_ECDAT",
            }
        )
    )
    frame = pd.concat(parts, ignore_index=True)
    frame["nkill"] = frame["nkill"].astype("Int64")
    frame["incidents"] = frame["incidents"].astype("Int64")
    return frame


FIXTURES = {"territory": _territory_frame, "deaths_gti": _gti_frame, "deaths_gtd": _gtd_frame}


@pytest.fixture
def fake_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serve contract-shaped frames from ``ffcast.data.load`` (exists or not yet)."""

    def load(name: str) -> pd.DataFrame:
        return FIXTURES[name]()

    monkeypatch.setattr(ffdata, "load", load, raising=False)


def _trace(fig: go.Figure, name_part: str) -> go.Scatter | go.Bar:
    matches = [t for t in fig.data if t.name and name_part in t.name]
    assert len(matches) == 1, [t.name for t in fig.data]
    return matches[0]


def _ys(fig: go.Figure) -> list[float]:
    """Every y value drawn by any trace."""
    return [float(y) for t in fig.data if t.y is not None for y in t.y if y is not None]


def _annotation_texts(fig: go.Figure) -> str:
    return "\n".join(a.text or "" for a in fig.layout.annotations)


# --- Figure 1: territory --------------------------------------------------------------------


def test_territory_points_are_the_published_km2_only(fake_data: None) -> None:
    fig = essay.territory_figure()
    trace = _trace(fig, "Territory")
    dates = [pd.Timestamp(x).strftime("%Y-%m-%d") for x in trace.x]
    assert dates == list(TERRITORY_KM2)  # sorted, and no Q1-2016 point
    assert list(trace.y) == list(TERRITORY_KM2.values())
    assert not any(math.isnan(y) for y in _ys(fig))


def test_territory_q1_2016_statement_is_an_annotation(fake_data: None) -> None:
    fig = essay.territory_figure()
    texts = _annotation_texts(fig)
    assert "8% in first three months of 2016" in texts
    assert "no km² published" in texts
    assert "Mosul" in texts


def test_territory_axes_have_units_and_shares_line_up(fake_data: None) -> None:
    fig = essay.territory_figure()
    assert "km²" in fig.layout.yaxis.title.text
    assert "January 2015" in fig.layout.yaxis2.title.text
    assert "100%" in fig.layout.yaxis2.ticktext
    assert fig.layout.xaxis.title.text
    # 100 % on the right axis sits exactly at 90,800 km² on the left axis.
    left, right = fig.layout.yaxis.range, fig.layout.yaxis2.range
    assert right[1] / 100 * 90800 == pytest.approx(left[1])
    assert left[0] == right[0] == 0


def test_territory_hover_carries_share_and_source(fake_data: None) -> None:
    trace = _trace(essay.territory_figure(), "Territory")
    shares = [row[0] for row in trace.customdata]
    assert shares[-1] == pytest.approx(60400 / 90800)
    assert "customdata[0]" in trace.hovertemplate


def test_territory_source_note_lists_every_ihs_id(fake_data: None) -> None:
    texts = _annotation_texts(essay.territory_figure())
    for source_id in ("IHS2015", "IHS2016a", "IHS2016b", "IHS2016c", "IHS2017a"):
        assert source_id in texts


# --- Figure 2: deaths -----------------------------------------------------------------------


def test_deaths_bars_are_gtd_regions_stacked(fake_data: None) -> None:
    fig = essay.deaths_figure()
    assert fig.layout.barmode == "stack"
    europe, america = _trace(fig, "Western Europe"), _trace(fig, "North America")
    assert isinstance(europe, go.Bar) and isinstance(america, go.Bar)
    assert list(europe.x) == YEARS and list(america.x) == YEARS
    assert list(europe.y) == GTD_WESTERN_EUROPE
    assert list(america.y) == GTD_NORTH_AMERICA


def test_deaths_gti_oecd_markers_are_77_and_577_only(fake_data: None) -> None:
    gti = _trace(essay.deaths_figure(), "GTI")
    assert isinstance(gti, go.Scatter) and gti.mode.startswith("markers")
    assert list(gti.x) == [2014, 2015]
    assert list(gti.y) == [77, 577]  # not the unverified 731, not a 2016 placeholder


def test_deaths_never_sums_gti_and_gtd(fake_data: None) -> None:
    fig = essay.deaths_figure()
    bars = [t for t in fig.data if isinstance(t, go.Bar)]
    assert all("GTI" not in t.name for t in bars)  # GTI is never part of the stack
    gtd_total = dict(zip(YEARS, np.add(GTD_WESTERN_EUROPE, GTD_NORTH_AMERICA), strict=True))
    forbidden = {gtd_total[2014] + 77, gtd_total[2015] + 577}
    forbidden |= {GTD_WESTERN_EUROPE[15] + 577, GTD_NORTH_AMERICA[15] + 577}
    assert not set(_ys(fig)) & forbidden
    assert len(fig.data) == 3


def test_deaths_2001_spike_is_clipped_and_labelled(fake_data: None) -> None:
    fig = essay.deaths_figure()
    top = fig.layout.yaxis.range[1]
    assert fig.layout.yaxis.type in (None, "linear")
    assert 577 < top < 3027  # the 2014-2016 rise keeps a linear, readable scale
    texts = _annotation_texts(fig)
    assert "3,067" in texts and "3,027" in texts and "cut off" in texts


def test_deaths_axes_and_sources_are_labelled(fake_data: None) -> None:
    fig = essay.deaths_figure()
    assert "Deaths per year" in fig.layout.yaxis.title.text
    assert fig.layout.xaxis.title.text == "Year"
    texts = _annotation_texts(fig)
    assert "GTD_OWID" in texts and "GTI2016" in texts
    assert "NEWSBLAZE2016" not in texts


# --- render / export ------------------------------------------------------------------------


def test_render_html_is_self_contained(fake_data: None, tmp_path: Path) -> None:
    out = essay.render("territory", tmp_path / "territory.html")
    assert out == tmp_path / "territory.html"
    html = out.read_text(encoding="utf-8")
    assert "plotly.js v" in html or "Plotly" in html[:200_000]  # the bundle is inlined
    assert len(html) > 1_000_000
    # No external script, stylesheet or font: plotly.js mentions cdn.plot.ly in its source,
    # so look at what the page would actually load.
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.IGNORECASE)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*['\"]?(https?:)?//", html, re.IGNORECASE)
    assert not re.search(r"src\s*=\s*['\"]https?://cdn", html, re.IGNORECASE)
    assert "<title>Islamic State territorial losses" in html
    assert not list(tmp_path.glob(".*.tmp"))  # the atomic-write temp file is gone


def test_write_html_puts_several_figures_in_one_file(fake_data: None, tmp_path: Path) -> None:
    figs = [essay.territory_figure(), essay.deaths_figure()]
    html = export.write_html(figs, tmp_path / "both.html", title="t").read_text()
    assert html.count('class="ffcast-figure"') == 2
    assert html.count("Plotly.newPlot") == 2
    assert html.count("/*! For license information") <= 1  # plotly.js inlined once
    # ... in the head, so no figure's script runs before it ("Plotly is not defined")
    assert html.index("plotly.js v") < html.index("</head>") < html.index("Plotly.newPlot")


def test_no_figure_carries_plotly_js() -> None:
    """plotly.js goes in a page's head (export.plotly_js), never with a figure: a figure
    above the one that carried it would draw nothing. Every to_html call in ffcast says so."""
    import re

    src = Path(export.__file__).parents[1]
    calls = {str(p.relative_to(src)): re.findall(r"include_plotlyjs\s*=\s*([^,)\s]+)",
                                                 p.read_text(encoding="utf-8"))
             for p in src.rglob("*.py")}
    found = {k: v for k, v in calls.items() if v}
    assert found, "no to_html call found: the check looks in the wrong place"
    assert all(v == "False" for vs in found.values() for v in vs), found


@pytest.mark.browser
def test_html_draws_the_figure_with_the_network_blocked(fake_data: None, tmp_path: Path) -> None:
    chromium = export.find_chromium()
    if chromium is None:
        pytest.skip("Chromium not installed (run scripts/ensure_chromium.sh)")
    out = essay.render("deaths", tmp_path / "deaths.html")
    # Every host name fails to resolve, so anything fetched from the web would be missing.
    dom = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--virtual-time-budget=5000",
            "--dump-dom",
            out.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert 'class="main-svg"' in dom  # plotly.js ran and drew the SVG
    assert "GTI deaths: all OECD countries" in dom


@pytest.mark.parametrize("bad", ["map", "Territory", ""])
def test_render_bad_kind_names_the_valid_ones(bad: str, tmp_path: Path) -> None:
    with pytest.raises(FFCastError, match="deaths, territory"):
        essay.render(bad, tmp_path / "x.png")


@pytest.mark.parametrize("name", ["x.svg", "x.pdf", "x"])
def test_render_bad_extension_names_the_allowed_ones(name: str, tmp_path: Path) -> None:
    with pytest.raises(FFCastError, match=r"\.png, \.html"):
        essay.render("deaths", tmp_path / name)
    assert not (tmp_path / name).exists()


def test_write_png_without_chromium_says_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def no_browser(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("Kaleido requires Google Chrome to be installed.")

    monkeypatch.setattr(export.pio, "to_image", no_browser)
    monkeypatch.setattr(export, "find_chromium", lambda: None)
    with pytest.raises(FFCastError, match="chromium"):
        export.write_png(go.Figure(), tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["territory", "deaths"])
def test_render_png_is_a_real_image(fake_data: None, kind: str, tmp_path: Path) -> None:
    if export.find_chromium() is None:
        pytest.skip("Chromium not installed (run scripts/ensure_chromium.sh)")
    out = essay.render(kind, tmp_path / f"{kind}.PNG")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (2000, 1200)  # 1000 x 600 at scale 2


# --- style ----------------------------------------------------------------------------------


def test_pathway_colours_cover_every_pathway_from_okabe_ito() -> None:
    pathways = {
        "returned",
        "in_theatre",
        "killed",
        "detained_in_theatre",
        "joined_other",
        "relocated",
        "dispatched",
    }
    assert set(style.PATHWAY_COLOURS) == pathways
    assert set(style.PATHWAY_COLOURS.values()) <= set(style.OKABE_ITO)
    assert len(set(style.PATHWAY_COLOURS.values())) == len(pathways)
    with pytest.raises(TypeError):
        style.PATHWAY_COLOURS["returned"] = "#ffffff"  # type: ignore[index]


def test_source_note_sits_below_the_axis_title_and_fits() -> None:
    fig = go.Figure(layout={"template": style.TEMPLATE})
    style.add_source_note(fig, "Source: " + "a very long citation " * 30)
    note = fig.layout.annotations[-1]
    assert note.yref == "paper" and note.y == 0 and note.yanchor == "top"
    assert note.yshift <= -style.NOTE_OFFSET_PX
    lines = note.text.count("<br>") + 1
    assert lines >= 3
    assert fig.layout.margin.b >= style.NOTE_OFFSET_PX + lines * style.NOTE_LINE_PX


# --- against the real data layer, once it exists --------------------------------------------


def _real_loader_or_skip() -> None:
    if not callable(getattr(ffdata, "load", None)):
        pytest.skip("ffcast.data.load not available yet")


def test_real_loader_territory_matches_published_points() -> None:
    _real_loader_or_skip()
    trace = _trace(essay.territory_figure(), "Territory")
    assert list(trace.y) == list(TERRITORY_KM2.values())


def test_real_loader_deaths_match_published_values() -> None:
    _real_loader_or_skip()
    fig = essay.deaths_figure()
    assert list(_trace(fig, "GTI").y) == [77, 577]
    assert list(_trace(fig, "North America").y) == GTD_NORTH_AMERICA
