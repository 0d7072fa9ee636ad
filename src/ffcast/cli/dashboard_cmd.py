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
) -> None:
    """Serve the interactive dashboard at http://HOST:PORT (Ctrl-C stops it)."""
    from ffcast.dashboard import create_app

    typer.echo(f"ffcast dashboard on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    create_app().run(host=host, port=port, debug=False)
