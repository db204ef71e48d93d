"""`hantu sim`: run the KIS simulator standalone."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the `sim` command to the root app."""
    del app
