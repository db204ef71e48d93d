"""The `NameStore` port on the shared database: the `symbol_names` table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select

from hantu.adapters.db.engine import Database
from hantu.adapters.db.tables_symbols import symbol_names
from hantu.domain.values import Symbol
from hantu.service_layer.symbol_directory import CachedName

_c = symbol_names.c


class SqlNameStore:
    """Cached symbol names, read once at start and written as the broker answers."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def load(self) -> list[CachedName]:
        async with self._db.connect() as connection:
            rows = (await connection.execute(select(_c.code, _c.name, _c.fetched_at))).all()
        found = []
        for code, name, fetched_at in rows:
            try:
                found.append(CachedName(Symbol(code), name, fetched_at))
            except ValueError:
                continue  # a code we no longer accept: look it up again when it is asked for
        return found

    async def save(self, symbol: Symbol, name: str, fetched_at: datetime) -> None:
        # Delete then insert in one transaction: the same on SQLite and PostgreSQL.
        async with self._db.begin() as connection:
            await connection.execute(delete(symbol_names).where(_c.code == symbol.code))
            await connection.execute(
                insert(symbol_names).values(code=symbol.code, name=name, fetched_at=fetched_at)
            )
