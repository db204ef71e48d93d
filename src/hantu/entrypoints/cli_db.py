"""`hantu db ...`: database migrations."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the `db` commands to the root app."""
    db = typer.Typer(help="Database commands (migrations).", no_args_is_help=True)
    app.add_typer(db, name="db")
