"""`hantu db ...`: database migrations."""

from __future__ import annotations

import asyncio

import typer

from hantu.adapters.db.engine import Database, current_revision, upgrade
from hantu.config import load_settings
from hantu.errors import ConfigError


def _database() -> Database:
    try:
        settings = load_settings()
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    return Database(settings.effective_database_url)


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
    """데이터베이스를 최신 스키마로 올립니다 (hantu serve는 시작할 때 자동으로 합니다). /
    Apply every pending migration to the configured database (HANTU_DATABASE_URL, or the
    SQLite file under HANTU_DATA_DIR)."""
    revision = asyncio.run(_upgrade(_database()))
    typer.echo(f"데이터베이스 스키마 / database schema: {revision}")


def current_command() -> None:
    """현재 스키마 리비전을 보여줍니다. / Print the revision the configured database is at."""
    revision = asyncio.run(_current(_database()))
    typer.echo(revision or "마이그레이션 전 / not migrated")


def register(app: typer.Typer) -> None:
    """Attach the `db` commands to the root app."""
    db = typer.Typer(
        help="데이터베이스 명령 (마이그레이션) / Database commands (migrations).",
        no_args_is_help=True,
    )
    db.command("upgrade")(upgrade_command)
    db.command("current")(current_command)
    app.add_typer(db, name="db")
