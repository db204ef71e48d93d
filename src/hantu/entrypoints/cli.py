"""The `hantu` command line (Typer). Commands stay thin: they call the bootstrap and services."""

from __future__ import annotations

import typer

from hantu import __version__

app = typer.Typer(
    name="hantu",
    help="hantu: KIS(한국투자증권) Open API 자동매매 서버 / trading automation server.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def version() -> None:
    """Print the hantu version."""
    typer.echo(__version__)


def main() -> None:
    app()
