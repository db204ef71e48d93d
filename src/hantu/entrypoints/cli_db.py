"""`hantu db ...`: database migrations."""

from __future__ import annotations

import asyncio

import typer

from hantu import messages_ko as ko
from hantu.adapters.db.engine import Database, current_revision, upgrade
from hantu.bootstrap import build
from hantu.config import load_settings
from hantu.errors import ConfigError


def _database() -> Database:
    try:
        settings = load_settings()
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    return build(settings).db


async def _upgrade(db: Database) -> str | None:
    try:
        await upgrade(db)
        return await current_revision(db)
    finally:
        await db.dispose()


async def _current(db: Database) -> str | None:
    try:
        return await current_revision(db)
    finally:
        await db.dispose()


def upgrade_command() -> None:
    revision = asyncio.run(_upgrade(_database()))
    typer.echo(ko.CLI_DB_SCHEMA.format(revision=revision))


def current_command() -> None:
    revision = asyncio.run(_current(_database()))
    typer.echo(revision or ko.CLI_DB_NOT_MIGRATED)


def register(app: typer.Typer) -> None:
    """Attach the `db` commands to the root app."""
    db = typer.Typer(help=ko.CLI_DB_HELP, no_args_is_help=True)
    db.command("upgrade", help=ko.CLI_DB_UPGRADE_HELP)(upgrade_command)
    db.command("current", help=ko.CLI_DB_CURRENT_HELP)(current_command)
    app.add_typer(db, name="db")
