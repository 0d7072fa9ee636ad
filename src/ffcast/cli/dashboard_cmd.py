"""`ffcast dashboard`: serve the browser dashboard (loopback only unless told otherwise)."""

from __future__ import annotations

from typing import Annotated

import typer

from ffcast.cli.common import user_errors


def register(app: typer.Typer) -> None:
    """Add the dashboard command to the root app."""
    app.command("dashboard")(dashboard_cmd)


@user_errors
def dashboard_cmd(
    host: Annotated[str, typer.Option(help="Interface to bind; 0.0.0.0 exposes it to the "
                                      "network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8050,
    posterior: Annotated[str | None, typer.Option(
        help="Posterior file from `ffcast calibrate` or `ffcast update` (or a shipped cut-off "
        "such as 2016-12); default: the shipped posterior for the scenario's cut-off.")] = None,
    before: Annotated[str | None, typer.Option(
        help="The posterior before the update (a file, or a shipped cut-off such as 2016-12): "
        "the page adds the tab 'Before the update', the same run under both.")] = None,
) -> None:
    """Serve the interactive dashboard at http://HOST:PORT (Ctrl-C stops it)."""
    from ffcast.dashboard import create_app

    posteriors = None
    if posterior is not None or before is not None:
        from ffcast.dashboard.controls import preset_cutoff
        from ffcast.report.moved import resolve_posteriors

        # Checked at the door: a bad file or pair is one line before the server starts.
        posteriors = resolve_posteriors(posterior, before, preset_cutoff())
    app = create_app(posteriors=posteriors)
    typer.echo(f"ffcast dashboard on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    app.run(host=host, port=port, debug=False)
