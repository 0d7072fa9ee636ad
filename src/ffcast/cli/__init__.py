"""The ``ffcast`` command line: one Typer app, one sub-module per command group.

Every command is wrapped in :func:`ffcast.cli.common.user_errors`, so a user error
(:class:`ffcast.errors.FFCastError`) becomes one line on stderr and exit code 2, and writers
write to a temporary path and rename, so nothing half-written is left behind.
"""

from __future__ import annotations

import typer

from ffcast.cli.common import OneLineErrors

app = typer.Typer(
    name="ffcast",
    cls=OneLineErrors,
    help="Forecast what becomes of the Islamic State's foreign fighters, country by country.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    # Sub-apps live in their own modules; registering them here keeps `ffcast --help` complete.
    from ffcast.cli import (
        calibrate_cmd,
        dashboard_cmd,
        data_cmd,
        experiments_cmd,
        report_cmd,
        run_cmd,
    )

    app.add_typer(data_cmd.app, name="data", help="Embedded, cited datasets.")
    for module in (run_cmd, calibrate_cmd, report_cmd, dashboard_cmd, experiments_cmd):
        module.register(app)


_register()


def main(argv: list[str] | None = None) -> None:
    """Entry point for the ``ffcast`` console script."""
    app(args=argv)
