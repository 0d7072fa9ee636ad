"""`ffcast calibrate`, `ffcast forecast` and `ffcast backtest`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ffcast.cli.common import (
    checked_cutoff,
    echo_json,
    print_table,
    require_chromium,
    stages,
    user_errors,
)
from ffcast.cli.run_cmd import (
    AllDraws,
    AsJson,
    Draws,
    Force,
    OutFile,
    Quiet,
    Seed,
    check_posterior_file,
    emit_headline,
    precheck,
    run_stages,
)

console = Console()


MAX_PARTICLES = 100_000  # ~1 GB of particle state; a few hours of calibration


def checked_count(value: int, flag: str, low: int, high: int, what: str) -> int:
    """A whole number in [low, high] for ``flag`` (raises OptionsError with the fix)."""
    from ffcast.errors import OptionsError
    from ffcast.scenario.fields import check_whole

    try:
        return check_whole(value, low, high, what)
    except ValueError as exc:
        raise OptionsError(f"{flag}: {exc}") from None


def register(app: typer.Typer) -> None:
    """Add the calibration, forecast and backtest commands to the root app."""
    app.command("calibrate")(calibrate_cmd)
    app.command("update")(update_cmd)
    app.command("forecast")(forecast_cmd)
    app.command("backtest")(backtest_cmd)


LEARNT = 0.25  # the parameter table shows values whose 90% interval narrowed this much

#: What `ffcast update` shows moving: the forecast's headline numbers before and after.
MOVED_DRAWS = 1000


@user_errors
def update_cmd(
    posterior: Annotated[str, typer.Option(
        help="The posterior to update: a file from `ffcast calibrate`/`ffcast update`, or "
        "a shipped cut-off such as 2016-12.")] = "2016-12",
    observations: Annotated[str, typer.Option(
        help="CSV of new statements (iso3,quantity,value,as_of,published,source): those "
        "published after the posterior's origin and by --until are folded in.")] = "",
    until: Annotated[str, typer.Option(
        help="The month (YYYY-MM) the updated posterior reaches; forecasts start after "
        "it.")] = "",
    out: Annotated[Path, typer.Option(help="Updated posterior file (.nc).")]
    = Path("posterior-updated.nc"),
    seed: Seed = 0,
    draws: Annotated[int, typer.Option(
        help="Draws of the baseline forecast shown before and after (1 to 1,000,000).")]
    = MOVED_DRAWS,
    as_json: AsJson = False,
    quiet: Quiet = False,
) -> None:
    """Fold new statements into a posterior without refitting; show what moved."""
    from ffcast.errors import OptionsError
    from ffcast.files import check_output
    from ffcast.options import run_options

    if not observations:
        raise OptionsError("--observations: required; fix: pass the CSV of new statements")
    if not until:
        raise OptionsError("--until: required; fix: give the month the statements reach, "
                           "e.g. --until 2017-06")
    from ffcast.calibrate.posterior import SHIPPED_CUTOFFS

    if posterior not in SHIPPED_CUTOFFS:
        check_posterior_file(posterior)
    run_options(seed=seed, draws=draws)
    check_output(out, "--out", (".nc",))
    from ffcast.backtest import read_observations
    from ffcast.calibrate import load, save
    from ffcast.calibrate.targets import check_published
    from ffcast.calibrate.update import update

    obs = check_published(read_observations(observations), observations)
    post = load(posterior)
    with stages(quiet or as_json) as st:
        st.start(f"updating {posterior} to {until}", 0)
        res = update(post, obs, until, progress=st.note, name=observations)
        st.start(f"writing {out}", 0, now=True)
        save(res.posterior, out)
        st.start(f"forecasting before and after ({draws:,} draws each)", 0, now=True)
        moved = _moved(post, res.posterior, seed, draws)
    diag = {"posterior": posterior, "out": str(out), "until": until,
            "origin_before": post.origin, "origin_after": res.posterior.origin,
            "statements": res.statements, "ignored": res.ignored,
            "ess": round(res.ess, 1), "particles": len(res.posterior.z),
            "steps": len(res.stages),
            "acceptance": round(res.acceptance, 3),
            "noise_acceptance": round(res.noise_acceptance, 3),
            "seconds": round(res.seconds, 1), "moved": moved}
    if as_json:
        echo_json(diag)
        return
    t = Table(title="New statements: the published figure the posterior expects, before "
              "and after (median [90%])", title_justify="left")
    for c in ("statement", "as of", "figure", "before", "after"):
        t.add_column(c, justify="right" if c in ("figure", "before", "after") else "left")
    for r in res.statements.itertuples():
        t.add_row(escape(str(r.statement)), str(r.as_of), f"{r.figure:,.0f}",
                  f"{r.before_median:,.0f} [{r.before_p5:,.0f}, {r.before_p95:,.0f}]",
                  f"{r.after_median:,.0f} [{r.after_p5:,.0f}, {r.after_p95:,.0f}]")
    print_table(console, t)
    m = Table(title=f"The forecast that moved (baseline, {draws:,} draws, seed {seed}): "
              f"from {post.origin} vs from {res.posterior.origin}", title_justify="left")
    for c in ("quantity", "before", "after"):
        m.add_column(c, justify="left" if c == "quantity" else "right")
    for row in moved:
        m.add_row(row["quantity"], row["before"], row["after"])
    print_table(console, m)
    ignored = "; ".join(f"{v} {k}" for k, v in res.ignored.items() if v)
    typer.echo(f"Effective sample size {res.ess:,.0f} of {len(res.posterior.z):,} particles "
               f"for the new statements at once, brought in over {len(res.stages)} "
               f"step{'s' if len(res.stages) != 1 else ''}; last step's moves accepted "
               f"{res.acceptance:.0%}, noise refreshed "
               f"{res.noise_acceptance:.0%}; {res.seconds:.1f} s."
               + (f" Not used: {ignored}." if ignored else ""))
    typer.echo(f"Next: ffcast run baseline --posterior {out}")


def _check_until(until: str, cutoff: str) -> None:
    """``forecast --until``: a month after the cut-off (the run's end; its errors used to
    name ``--end``, an option ``forecast`` does not have)."""
    from ffcast.errors import OptionsError
    from ffcast.scenario.fields import check_month

    try:
        month = check_month(until)
    except ValueError as exc:
        raise OptionsError(f"--until: {exc}") from exc
    if month <= cutoff:
        raise OptionsError(f"--until: {month} must be after the cut-off {cutoff}; fix: give "
                           "a later month, e.g. 2019-12")


def _moved(before: object, after: object, seed: int, draws: int) -> list[dict]:
    """Headline numbers of the baseline forecast from each posterior (median [90%])."""
    from ffcast import runner

    heads = [runner.run("baseline", draws=draws, seed=seed, posterior=p)
             for p in (before, after)]
    dicts = [h.to_dict() for h in heads]

    def fmt(s: dict) -> str:
        return f"{s['median']:,.0f} [{s['p5']:,.0f}, {s['p95']:,.0f}]"

    rows = [{"quantity": f"{k.replace('_', ' ')} by {dicts[0]['end_month']}",
             "before": fmt(dicts[0]["pathways"][k]), "after": fmt(dicts[1]["pathways"][k])}
            for k in dicts[0]["pathways"]]
    top = list(dicts[0]["returned_by_country"])[:5]
    for iso3 in top:
        b = dicts[0]["returned_by_country"][iso3]
        a = runner.summary(heads[1].returned_by_country[:, heads[1].countries.index(iso3)])
        rows.append({"quantity": f"returned to {iso3} by {dicts[0]['end_month']}",
                     "before": fmt(b), "after": fmt(a)})
    for year in sorted(set(dicts[0]["risk"]["years"]) & set(dicts[1]["risk"]["years"]))[:3]:
        b, a = (d["risk"]["years"][year] for d in dicts)
        # A year the updated posterior has partly behind it counts only its later months.
        rows.append({"quantity": f"attacks in the West linked to foreign fighters, {year}",
                     "before": fmt(b["west"]["attacks"]) + _months(b["months"]),
                     "after": fmt(a["west"]["attacks"]) + _months(a["months"])})
    return rows


def _months(n: int) -> str:
    return "" if n == 12 else f" ({n} months)"


@user_errors
def calibrate_cmd(
    cutoff: Annotated[str, typer.Option(help="Last month of data used (YYYY-MM).")] = "2016-12",
    particles: Annotated[int, typer.Option(help="SMC particles (50 to 100,000).")] = 2000,
    seed: Seed = 0,
    out: Annotated[Path, typer.Option(help="Posterior file (.nc).")] = Path("posterior.nc"),
    observations: Annotated[str | None, typer.Option(
        help="Your own dated statements to fit as well: CSV (iso3,quantity,value,as_of,"
        "published,source); only rows published by the cut-off are used.")] = None,
    as_json: AsJson = False,
    quiet: Quiet = False,
) -> None:
    """Fit the engine to the record up to the cut-off (SMC); write the posterior."""
    from ffcast.files import check_output
    from ffcast.options import run_options

    cutoff = checked_cutoff(cutoff)
    checked_count(particles, "--particles", 50, MAX_PARTICLES, "a number of particles")
    run_options(seed=seed)
    check_output(out, "--out", (".nc",))
    obs = None
    if observations is not None:
        from ffcast.backtest import read_observations
        from ffcast.calibrate.targets import check_published

        obs = check_published(read_observations(observations), observations)
    from ffcast.calibrate import (
        calibrate,
        fit_table,
        from_result,
        parameter_table,
        reporting_table,
        save,
    )
    from ffcast.calibrate.smc import Stage
    with stages(quiet or as_json) as st:
        st.start(f"calibrating at {cutoff} ({particles:,} particles)", 0)

        def report(stage: Stage) -> None:
            st.note(f"ffcast: calibrating: temperature {stage.temperature:.3f}  ESS "
                    f"{stage.ess:,.0f}  acceptance {stage.acceptance:.0%}  countries' "
                    f"moves {stage.country_acceptance:.0%}  reporting moves "
                    f"{stage.reading_acceptance:.0%}  {stage.seconds:.1f}s")

        res = calibrate(cutoff=cutoff, particles=particles, seed=seed, progress=report,
                        observations=obs, observations_label=observations or "")
        reached = res.stages[-1].temperature if res.stages else 1.0
        if reached < 1.0:
            # Not an error (an update completes such a file), but never silent: its
            # particles are a tempered posterior, wider than the data allow.
            st.note(f"ffcast: warning: calibration stopped after {len(res.stages)} stages at "
                    f"temperature {reached:.3f}, short of 1: the posterior is tempered (too "
                    "wide); fix: more particles, or `ffcast update` it to complete it")
        st.start(f"writing {out}", 0, now=True)
        post = from_result(res)
        save(post, out)
    fit = fit_table(res)
    params = parameter_table(post)
    diag = {
        "cutoff": cutoff, "particles": particles, "seed": seed, "out": str(out),
        "seconds": round(res.seconds, 1), "simulations": res.simulations,
        "stages": [s.__dict__ for s in res.stages], "targets": len(res.targets),
        "temperature_reached": reached,
        "observations": res.observations,
        "targets_inside_90": float(fit["inside"].mean()),
        "fit_by_channel": fit.groupby("channel")["inside"].mean().round(3).to_dict(),
        "parameters": json.loads(params.to_json(orient="records")),
        "reporting": json.loads(reporting_table(post).to_json(orient="records")),
    }
    if as_json:
        echo_json(diag)
        return
    t = Table(title=f"Calibration at {cutoff}: {particles:,} particles, {res.simulations} "
              f"batched simulations, {res.seconds:.0f} s", title_justify="left")
    for c in ("channel", "targets", "posterior 90% covers the statement"):
        t.add_column(c)
    for ch, g in fit.groupby("channel"):
        t.add_row(str(ch), str(len(g)), f"{g['inside'].mean():.0%}")
    print_table(console, t)
    learnt = params[params["shrinkage"] >= LEARNT]
    t = Table(title=f"Posterior vs prior (median [90% interval]): the {len(learnt)} of "
              f"{len(params)} parameter values whose 90% interval the data narrowed by at "
              f"least {LEARNT:.0%} (all in --json)", title_justify="left")
    for c in ("parameter", "region", "prior", "posterior"):
        t.add_column(c)
    for r in learnt.itertuples():
        t.add_row(r.parameter, r.region,
                  f"{r.prior_median:.4g} [{r.prior_p5:.3g}-{r.prior_p95:.3g}]",
                  f"{r.posterior_median:.4g} [{r.posterior_p5:.3g}-{r.posterior_p95:.3g}]")
    print_table(console, t)
    t = Table(title="Reporting model: published = latent x bias x scope x exp(noise x e), "
              "bias and noise per kind of source, scope per quantity (median [90% interval])",
              title_justify="left")
    for c in ("kind", "part", "prior", "posterior"):
        t.add_column(c)
    for r in reporting_table(post).itertuples():
        t.add_row(r.kind, r.part,
                  f"{r.prior_median:.3g} [{r.prior_p5:.3g}-{r.prior_p95:.3g}]",
                  f"{r.posterior_median:.3g} [{r.posterior_p5:.3g}-{r.posterior_p95:.3g}]")
    print_table(console, t)
    console.print(f"posterior written to [bold]{escape(str(out))}[/]")


@user_errors
def forecast_cmd(
    cutoff: Annotated[str, typer.Option(help="Cut-off of the posterior (YYYY-MM).")] = "2016-12",
    until: Annotated[str, typer.Option(help="Last month forecast (YYYY-MM).")] = "2019-12",
    scenario: Annotated[str, typer.Option(help="Preset or YAML file.")] = "baseline",
    draws: Draws = 1000,
    seed: Seed = 0,
    posterior: Annotated[str | None, typer.Option(help="Posterior file; default: shipped.")]
    = None,
    out: OutFile = None,
    all_draws: AllDraws = False,
    force: Force = False,
    published: Annotated[bool, typer.Option(
        "--published", help="Also forecast the returnee counts official authorities will "
        "publish each December (the backtest's forecaster: anchored on each country's "
        "statements by the cut-off, and on those an update folded in).")] = False,
    countries: Annotated[str | None, typer.Option(
        help="With --published: comma-separated ISO3 codes (default: the 10 countries "
        "with the largest returnee statement by the cut-off).")] = None,
    as_json: AsJson = False,
    quiet: Quiet = False,
) -> None:
    """Run the posterior forward from the cut-off under a scenario (results contract).

    With ``--published``, also the counts of people returned that official authorities will
    publish, per country and December, beside each country's latest statement.
    """
    precheck(out)
    from ffcast.errors import OptionsError
    from ffcast.runner import run
    from ffcast.scenario import load_scenario

    cutoff = checked_cutoff(cutoff)
    _check_until(until, cutoff)
    if posterior is not None:
        check_posterior_file(posterior)
    scen = load_scenario(scenario).replace(cutoff=cutoff)
    from ffcast.calibrate import SHIPPED_CUTOFFS

    if posterior is None and cutoff not in SHIPPED_CUTOFFS:
        raise OptionsError(f"cutoff: no shipped posterior for {cutoff} (shipped: "
                           f"{', '.join(SHIPPED_CUTOFFS)}); fix: run `ffcast calibrate "
                           f"--cutoff {cutoff}` and pass --posterior")
    if countries is not None and not published:
        raise OptionsError("countries: --countries goes with --published; fix: add "
                           "--published or drop --countries")
    table = None
    with stages(quiet or as_json) as st:
        if published:  # checked before the long run: bad countries fail at once
            from ffcast.backtest.published import published_forecast

            codes = [c for c in (countries or "").split(",") if c.strip()] or None
            table = published_forecast(cutoff, until, draws, seed, codes, scen,
                                       posterior or "auto",
                                       progress=run_stages(st, "official counts", draws, None))
        head = run(scen, draws=draws, seed=seed, end=until, out=out,
                   posterior=posterior or cutoff, all_draws=all_draws, force=force,
                   progress=run_stages(st, f"forecasting from {cutoff}", draws, out))
    if table is None:
        emit_headline(head, out, as_json, "forecast")
        return
    if as_json:
        h = head.to_dict()
        if out is not None:
            h["out"] = str(out)
        h["published"] = json.loads(table.to_json(orient="records", date_format="iso"))
        echo_json(h)
        return
    emit_headline(head, out, False, "forecast")
    print_table(console, published_table(table))


def published_table(table: object) -> Table:
    """The official-count forecast as one row per country: its latest statement, then
    median [90% interval] each December."""
    import pandas as pd

    frame = table if isinstance(table, pd.DataFrame) else pd.DataFrame(table)
    t = Table(title="People returned, as official authorities will publish them (cumulative; "
              "median [90% interval]; anchored on each country's statements by the "
              "cut-off and those the posterior was fitted to, the forecaster docs/validation.md "
              "scores)", title_justify="left")
    t.add_column("country")
    t.add_column("latest statement", justify="right")
    months = list(dict.fromkeys(frame["month"]))
    for m in months:
        t.add_column(f"Dec {pd.Timestamp(m):%Y}" if pd.Timestamp(m).month == 12
                     else f"{pd.Timestamp(m):%b %Y}", justify="right")
    for iso, rows in frame.groupby("iso3", sort=False):
        first = rows.iloc[0]
        latest = ("-" if pd.isna(first["latest_statement"]) else
                  f"{first['latest_statement']:,.0f} ({pd.Timestamp(first['latest_month']):%b %Y})")
        cells = [f"{r['median']:,.0f} [{r['p5']:,.0f}-{r['p95']:,.0f}]"
                 for _, r in rows.iterrows()]
        t.add_row(f"{first['country']} ({iso})", latest, *cells)
    return t


@user_errors
def backtest_cmd(
    observations: Annotated[str | None, typer.Option(
        help="CSV file (iso3,quantity,value,as_of,source), or the shipped set "
        "`validation_returnees` (Oct 2017 returnees, for scoring only). Without it, "
        "--rolling scores the published per-country statements.")] = None,
    cutoff: Annotated[str, typer.Option(help="Forecast origin (YYYY-MM).")] = "2016-12",
    rolling: Annotated[bool, typer.Option(
        help="Score the origins 2014-12, 2015-06, 2015-12, 2016-06 and 2016-12: on the "
        "statements published after each (and the 2017 validation set at 2016-12), or on "
        "--observations.")] = False,
    draws: Draws = 1000,
    seed: Seed = 0,
    as_json: AsJson = False,
    out: Annotated[Path | None, typer.Option(help="Per-observation scores (.csv).")] = None,
    plot: Annotated[Path | None, typer.Option(
        help="PIT histogram, reliability and coverage by origin (.png or .html).")] = None,
    risk: Annotated[bool, typer.Option(
        help="Score the forecasts of attacks in the West linked to foreign fighters from the "
        "origins 2015-06, 2015-12 and 2016-06 on the record known at 2016-12, against two "
        "Poisson baselines (--out: one row per origin and period).")] = False,
    groups: Annotated[bool, typer.Option(
        help="Score the forecasts of who the returnees were (a group's share of a country's "
        "returnees, or its count), published in 2016, from every earlier origin, against "
        "the travellers' composition (--out: one row per origin, statement and "
        "forecaster).")] = False,
    quiet: Quiet = False,
) -> None:
    """Score forecasts made at the cut-off against later observations, with baselines."""
    from ffcast.errors import FFCastError, OptionsError
    from ffcast.files import check_output
    from ffcast.options import run_options

    cutoff = checked_cutoff(cutoff)
    run_options(draws=draws, seed=seed, end=cutoff)  # the door: same rules as every run
    if groups:
        given = [f for f, v in (("--observations", observations), ("--rolling", rolling),
                                ("--plot", plot), ("--risk", risk)) if v]
        if given:
            raise OptionsError(f"groups: --groups scores the group statements on their own "
                               f"origins; fix: drop {', '.join(given)}")
        if out is not None:
            check_output(out, "--out", (".csv",))
        _group_backtest(draws, seed, out, as_json)
        return
    if risk:
        given = [f for f, v in (("--observations", observations), ("--rolling", rolling),
                                ("--plot", plot)) if v]
        if given:
            raise OptionsError(f"risk: --risk scores the attack record on its own origins; "
                               f"fix: drop {', '.join(given)}")
        if out is not None:
            check_output(out, "--out", (".csv",))
        from ffcast.cli.risk_backtest import run_risk_backtest

        run_risk_backtest(draws, seed, out, as_json, quiet)
        return
    if observations is None and not rolling:
        raise OptionsError("observations: none given; fix: pass --observations FILE (or "
                           "validation_returnees), or --rolling to score the published "
                           "statements")
    from ffcast.backtest import read_observations, statements
    from ffcast.backtest.rolling import RollingResult
    from ffcast.backtest.run import backtest, score_origin

    obs = read_observations(observations) if observations is not None else None
    if out is not None:
        check_output(out, "--out", (".csv",))
    if plot is not None:
        from ffcast.backtest.figure import SUFFIXES

        check_output(plot, "--plot", SUFFIXES)
        if plot.suffix.lower() == ".png":
            require_chromium("--plot")
    origins = list(statements.ROLLING_ORIGINS) if rolling else [cutoff]
    results = []
    with stages(quiet or as_json) as st:
        for c in origins:
            st.start(f"backtest from {c}", draws)
            if obs is None:
                results.append(score_origin(statements.scored(c), c, draws, seed,
                                            progress=st.advance))
                continue
            try:
                results.append(backtest(obs, cutoff=c, draws=draws, seed=seed,
                                        progress=st.advance))
            except FFCastError as exc:  # name the file the user gave, not "observations"
                text = str(exc)
                if text.startswith("observations:"):
                    text = f"{observations}:{text.removeprefix('observations:')}"
                raise type(exc)(text) from None
        result = RollingResult(results)
        if plot is not None:
            from ffcast.backtest.figure import write

            st.start(f"writing {plot}", 0, now=True)
            write(result, plot)
    if out is not None:
        from ffcast.files import atomic_write

        atomic_write(out, result.table().to_csv(index=False).encode("utf-8"))
    if as_json:
        echo_json({**result.summary(),
                   "observations": json.loads(result.table().to_json(orient="records",
                                                                      date_format="iso"))})
        return
    for r in results:
        _print_backtest(r.summary, legend=len(results) == 1)
    if len(results) > 1:
        _print_backtest(result.pooled())
    _print_goals(result)
    _print_persistence_goals(result)
    console.print(f"scored rows: {len(result.table())} (origins {', '.join(origins)})")
    if plot is not None:
        console.print(f"figure written to [bold]{escape(str(plot))}[/]")


#: Short names of the backtest's forecasters (tables fit 80 columns; the legend explains).
FORECASTER_LABELS = {"ffcast": "ffcast", "ffcast_latent": "latent", "icct_share": "ICCT 30%",
                     "persistence": "persist", "last_observation": "last obs",
                     "published_share": "share", "best_baseline": "the best baseline"}
BACKTEST_LEGEND = (
    "persist: the last figure published by the origin, spread log-normally as published "
    "figures moved before it; last obs: that figure carried forward (a point); ICCT 30%: 30% "
    "of travellers return; share: the median share of travellers published by the origin; "
    "ffcast: what the statement's producer would publish (model count through the reporting "
    "model); latent: the model count itself. n: observations scored; CRPS: continuous ranked "
    "probability score (lower is better) of counts, log CRPS of log(1 + count); -log p: "
    "log score of log(1 + count) (lower is better); 50-95%: observations inside the central "
    "interval; |ln r|: median |log(forecast median / observed)|.")


def _group_backtest(draws: int, seed: int, out: Path | None, as_json: bool) -> None:
    """`ffcast backtest --groups`: the returnee breakdowns by group, scored."""
    from ffcast.backtest.groups import NAIVE, backtest_groups
    from ffcast.files import atomic_path

    table = backtest_groups(draws=draws, seed=seed)
    if out is not None:
        with atomic_path(out, suffix=".csv.tmp") as tmp:
            table.to_csv(tmp, index=False)
    if as_json:
        echo_json({"groups": table.to_dict(orient="records")})
        return
    t = Table(title=f"Who the returnees were: group statements scored from each origin "
              f"({draws:,} draws, seed {seed}); the naive forecaster ({NAIVE}) first",
              title_justify="left")
    for col in ("origin", "statement", "observed", "forecaster", "median [90%]", "CRPS",
                "in 90%"):
        t.add_column(col, justify="left" if col in ("origin", "statement", "forecaster")
                     else "right")
    order = {NAIVE: 0, "ffcast": 1}
    for r in table.assign(_o=table["forecaster"].map(order)).sort_values(
            ["origin", "statement", "_o"], kind="stable").itertuples():
        f = (lambda v: f"{v:.3f}") if r.kind == "share" else (lambda v: f"{v:,.0f}")
        t.add_row(r.origin, r.statement, f(r.observed), r.forecaster,
                  f"{f(r.median)} [{f(r.p5)} – {f(r.p95)}]", f"{r.crps:.3f}",
                  "yes" if r.in_90 else "no")
    print_table(console, t)


def backtest_table(s: dict, legend: bool = True) -> Table:
    """One origin's scores as a table that fits 80 columns (abbreviations in the legend,
    printed under it when ``legend``)."""
    about = f", {s['parameters']}" if s.get("parameters") else ""
    dropped = (f"; {s['dropped']} rows of countries without a traveller estimate by then "
               "left out" if s.get("dropped") else "")
    origin = "All origins pooled" if s["cutoff"] == "pooled" else f"Backtest from {s['cutoff']}"
    t = Table(title=f"{origin}: {s['observations']} observations, {s['draws']:,} draws"
              f"{about}{dropped}", title_justify="left",
              caption=BACKTEST_LEGEND if legend else None, caption_justify="left")
    for c in ("forecaster", "n", "CRPS", "log CRPS", "-log p", "50%", "80%", "90%", "95%",
              "|ln r|"):
        t.add_column(c, justify="right" if c != "forecaster" else "left", no_wrap=True)
    for name, m in s["forecasters"].items():
        label = FORECASTER_LABELS.get(name, name)
        if not m.get("crps") and m.get("crps") != 0:
            t.add_row(label, "0", *["–"] * 8)
            continue
        t.add_row(label, str(m["observations_scored"]), f"{m['crps']:,.1f}",
                  f"{m['crps_log1p']:.3f}", f"{m['log_score']:.2f}",
                  *(f"{m[f'coverage_{k}']:.0%}" for k in (50, 80, 90, 95)),
                  f"{m['median_abs_log_ratio']:.2f}")
    return t


def versus_line(v: dict) -> str:
    """ffcast against the persistence baseline on the rows persistence forecasts, one line."""
    if not v.get("rows"):
        return "ffcast vs persist: no common row"
    parts = [f"{FORECASTER_LABELS.get(n, n)} log CRPS {v[n]['crps_log1p']:.3f}, -log p "
             f"{v[n]['log_score']:.2f}, 80% {v[n]['coverage_80']:.0%}, |ln r| "
             f"{v[n]['median_abs_log_ratio']:.2f}" for n in (v["reference"], v["model"])]
    return (f"on the {v['rows']} rows persist forecasts: {'; '.join(parts)}; log CRPS skill "
            f"of ffcast {v['skill_log1p']:+.2f}")


def _print_backtest(s: dict, legend: bool = True) -> None:
    print_table(console, backtest_table(s, legend))
    if "versus" in s:
        console.print(versus_line(s["versus"]))
    names = {f"vs_{k}": f"vs {v}" for k, v in FORECASTER_LABELS.items()}
    names["vs_best_baseline"] = "vs the best baseline"
    console.print("CRPS skill of ffcast (above 0: better than the baseline): " + ", ".join(
        f"{names.get(k, k)} {v:+.2f}" for k, v in s["skill"].items()
        if isinstance(v, float) and not k.endswith("_log1p")))
    console.print("  on log(1 + count): " + ", ".join(
        f"{names.get(k.removesuffix('_log1p'), k)} {v:+.2f}" for k, v in s["skill"].items()
        if isinstance(v, float) and k.endswith("_log1p")))


def _print_persistence_goals(result: object) -> None:
    for g in result.persistence_goals():  # type: ignore[attr-defined]
        verdict = "met" if g["met"] else "MISSED"
        console.print(f"goal vs persistence ({g['rows']} rows): {g['goal']}: "
                      f"{g['measured']:.2f} (target {g['target']}) {verdict}")


def _print_goals(result: object) -> None:
    goals = result.goals()  # type: ignore[attr-defined]
    for g in goals:
        verdict = "met" if g["met"] else "MISSED"
        console.print(f"goal at 2016-12 ({g['rows']} rows): {g['goal']}: "
                      f"{g['measured']:.2f} (target {g['target']}) {verdict}")
