"""Build the report: reduce the run(s), draw the figures, write one HTML page (and PNGs).

Warning first: every input is checked before anything is simulated or written (the
scenario names, the results file, the output path), and the page is written atomically, so
a bad input leaves no half-written report. With a results file, ``--compare`` re-simulates
the other scenario with the file's seed, draws and months (common random numbers). With
``--before``, the scenario is simulated again, same seed, draws and months, under the
posterior before an update (:mod:`ffcast.report.moved`: the section "What the update moved").
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from ffcast import data, version
from ffcast.defaults import DEFAULT_CHUNK
from ffcast.errors import FFCastError
from ffcast.files import make_folder, output_scope
from ffcast.plots import essay, export
from ffcast.report import figures, flows, moved, observed, risk, sections
from ffcast.report.html import Section, asset_text, figure_html, page, topojson_dir, write
from ffcast.report.reduce import (
    Reduction,
    open_results,
    paired_differences,
    reduce_file,
    reduce_run,
)


@dataclass(frozen=True)
class ReportRequest:
    """What to report on: a results file, or a scenario to simulate; optionally a comparison."""

    out: Path
    results: Path | None = None
    scenario: str | None = None
    compare: str | None = None
    draws: int = 1000
    seed: int = 0
    end: str = "2026-12"
    png_dir: Path | None = None
    focus: tuple[str, ...] | None = None
    chunk_size: int = DEFAULT_CHUNK
    # The posterior of the run (None: the shipped one for the scenario's cut-off) and the
    # posterior before an update, for "What the update moved" (a file, a shipped cut-off
    # such as "2016-12", or a loaded Posterior).
    posterior: moved.PosteriorInput = None
    before: moved.PosteriorInput = None
    # The comparison's direction: ``compare`` minus the main scenario (False, as ``ffcast
    # compare SCENARIO COMPARE`` and ``ffcast report --compare`` show it), or the main
    # scenario minus ``compare`` (True: the dashboard's "what the current view changes
    # against the baseline", whose downloaded report must show the screen's signs).
    reverse: bool = False


def compared(red: Reduction, other: Reduction, reverse: bool = False
             ) -> tuple[Reduction, Reduction]:
    """(A, B) of a report's comparison, which shows B - A (see ``ReportRequest.reverse``)."""
    return (other, red) if reverse else (red, other)


def check(req: ReportRequest) -> moved.Posteriors | None:
    """Validate everything that can be checked before simulating (raises FFCastError);
    returns the posteriors of a simulated report (None for a results file)."""
    from ffcast.errors import OptionsError
    from ffcast.scenario import load_scenario

    if req.out.suffix.lower() not in (".html", ".htm"):
        raise FFCastError(f"--out: {req.out.name!r} must end in .html")
    if req.out.is_dir():
        raise FFCastError(f"--out: {req.out} is a directory; give a file name")
    if req.results is not None and req.scenario is not None:
        raise FFCastError("give a results file or --scenario, not both")
    from ffcast.options import run_options

    run_options(draws=req.draws, seed=req.seed, end=req.end, chunk_size=req.chunk_size)
    if req.png_dir is not None and req.png_dir.exists() and not req.png_dir.is_dir():
        raise FFCastError(f"--png-dir: {req.png_dir} exists and is not a directory")
    for spec in (req.scenario, req.compare):
        if spec is not None:
            load_scenario(spec)
    if req.results is not None:
        for flag, value, aim in (("--before", req.before, "compare the posteriors"),
                                 ("--posterior", req.posterior, "choose the posterior")):
            if value is not None:
                raise OptionsError(
                    f"{flag}: a results file holds draws simulated already, under the "
                    "parameters it records; fix: drop the results file and simulate "
                    f"(--scenario) to {aim}")
        open_results(req.results).close()
        return None
    cutoff = load_scenario(req.scenario or "baseline").cutoff
    params = moved.resolve_posteriors(req.posterior, req.before, cutoff)
    origin = None if params.after is None else params.after.origin
    if origin is not None and pd.Period(req.end, "M") <= pd.Period(origin, "M"):
        raise OptionsError(f"--end: {req.end} is not after --posterior's origin {origin} (its "
                           "particles' history reaches it, the forecast starts after it); "
                           "fix: give a later --end")
    if req.compare is not None and req.posterior is not None:
        other = load_scenario(req.compare).cutoff
        if other != cutoff:
            raise OptionsError(f"--compare: its cut-off {other} is not --posterior's {cutoff}; "
                               "fix: compare scenarios of the same cut-off")
    return params


def reduce_all(req: ReportRequest, progress: Callable[[int], None] | None = None,
               params: moved.Posteriors | None = None) -> tuple[Reduction, Reduction | None]:
    """The main run's reduction and, with ``compare``, the paired run's (``params``: the
    posteriors :func:`check` resolved; default: resolved again)."""
    if req.results is None and params is None:
        params = check(req)
    if req.results is not None:
        main = reduce_file(req.results, req.chunk_size, req.focus, progress)
    else:
        assert params is not None
        main = reduce_run(req.scenario or "baseline", req.draws, req.seed, end=req.end,
                          chunk_size=req.chunk_size, focus=req.focus, progress=progress,
                          posterior=params.after_spec)
    if req.compare is None:
        return main, None
    months = main.meta.months
    if not np.array_equal(main.draws, np.arange(len(main.draws))):
        raise FFCastError("--compare: the results file's draws are not 0..N-1, so a paired "
                          "run cannot reproduce them; fix: compare two simulated scenarios")
    posterior = (_paired_posterior(main) if req.results is not None
                 else "auto" if req.posterior is None or params is None else params.after_spec)
    other = reduce_run(req.compare, len(main.draws), main.meta.seed, start=f"{months[0]:%Y-%m}",
                       end=f"{months[-1]:%Y-%m}", chunk_size=req.chunk_size,
                       focus=main.meta.focus, progress=progress, posterior=posterior)
    return main, other


def _paired_posterior(main: Reduction) -> str:
    """The parameters a run paired with a results file must use: the file's own (the priors,
    or the shipped posterior of its cut-off). A file run under another posterior (a user's
    calibration, an update) does not say where that posterior is, so no paired run can take
    the same particles: raises OptionsError (the "differences" would set different
    particles against each other: +186 [-5,210, +4,024] returned home for a scenario
    compared with itself)."""
    from ffcast.errors import OptionsError

    meta = main.meta
    if meta.parameters == "prior":
        return "prior"
    if meta.shipped and meta.updated_to is None:
        return "auto"
    raise OptionsError(
        f"--compare: the results file was run under {meta.parameters}, not a posterior "
        "ffcast ships, and the file does not say where that posterior is, so a paired run "
        "cannot take the same particles; fix: drop the results file and simulate both "
        "(ffcast report --posterior FILE --compare SCENARIO)")


def reduce_before(req: ReportRequest, main: Reduction, params: moved.Posteriors,
                  progress: Callable[[int], None] | None = None) -> moved.Moved:
    """The main run again, same scenario, seed, draws and months, under ``params.before``
    (the draws are not paired with the main run's: the particles differ)."""
    months = main.meta.months
    before = reduce_run(req.scenario or "baseline", main.n_draws, main.meta.seed,
                        start=f"{months[0]:%Y-%m}", end=f"{months[-1]:%Y-%m}",
                        chunk_size=req.chunk_size, focus=main.meta.focus, progress=progress,
                        posterior=params.before)
    return moved.Moved(before, main, params)


def build_figures(red: Reduction, other: Reduction | None = None,
                  update: moved.Moved | None = None,
                  reverse: bool = False) -> dict[str, go.Figure]:
    """Every figure of the report by file stem, in page order (``reverse``: the comparison
    shows the main run minus ``other``)."""
    names = dict(zip(red.meta.countries, red.meta.country_names, strict=True))
    published = observed.returned_points(red.meta.cutoff)
    figs = {
        "pathways": figures.pathway_fans(red, observed.world_points(red.meta.cutoff)),
        "returnees_by_country": figures.focus_fans(red, published, names),
        "map": flows.map_figure(red, names, mappable_countries()),
        "sankey": flows.sankey_figure(red),
        "essay_territory": essay.territory_figure(),
        "model_territory": figures.territory_model_figure(
            red, observed.territory_points(red.meta.cutoff)),
        "essay_deaths": essay.deaths_figure(),
        "model_deaths": figures.deaths_model_figure(red, observed.gtd_west_deaths()),
        "risk_west": risk.risk_figure(red, observed.attack_record(f"{red.meta.cutoff:%Y-%m}")),
        "groups": figures.groups_figure(red),
    }
    if other is not None:
        a, b = compared(red, other, reverse)
        figs = {"comparison": figures.comparison_figure(
            paired_differences(a, b), a.meta.scenario_name, b.meta.scenario_name,
            red.n_draws), **figs}
    if update is not None:
        figs = {"moved": moved.moved_figure(update), **figs}
    return figs


def mappable_countries() -> set[str]:
    """ISO3 ids with a shape in the shipped world topojson."""
    geo = json.loads(asset_text("topojson/world_110m.json"))
    return {g["id"] for g in geo["objects"]["countries"]["geometries"] if g.get("id")}


@output_scope()
def build_report(req: ReportRequest, progress: Callable[[int], None] | None = None) -> Path:
    """Check, reduce, draw and write the report; returns the HTML path. On failure, nothing
    it wrote (the page, PNGs, folders it made) is left (:func:`ffcast.files.output_scope`)."""
    params = check(req)
    if progress is not None:
        progress(0)  # every check passed: the work starts
    red, other = reduce_all(req, progress, params)
    update = None
    if params is not None and params.before is not None:
        update = reduce_before(req, red, params, progress)
    figs = build_figures(red, other, update, req.reverse)
    updated = (f"; statements to {pd.Period(red.meta.updated_to, 'M'):%b %Y} (updated "
               "posterior)" if red.meta.updated_to else "")
    document = page(
        f"ffcast report: {red.meta.scenario_name}",
        f"{red.n_draws:,} draws, seed {red.meta.seed}, {red.meta.months[0]:%b %Y} – "
        f"{red.meta.months[-1]:%b %Y}; data to {red.meta.cutoff:%b %Y}{updated}; ffcast "
        f"{version.__version__}",
        _sections(red, other, figure_html(list(figs.values())), list(figs), update,
                  req.reverse))
    path = write(document, req.out)
    if req.png_dir is not None:
        write_pngs(figs, req.png_dir)
    return path


def _sections(red: Reduction, other: Reduction | None, divs: list[str],
              keys: list[str], update: moved.Moved | None = None,
              reverse: bool = False) -> list[Section]:
    div = dict(zip(keys, divs, strict=True))

    def figs(*names: str) -> str:
        return "".join(f"<figure>{div[n]}</figure>" for n in names)

    out = [Section("headline", "Headline", sections.headline(red))]
    if update is not None:
        out.append(Section("moved", "What the update moved",
                           moved.section(update, div["moved"])))
    if other is not None:
        a, b = compared(red, other, reverse)
        out.append(Section("comparison", f"Scenario comparison: {b.meta.scenario_name} "
                           f"vs {a.meta.scenario_name}", figs("comparison")
                           + sections.comparison_table(paired_differences(a, b),
                                                       a.meta.scenario_name,
                                                       b.meta.scenario_name)))
    out += [
        Section("risk", "Terrorism risk linked to foreign fighters: the West",
                risk.risk_section(red, observed.attack_record(f"{red.meta.cutoff:%Y-%m}"),
                                  div["risk_west"])),
        Section("pathways", "Pathways over time", figs("pathways")),
        Section("returnees", "Returnees by origin country", figs("returnees_by_country")),
        Section("groups", "Men, women and minors; the camps",
                sections.groups_section(red, div["groups"])),
        Section("where", "Where they are", figs("map", "sankey")),
        Section("history", "History: the essay's figures and the model's",
                _HISTORY_INTRO + figs("essay_territory", "model_territory", "essay_deaths",
                                      "model_deaths")),
        Section("countries", "Country by country",
                sections.country_table(red, observed.returned_points(red.meta.cutoff))),
        Section("remainder", "Travellers not named in any country's statement",
                sections.remainder_table(observed.best_estimates(red.meta.cutoff))),
        Section("provenance", "Appendix: provenance",
                sections.provenance(red, observed.cited_sources(list(red.meta.countries)),
                                    version.__version__, asset_text("model_card.html"))),
    ]
    return out


_HISTORY_INTRO = (
    "<p>Figures 1 and 2 of the essay, rebuilt from ffcast's cited data, each followed by "
    "what the model makes of the same period: its territory driver, and the deaths in "
    "attacks by the people it follows.</p>")


@contextlib.contextmanager
def offline_topojson() -> Iterator[None]:
    """Point kaleido at the shipped topojson (no CDN) for the duration of the block."""
    before = pio.defaults.topojson
    pio.defaults.topojson = topojson_dir().as_uri() + "/"
    try:
        yield
    finally:
        pio.defaults.topojson = before


def write_pngs(figs: dict[str, go.Figure], directory: Path) -> list[Path]:
    """Each figure as ``<directory>/<name>.png`` at its own height (raises FFCastError)."""
    make_folder(directory)
    paths = []
    with offline_topojson():
        for name, fig in figs.items():
            height = int(fig.layout.height or 600)
            paths.append(export.write_png(fig, directory / f"{name}.png", height=height))
    return paths


def focus_from_text(text: str | None) -> tuple[str, ...] | None:
    """Parse ``--focus FRA,DEU`` into canonical ISO3 codes (raises FFCastError)."""
    if not text:
        return None
    codes = tuple(data.resolve_iso3(part, "--focus") for part in text.split(",") if part.strip())
    if not 1 <= len(codes) <= 8:
        raise FFCastError("--focus: give 1 to 8 comma-separated ISO3 codes, e.g. FRA,DEU,BEL")
    return codes


__all__: Sequence[str] = ("ReportRequest", "build_figures", "build_report", "check")
