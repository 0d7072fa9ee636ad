"""Write figures to disk: one self-contained offline HTML file, or a PNG via kaleido/Chromium.

Both writers are atomic: they write a temp file in the target directory and ``os.replace`` it,
so a crash or a full disk never leaves a half-written figure where a report expects one.

Warning: PNG export needs a Chromium on this machine. kaleido 1.x no longer bundles one; it
finds Debian's ``/usr/bin/chromium`` by itself. Install it with ``apt-get install chromium``
(``make test`` runs ``scripts/ensure_chromium.sh``).
"""

from __future__ import annotations

import html
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

from ffcast.errors import FFCastError
from ffcast.files import atomic_write

# Names under which Debian, Ubuntu and Google ship a Chromium-family browser kaleido can drive.
_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# No plotly logo in the mode bar: it links to a remote host.
_PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def find_chromium() -> str | None:
    """Return the path of a Chromium-family browser on PATH (or /usr/bin/chromium), else None."""
    for name in _CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def plotly_js() -> str:
    """plotly.js as inline ``<script>`` tags for a page's ``<head>`` (the bundle plotly.py
    ships; no MathJax). Every ffcast page puts it there, once: a figure's script that runs
    before it draws nothing ("Plotly is not defined"), so no figure may carry it."""
    from plotly.offline import get_plotlyjs

    return ("<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>\n"
            f'<script charset="utf-8">{get_plotlyjs()}</script>\n')


def write_html(
    fig_or_figs: go.Figure | Sequence[go.Figure],
    path: str | os.PathLike[str],
    title: str = "ffcast figure",
) -> Path:
    """Write one or more figures into ONE self-contained HTML file that works offline.

    plotly.js (~4.5 MB) is inlined once, in the head (:func:`plotly_js`); no script, style or
    font is fetched from another host. Returns the written path.
    """
    figs = [fig_or_figs] if isinstance(fig_or_figs, go.Figure) else list(fig_or_figs)
    if not figs:
        raise FFCastError("write_html needs at least one figure; got an empty sequence")
    divs = [
        pio.to_html(
            fig,
            full_html=False,
            include_plotlyjs=False,  # in the head, before every figure
            include_mathjax=False,
            config=_PLOTLY_CONFIG,
        )
        for fig in figs
    ]
    body = "\n".join(f'<div class="ffcast-figure">{div}</div>' for div in divs)
    document = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<style>body{margin:1rem auto;max-width:1100px;font-family:Arial,sans-serif}"
        ".ffcast-figure{margin-bottom:2rem}</style>\n"
        f"{plotly_js()}</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
    return atomic_write(Path(path), document.encode("utf-8"))


def write_png(
    fig: go.Figure,
    path: str | os.PathLike[str],
    width: int = 1000,
    height: int = 600,
    scale: float = 2,
) -> Path:
    """Render ``fig`` to a PNG of ``width`` x ``height`` CSS pixels times ``scale``.

    Raises FFCastError if no Chromium is installed (install Debian's ``chromium``) or if
    kaleido fails to render. Returns the written path.
    """
    for attempt in range(PNG_ATTEMPTS):
        try:
            png = pio.to_image(fig, format="png", width=width, height=height, scale=scale)
            break
        except Exception as exc:
            # plotly turns kaleido's ChromeNotFoundError into a generic RuntimeError whose
            # advice ("plotly_get_chrome") downloads a browser; on Debian the fix is the
            # distro package.
            if find_chromium() is None:
                raise FFCastError(
                    "PNG export needs Chromium, which was not found. Install Debian's "
                    "`chromium` package (`apt-get install chromium`, or `bash "
                    "scripts/ensure_chromium.sh`), or write .html instead."
                ) from exc
            # kaleido 1.x starts a browser per image and can evaluate before its page has
            # loaded on a busy machine ("kaleido_scopes is not defined", seen twice under
            # load on 2026-12-05): a fresh browser renders the same figure.
            if attempt == PNG_ATTEMPTS - 1:
                raise FFCastError(f"PNG export with kaleido failed ({PNG_ATTEMPTS} attempts): "
                                  f"{exc}") from exc
    return atomic_write(Path(path), png)


#: Tries per PNG before an error: kaleido's browser start can fail transiently under load.
PNG_ATTEMPTS = 3
