"""The migrations build exactly the schema the code's table definitions describe, on both
databases: a column, an index or a constraint added on one side only shows up here."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from hantu.adapters.db.engine import Database
from hantu.adapters.db.schema import metadata


def _differences(connection: Connection) -> list[Any]:
    return list(compare_metadata(MigrationContext.configure(connection), metadata))


async def test_the_migrated_schema_is_the_tables_schema(database_url: str) -> None:
    db = Database(database_url)
    try:
        async with db.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await db.dispose()
    assert differences == []
