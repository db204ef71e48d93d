"""Small readers of what the pipeline stored, for assertions (tests only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from hantu.adapters.db import tables as t
from hantu.bootstrap import App


async def event_names(app: App, order_id: str | None = None) -> list[str]:
    query = select(t.events.c.name).order_by(t.events.c.id)
    if order_id is not None:
        query = query.where(t.events.c.order_id == order_id)
    async with app.db.connect() as connection:
        return list((await connection.execute(query)).scalars())


async def events_named(app: App, name: str) -> list[dict[str, Any]]:
    query = select(t.events.c.payload).where(t.events.c.name == name).order_by(t.events.c.id)
    async with app.db.connect() as connection:
        return [dict(p) for p in (await connection.execute(query)).scalars()]


async def count_rows(app: App, table: str) -> int:
    query = select(func.count()).select_from(t.metadata.tables[table])
    async with app.db.connect() as connection:
        return int((await connection.execute(query)).scalar_one())
