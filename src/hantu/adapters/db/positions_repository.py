"""Positions: row ↔ `Position` mapping; changed positions are written at commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping, bindparam, select, update

from hantu.adapters.db import tables as t
from hantu.adapters.db.connection import SqlConnection
from hantu.adapters.db.identity_map import IdentityMap
from hantu.adapters.db.types import insert_ignoring_conflicts
from hantu.domain.position import Position
from hantu.domain.values import Money, Price, Quantity, StrategyAccountId, Symbol
from hantu.service_layer.ports import ConcurrentUpdate

Row = RowMapping

_INSERT_POSITION = insert_ignoring_conflicts(t.positions)
# Built once: a fill reads and writes its position, and building a statement costs more
# than SQLite running it.
_POSITION = select(t.positions).where(
    t.positions.c.strategy_account_id == bindparam("account"),
    t.positions.c.symbol == bindparam("symbol"),
)
_POSITION_LOCKED = _POSITION.with_for_update()
_UPDATE_POSITION = update(t.positions).where(
    t.positions.c.strategy_account_id == bindparam("_account"),
    t.positions.c.symbol == bindparam("_symbol"),
)


def _position_values(position: Position) -> dict[str, Any]:
    return {
        "quantity": Decimal(position.quantity),
        "average_price": Decimal(position.average_price),
        "realized_pnl": Decimal(position.realized_pnl),
    }


class SqlPositionRepository:
    def __init__(self, connection: SqlConnection, now: datetime, *, lockable: bool) -> None:
        self._conn = connection
        self._now = now
        self._lockable = lockable
        self._seen: IdentityMap[tuple[int, str], Position] = IdentityMap(_position_values)

    async def get(
        self, strategy_account_id: StrategyAccountId, symbol: Symbol, *, for_update: bool = False
    ) -> Position | None:
        key = (int(strategy_account_id), symbol.code)
        if (known := self._seen.get(key)) is not None:
            return known
        query = _POSITION_LOCKED if for_update and self._lockable else _POSITION
        params = {"account": key[0], "symbol": key[1]}
        row = (await self._conn.execute(query, params)).mappings().first()
        return None if row is None else self._track(row)

    async def add(self, position: Position) -> None:
        values = _position_values(position)
        key = (int(position.strategy_account_id), position.symbol.code)
        query = _INSERT_POSITION[self._conn.dialect.name]
        params = {"strategy_account_id": key[0], "symbol": key[1], "updated_at": self._now}
        result = await self._conn.execute(query, {**params, **values})
        if result.rowcount != 1:
            # PostgreSQL: another transaction opened this position first; redo the use case.
            raise ConcurrentUpdate(f"position {key} was created concurrently")
        self._seen.remember(key, position, values)

    async def open_positions(
        self, strategy_account_ids: Iterable[StrategyAccountId]
    ) -> list[Position]:
        """Open positions of these accounts, in one query."""
        ids = [int(a) for a in strategy_account_ids]
        if not ids:
            return []
        query = (
            select(t.positions)
            .where(t.positions.c.strategy_account_id.in_(ids))
            .order_by(t.positions.c.strategy_account_id, t.positions.c.id)
        )
        rows = (await self._conn.execute(query)).mappings().all()
        return [p for p in (self._track(r) for r in rows) if p.is_open]

    def _track(self, row: Row) -> Position:
        key = (int(row["strategy_account_id"]), str(row["symbol"]))
        if (known := self._seen.get(key)) is not None:
            return known
        position = Position(
            strategy_account_id=StrategyAccountId(key[0]),
            symbol=Symbol(key[1]),
            quantity=Quantity(row["quantity"]),
            average_price=Price(row["average_price"]),
            realized_pnl=Money(row["realized_pnl"]),
        )
        return self._seen.remember(key, position)

    async def flush(self) -> None:
        for key, position, _, after in self._seen.changed():
            account, symbol = key
            params = {**after, "updated_at": self._now, "_account": account, "_symbol": symbol}
            await self._conn.execute(_UPDATE_POSITION, params)
            self._seen.remember(key, position, after)
