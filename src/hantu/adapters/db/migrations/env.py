"""Alembic environment: runs on a connection handed over by `engine.upgrade`, or on its own.

Run on its own (the `alembic` command with alembic.ini) it reads the URL from the config or
from hantu's settings and opens the database itself, as hantu does.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection, text

from hantu.adapters.db.schema import metadata  # every table (accounts, alerts, ...)

# Two processes starting at once on PostgreSQL must not both create the tables.
_PG_MIGRATION_LOCK = 0x68616E7475  # "hantu"


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})"))
        context.run_migrations()


def _url() -> str:
    url = context.config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from hantu.config import load_settings

    return load_settings().effective_database_url


async def _run_standalone() -> None:
    from hantu.adapters.db.engine import Database  # not at import: engine.py drives this file

    db = Database(_url())
    db.ensure_directory()
    try:
        async with db.begin() as connection:
            await connection.run_sync(_migrate)
    finally:
        await db.dispose()


def _run() -> None:
    if context.is_offline_mode():
        context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
    else:
        asyncio.run(_run_standalone())


_run()
