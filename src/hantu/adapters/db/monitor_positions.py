"""The monitor's view of positions: every open one, and where an order's fill landed.

`entry_seq` is the id of the fill that opened the holding's current life: walking the
position's applied fills in order, the last BUY that found it empty. A position closed
and bought again gets a new one; a restart computes the same one.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from hantu.adapters.db import tables as t
from hantu.adapters.db.connection import SqlConnection
from hantu.adapters.db.engine import Database
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.service_layer.monitor_ports import PositionOfOrder, WatchedPosition


class SqlMonitorPositions:
    """The `MonitorPositions` port on the shared database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def open_positions(self) -> list[WatchedPosition]:
        p = t.positions.c
        # Filtered here, not in SQL: the exact decimals are stored as text on SQLite.
        query = select(p.strategy_account_id, p.symbol, p.quantity, p.average_price)
        async with self._db.connect() as connection:
            rows = (await connection.execute(query.order_by(p.id))).all()
            return [
                WatchedPosition(
                    StrategyAccountId(int(account)),
                    Symbol(str(symbol)),
                    Decimal(quantity),
                    Decimal(average),
                    await _entry_seq(connection, int(account), str(symbol)),
                )
                for account, symbol, quantity, average in rows
                if Decimal(quantity) > 0
            ]

    async def position_of_order(self, order_id: str, fill_id: str) -> PositionOfOrder | None:
        o, p, f = t.orders.c, t.positions.c, t.fills.c
        async with self._db.connect() as connection:
            order = (
                await connection.execute(
                    select(o.strategy_account_id, o.symbol, o.source).where(o.id == order_id)
                )
            ).first()
            if order is None:
                return None
            account, code, source = int(order[0]), str(order[1]), str(order[2])
            realized = (
                await connection.execute(
                    select(f.realized_pnl).where(f.order_id == order_id, f.fill_id == fill_id)
                )
            ).scalar()
            row = (
                await connection.execute(
                    select(p.quantity, p.average_price).where(
                        p.strategy_account_id == account, p.symbol == code
                    )
                )
            ).first()
            open_now = row is not None and Decimal(row[0]) > 0
            position = None
            if row is not None and open_now:
                seq = await _entry_seq(connection, account, code)
                position = WatchedPosition(
                    StrategyAccountId(account), Symbol(code), Decimal(row[0]), Decimal(row[1]), seq
                )
        pnl = None if realized is None else Decimal(realized)
        return PositionOfOrder(StrategyAccountId(account), Symbol(code), position, source, pnl)


async def _entry_seq(connection: SqlConnection, account: int, code: str) -> int:
    f = t.fills.c
    query = (
        select(f.id, f.side, f.quantity)
        .where(
            f.strategy_account_id == account,
            f.symbol == code,
            f.order_id.is_not(None),
            f.problem.is_(None),
        )
        .order_by(f.id)
    )
    held, seq = Decimal(0), 0
    for fill_id, side, quantity in (await connection.execute(query)).all():
        if side == "BUY":
            if held <= 0:
                seq = int(fill_id)
            held += Decimal(quantity)
        else:
            held -= Decimal(quantity)
    return seq
