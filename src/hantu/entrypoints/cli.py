"""The `hantu` command line (Typer). Commands stay thin: they call the bootstrap and services.

Each topic registers its commands from its own module (`cli_db`, `cli_sim`, ...), so the
modules stay small and helpers of one topic never edit another's file.
"""

from __future__ import annotations

import typer

from hantu import __version__
from hantu import messages_ko as ko
from hantu.entrypoints import cli_check, cli_db, cli_monitor, cli_serve, cli_sim

app = typer.Typer(
    name="hantu",
    help=ko.CLI_HELP,
    no_args_is_help=True,
    add_completion=False,
)


@app.command(help=ko.CLI_VERSION_HELP)
def version() -> None:
    typer.echo(__version__)


cli_db.register(app)
cli_sim.register(app)
cli_serve.register(app)
cli_check.register(app)
cli_monitor.register(app)


def main() -> None:
    app()
