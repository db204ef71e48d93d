"""The stored PnL days (`tables_pnl`): row <-> domain mapping for `PnlDayStore`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from hantu.adapters.db import tables as t
from hantu.adapters.db.connection import SqlConnection
from hantu.adapters.db.tables_pnl import pnl_books, pnl_days, pnl_scopes
from hantu.adapters.db.types import canonical
from hantu.domain.enums import Side
from hantu.domain.pnl_books import BookState
from hantu.domain.pnl_days import DayResult, FoldState
from hantu.domain.pnl_stats import TradeTally
from hantu.domain.values import BrokerOrderId, FillId, Price, Quantity, StrategyAccountId, Symbol
from hantu.service_layer.pnl_folding import Fingerprint, StoredFold
from hantu.service_layer.ports import ConcurrentUpdate, FillRecord


def _day_row(scope: str, r: DayResult) -> dict[str, Any]:
    marks = [[s.code, None if p is None else str(p)] for s, p in r.marks]
    return {
        "scope": scope,
        "strategy_id": r.strategy,
        "broker_account_id": r.account,
        "day": r.day,
        "fills": r.fills,
        "realized": r.realized,
        "fees": r.fees,
        "unmatched": r.unmatched,
        "trades": r.closed.trades,
        "wins": r.closed.wins,
        "losses": r.closed.losses,
        "gross_profit": r.closed.gross_profit,
        "gross_loss": r.closed.gross_loss,
        "unrealized": r.unrealized,
        "marks": json.dumps(marks),
    }


def _marks(raw: str) -> tuple[tuple[Symbol, Decimal | None], ...]:
    return tuple(
        (Symbol(code), None if price is None else canonical(Decimal(price)))
        for code, price in json.loads(raw)
    )


def _day_of(row: RowMapping, with_marks: bool) -> DayResult:
    closed = TradeTally(
        row["trades"], row["wins"], row["losses"], row["gross_profit"], row["gross_loss"]
    )
    return DayResult(
        row["strategy_id"],
        row["broker_account_id"],
        row["day"],
        row["fills"],
        row["realized"],
        row["fees"],
        row["unmatched"],
        closed,
        row["unrealized"],
        _marks(row["marks"]) if with_marks else (),
    )


class SqlPnlDayStore:
    """`PnlDayStore` on the unit of work's connection."""

    def __init__(self, connection: SqlConnection, now: datetime) -> None:
        self._conn = connection
        self._now = now

    async def load(self, scope: str) -> StoredFold | None:
        row = (
            (await self._conn.execute(select(pnl_scopes).where(pnl_scopes.c.scope == scope)))
            .mappings()
            .first()
        )
        if row is None:
            return None
        books = (
            await self._conn.execute(select(pnl_books).where(pnl_books.c.scope == scope))
        ).mappings()
        state = FoldState(
            books={
                (b["strategy_id"], b["broker_account_id"], Symbol(b["symbol"])): BookState(
                    b["quantity"], b["average_price"], b["opened_at"], b["trip_pnl"], b["trip_cash"]
                )
                for b in books
            },
            prices={
                Symbol(code): canonical(Decimal(price))
                for code, price in json.loads(row["prices"]).items()
            },
        )
        fingerprint = Fingerprint(row["fill_count"], row["fill_max_id"])
        return StoredFold(scope, row["folded_through"], fingerprint, state)

    async def results(self, scope: str, until: date) -> list[DayResult]:
        # Holdings (the marks column) matter at a report's last day only: read them for the
        # last stored day by `until`, not for every day (thousands of symbols otherwise).
        query = select(pnl_days).where(pnl_days.c.scope == scope, pnl_days.c.day <= until)
        rows = list((await self._conn.execute(query)).mappings())
        last = max((row["day"] for row in rows), default=None)
        return [_day_of(row, row["day"] == last) for row in rows]

    async def arrived_late(
        self, strategy_account_ids: Sequence[StrategyAccountId], after_id: int, before: datetime
    ) -> bool:
        # Only a range of the primary key (fills stored since the fold, today's excluded by
        # time); the account filter is applied here so no planner picks the account index
        # and walks the whole history. Late fills are rare: this is nearly always empty.
        f = t.fills.c
        query = select(f.strategy_account_id, f.problem).where(
            f.id > after_id, f.filled_at < before
        )
        wanted = {int(i) for i in strategy_account_ids}
        rows = (await self._conn.execute(query)).all()
        return any(sa in wanted and problem is None for sa, problem in rows)

    async def fingerprint(
        self, strategy_account_ids: Sequence[StrategyAccountId], before: datetime
    ) -> Fingerprint:
        f = t.fills.c
        query = select(func.count(), func.coalesce(func.max(f.id), 0)).where(
            f.strategy_account_id.in_([int(i) for i in strategy_account_ids]),
            f.problem.is_(None),
            f.filled_at < before,
        )
        count, top = (await self._conn.execute(query)).one()
        return Fingerprint(int(count), int(top))

    async def fills(
        self, strategy_account_ids: Sequence[StrategyAccountId], since: datetime, until: datetime
    ) -> list[FillRecord]:
        f = t.fills.c
        query = (
            select(
                f.fill_id,
                f.broker_order_id,
                f.broker_account,
                f.symbol,
                f.side,
                f.quantity,
                f.price,
                f.filled_at,
                f.strategy_account_id,
            )
            .where(
                f.strategy_account_id.in_([int(i) for i in strategy_account_ids]),
                f.problem.is_(None),
                f.filled_at >= since,
                f.filled_at < until,
            )
            .order_by(f.filled_at, f.id)
        )
        return [
            FillRecord(
                fill_id=FillId(r["fill_id"]),
                broker_order_id=BrokerOrderId(r["broker_order_id"]),
                broker_account=r["broker_account"],
                symbol=Symbol(r["symbol"]),
                side=Side(r["side"]),
                quantity=Quantity(r["quantity"]),
                price=Price(r["price"]),
                filled_at=r["filled_at"],
                strategy_account_id=StrategyAccountId(r["strategy_account_id"]),
            )
            for r in (await self._conn.execute(query)).mappings()
        ]

    async def replace(self, fold: StoredFold, results: Iterable[DayResult]) -> None:
        scope = fold.scope
        for table in (pnl_days, pnl_books, pnl_scopes):
            await self._conn.execute(delete(table).where(table.c.scope == scope))
        try:
            await self._conn.execute(insert(pnl_scopes).values(**self._scope_row(fold)))
        except IntegrityError as exc:  # another request built the scope at the same time
            raise ConcurrentUpdate(f"pnl scope {scope} built twice") from exc
        await self._write(fold, results)

    async def append(self, fold: StoredFold, previous: date, results: Iterable[DayResult]) -> None:
        scope = fold.scope
        moved = await self._conn.execute(
            update(pnl_scopes)
            .where(pnl_scopes.c.scope == scope, pnl_scopes.c.folded_through == previous)
            .values(**self._scope_row(fold))
        )
        if moved.rowcount != 1:
            raise ConcurrentUpdate(f"pnl scope {scope} folded past {previous} already")
        await self._conn.execute(delete(pnl_books).where(pnl_books.c.scope == scope))
        await self._write(fold, results)

    async def _write(self, fold: StoredFold, results: Iterable[DayResult]) -> None:
        scope = fold.scope
        books = [
            {
                "scope": scope,
                "strategy_id": key[0],
                "broker_account_id": key[1],
                "symbol": key[2].code,
                "quantity": b.quantity,
                "average_price": b.average_price,
                "opened_at": b.opened_at,
                "trip_pnl": b.trip_pnl,
                "trip_cash": b.trip_cash,
            }
            for key, b in fold.state.books.items()
        ]
        if books:
            await self._conn.execute(insert(pnl_books), books)
        days = [_day_row(scope, r) for r in results]
        if days:
            await self._conn.execute(insert(pnl_days), days)

    def _scope_row(self, fold: StoredFold) -> dict[str, Any]:
        prices = {s.code: str(p) for s, p in sorted(fold.state.prices.items())}
        return {
            "scope": fold.scope,
            "folded_through": fold.through,
            "fill_count": fold.fingerprint.count,
            "fill_max_id": fold.fingerprint.max_id,
            "prices": json.dumps(prices),
            "updated_at": self._now,
        }
