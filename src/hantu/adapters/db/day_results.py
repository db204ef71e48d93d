"""The `DayResults` port: each user's realized sells of a Seoul day and open positions.

Decimals are summed and filtered in Python: they are stored as text on SQLite.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from hantu.adapters.db import tables as t
from hantu.adapters.db import tables_accounts as ta
from hantu.adapters.db.engine import Database
from hantu.domain.enums import Side
from hantu.domain.values import Symbol
from hantu.service_layer.monitor_notices import Holding, UserDay

SEOUL = ZoneInfo("Asia/Seoul")


def seoul_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants at which this Seoul day starts and ends."""
    start = datetime.combine(day, time(0), tzinfo=SEOUL).astimezone(UTC)
    return start, start + timedelta(days=1)


class SqlDayResults:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def of_day(self, day: date) -> list[UserDay]:
        f, p, sa, s = t.fills.c, t.positions.c, ta.strategy_accounts.c, ta.strategies.c
        start, end = seoul_day_bounds(day)
        sells = (
            select(s.user_id, f.order_id, f.realized_pnl)
            .select_from(
                t.fills.join(ta.strategy_accounts, sa.id == f.strategy_account_id).join(
                    ta.strategies, s.id == sa.strategy_id
                )
            )
            .where(
                f.side == Side.SELL.value,
                f.realized_pnl.is_not(None),
                f.problem.is_(None),
                f.filled_at >= start,
                f.filled_at < end,
            )
            .order_by(f.id)
        )
        held = (
            select(s.user_id, p.symbol, p.quantity, p.average_price)
            .select_from(
                t.positions.join(ta.strategy_accounts, sa.id == p.strategy_account_id).join(
                    ta.strategies, s.id == sa.strategy_id
                )
            )
            .order_by(p.id)
        )
        async with self._db.connect() as connection:
            sell_rows = (await connection.execute(sells)).all()
            held_rows = (await connection.execute(held)).all()
        trades: dict[int, dict[str, Decimal]] = defaultdict(dict)
        for user_id, order_id, pnl in sell_rows:
            per_order = trades[int(user_id)]
            key = str(order_id)
            per_order[key] = per_order.get(key, Decimal(0)) + Decimal(pnl)
        holdings: dict[int, list[Holding]] = defaultdict(list)
        for user_id, symbol, quantity, average in held_rows:
            if Decimal(quantity) > 0:
                holdings[int(user_id)].append(
                    Holding(Symbol(str(symbol)), Decimal(quantity), Decimal(average))
                )
        users = sorted(trades.keys() | holdings.keys())
        return [
            UserDay(u, tuple(trades.get(u, {}).values()), tuple(holdings.get(u, []))) for u in users
        ]
