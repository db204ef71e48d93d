"""`hantu serve` and `hantu users ...`: the web server and its users."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the server and user commands to the root app."""
    del app
