"""`ffcast report`: one self-contained HTML report (and optional PNGs) of a run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from ffcast.cli.common import folder_exists, require_chromium, stages, user_errors
from ffcast.cli.run_cmd import Quiet
from ffcast.defaults import DEFAULT_CHUNK


def register(app: typer.Typer) -> None:
    """Add ``ffcast report`` to the root app."""
    app.command("report")(report_cmd)


@user_errors
def report_cmd(
    results: Annotated[Path | None, typer.Argument(
        help="Results file from `ffcast run --out` (.nc, .zarr, or every draw as .parquet/"
        ".csv); omit to simulate.")] = None,
    out: Annotated[Path, typer.Option(help="Report file (.html).")] = Path("report.html"),
    scenario: Annotated[str | None, typer.Option(
        help="Preset or YAML file to simulate (default baseline).")] = None,
    compare: Annotated[str | None, typer.Option(
        help="Second scenario: paired differences with the same seed and draws.")] = None,
    draws: Annotated[int | None, typer.Option(help="Ensemble draws [default: 1000].")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed [default: 0].")] = None,
    end: Annotated[str | None, typer.Option(
        help="Last month simulated (YYYY-MM) [default: 2026-12].")] = None,
    png_dir: Annotated[Path | None, typer.Option(
        help="Also write each figure as PNG into this directory (needs Chromium).")] = None,
    focus: Annotated[str | None, typer.Option(
        help="Countries for the returnee fan charts, e.g. FRA,DEU,BEL (default: the 8 "
        "with the most travellers).")] = None,
    chunk_size: Annotated[int, typer.Option(help="Draws per chunk (memory).")] = DEFAULT_CHUNK,
    posterior: Annotated[str | None, typer.Option(
        help="Posterior file from `ffcast calibrate` or `ffcast update` (or a shipped cut-off "
        "such as 2016-12); default: the shipped posterior for the scenario's cut-off.")] = None,
    before: Annotated[str | None, typer.Option(
        help="The posterior before the update (a file, or a shipped cut-off such as 2016-12): "
        "the report adds 'What the update moved', the same run under both.")] = None,
    quiet: Quiet = False,
) -> None:
    """Write the HTML report: headline, fan charts, map, Sankey, history, sources."""
    from ffcast.errors import FFCastError
    from ffcast.files import check_output

    # Output paths in existing folders are refused at once; missing folders are created
    # only after every other argument passed.
    for path, flag, ext in ((out, "--out", ".html"), (png_dir, "--png-dir", ".png")):
        probe = None if path is None else path if flag == "--out" else path / f"x{ext}"
        if probe is not None and folder_exists(probe):
            check_output(probe, flag, (ext,), create_parent=False)
    if results is not None and (draws, seed, end) != (None, None, None):
        raise FFCastError("--draws, --seed and --end come from the results file; drop them "
                          "or drop the file to simulate")
    if results is not None and (before, posterior) != (None, None):
        flag = "--before" if before is not None else "--posterior"
        raise FFCastError(f"{flag}: a results file holds draws simulated already, under the "
                          "parameters it records; fix: drop the results file to simulate "
                          "the scenario under " + ("both posteriors" if before is not None
                                                   else "this posterior"))
    from ffcast.options import run_options
    from ffcast.report.build import ReportRequest, build_report, focus_from_text

    # An explicit 0 or "" is the user's value (and an error), not "use the default".
    draws = 1000 if draws is None else draws
    seed = 0 if seed is None else seed
    end = "2026-12" if end is None else end
    run_options(draws=draws, seed=seed, end=end, chunk_size=chunk_size)
    focus_codes = focus_from_text(focus)
    if png_dir is not None:
        require_chromium("--png-dir")
    for path, flag, ext in ((out, "--out", ".html"), (png_dir, "--png-dir", ".png")):
        if path is not None:  # a probe file in --png-dir: the folder is created now
            check_output(path if flag == "--out" else path / f"x{ext}", flag, (ext,))
    n_results = 0 if results is None else _results_draws(results)
    req = ReportRequest(out=out, results=results, scenario=scenario, compare=compare,
                        draws=draws, seed=seed, end=end,
                        png_dir=png_dir, focus=focus_codes, chunk_size=chunk_size,
                        posterior=posterior, before=before)
    total = (req.draws if results is None else n_results) * (
        1 + (compare is not None) + (before is not None))
    label = f"reading {results}" if results is not None else "simulating for the report"
    final = "drawing the figures and writing the report" + (
        " and the PNGs" if png_dir is not None else "")
    before = {p.name for p in png_dir.glob("*.png")} if png_dir is not None else set()
    started = time.time()
    with stages(quiet) as st:
        st.start(label, total)

        def advance(n: int) -> None:
            st.advance(n)
            if n and st.done >= total:  # every draw reduced: the figures come next
                st.start(final, 0, now=True)

        try:
            path = build_report(req, progress=advance)
        except FFCastError as exc:
            if results is not None and str(results) not in str(exc):
                raise FFCastError(f"{results}: {exc}") from None
            raise
    typer.echo(str(path))
    if png_dir is not None:
        written = [p.name for p in png_dir.glob("*.png") if p.stat().st_mtime >= started - 1]
        replaced = len(set(written) & before)
        typer.echo(f"figures (PNG) in {png_dir}: {len(written)} files"
                   + (f", {replaced} of them replaced" if replaced else ""))


def _results_draws(path: Path) -> int:
    """Draws in a results file (names the file in every error; nothing is loaded)."""
    from ffcast.errors import FFCastError
    from ffcast.report.reduce import open_results

    try:
        ds = open_results(path)
    except FFCastError as exc:
        text = str(exc)
        text = text if str(path) in text else f"{path}: {text}"
        if "fix:" not in text:
            text += ("; fix: pass a results file from `ffcast run --out` (.nc, .zarr, or every "
                     "draw as .csv/.parquet with --all-draws)")
        raise FFCastError(text) from None
    try:
        return int(ds.sizes["draw"])
    finally:
        ds.close()
