"""Failed orders: row ↔ `FailedOrder` mapping, filtered listing; changes written at commit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping, Select, case, func, insert, select, update

from hantu.adapters.db import tables as t
from hantu.adapters.db.connection import SqlConnection
from hantu.adapters.db.identity_map import IdentityMap
from hantu.domain.enums import FailedOrderStatus, OrderType, Side
from hantu.domain.failed_order import FailedOrder
from hantu.domain.values import OrderId, Price, Quantity, StrategyAccountId, Symbol
from hantu.service_layer.ports import FailedOrderFilter, FailedOrderGroup

Row = RowMapping


def _price(value: Decimal | None) -> Price | None:
    return None if value is None else Price(value)


def _plain(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _failed_values(failed: FailedOrder) -> dict[str, Any]:
    return {
        "strategy_account_id": int(failed.strategy_account_id),
        "symbol": failed.symbol.code,
        "side": failed.side.value,
        "order_type": failed.order_type.value,
        "quantity": Decimal(failed.quantity),
        "price": _plain(failed.price),
        "reason": failed.reason[:100],
        "broker_error": failed.broker_error,
        "order_params": dict(failed.order_params),
        "status": failed.status.value,
        "retry_count": failed.retry_count,
        "order_id": failed.order_id,
        "last_retry_order_id": failed.last_retry_order_id,
        "webhook_id": failed.webhook_id,
        "created_at": failed.created_at,
        "updated_at": failed.updated_at,
    }


def _failed_from_row(row: Row) -> FailedOrder:
    return FailedOrder(
        id=int(row["id"]),
        strategy_account_id=StrategyAccountId(row["strategy_account_id"]),
        symbol=Symbol(row["symbol"]),
        side=Side(row["side"]),
        order_type=OrderType(row["order_type"]),
        quantity=Quantity(row["quantity"]),
        price=_price(row["price"]),
        reason=row["reason"],
        broker_error=row["broker_error"],
        order_params={str(k): str(v) for k, v in dict(row["order_params"]).items()},
        status=FailedOrderStatus(row["status"]),
        retry_count=row["retry_count"],
        order_id=OrderId(row["order_id"]) if row["order_id"] else None,
        last_retry_order_id=(
            OrderId(row["last_retry_order_id"]) if row["last_retry_order_id"] else None
        ),
        webhook_id=row["webhook_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _filtered(stmt: Select[Any], query: FailedOrderFilter) -> Select[Any]:
    c = t.failed_orders.c
    if query.status is not None:
        stmt = stmt.where(c.status == query.status.value)
    elif not query.include_removed:
        stmt = stmt.where(c.status != FailedOrderStatus.REMOVED.value)
    if query.strategy_account_id is not None:
        stmt = stmt.where(c.strategy_account_id == int(query.strategy_account_id))
    if query.strategy_account_ids is not None:
        stmt = stmt.where(c.strategy_account_id.in_([int(a) for a in query.strategy_account_ids]))
    if query.symbol is not None:
        stmt = stmt.where(c.symbol == query.symbol.code)
    if query.symbols is not None:
        stmt = stmt.where(c.symbol.in_(sorted(s.code for s in query.symbols)))
    if query.created_from is not None:
        stmt = stmt.where(c.created_at >= query.created_from)
    if query.created_before is not None:
        stmt = stmt.where(c.created_at < query.created_before)
    return stmt


class SqlFailedOrderRepository:
    def __init__(self, connection: SqlConnection, *, lockable: bool) -> None:
        self._conn = connection
        self._lockable = lockable
        self._seen: IdentityMap[int, FailedOrder] = IdentityMap(_failed_values)

    async def add(self, failed_order: FailedOrder) -> None:
        values = _failed_values(failed_order)
        query = insert(t.failed_orders).values(**values).returning(t.failed_orders.c.id)
        failed_order.id = int((await self._conn.execute(query)).scalar_one())
        self._seen.remember(failed_order.id, failed_order, values)

    async def get(self, failed_order_id: int, *, for_update: bool = False) -> FailedOrder | None:
        if (known := self._seen.get(failed_order_id)) is not None:
            return known
        query = select(t.failed_orders).where(t.failed_orders.c.id == failed_order_id)
        if for_update and self._lockable:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).mappings().first()
        return None if row is None else self._track(row)

    async def get_by_retry_order(self, order_id: OrderId) -> FailedOrder | None:
        query = select(t.failed_orders).where(t.failed_orders.c.last_retry_order_id == order_id)
        row = (await self._conn.execute(query)).mappings().first()
        return None if row is None else self._track(row)

    async def get_by_order(self, order_id: OrderId) -> FailedOrder | None:
        c = t.failed_orders.c
        query = select(t.failed_orders).where(
            (c.order_id == order_id) | (c.last_retry_order_id == order_id)
        )
        row = (await self._conn.execute(query.limit(1))).mappings().first()
        return None if row is None else self._track(row)

    async def groups(self, query: FailedOrderFilter) -> list[FailedOrderGroup]:
        c = t.failed_orders.c
        retried = func.sum(case((c.retry_count > 0, 1), else_=0))
        resolved = func.sum(case((c.status == FailedOrderStatus.RESOLVED.value, 1), else_=0))
        stmt = select(c.symbol, c.reason, func.count().label("n"), retried, resolved)
        stmt = _filtered(stmt, query).group_by(c.symbol, c.reason).order_by(c.symbol, c.reason)
        rows = (await self._conn.execute(stmt)).all()
        return [
            FailedOrderGroup(Symbol(symbol), reason, int(n), int(tried or 0), int(done or 0))
            for symbol, reason, n, tried, done in rows
        ]

    async def list(self, query: FailedOrderFilter) -> list[FailedOrder]:
        c = t.failed_orders.c
        stmt = _filtered(select(t.failed_orders), query)
        stmt = stmt.order_by(c.created_at.desc(), c.id.desc()).limit(query.limit)
        rows = (await self._conn.execute(stmt.offset(query.offset))).mappings().all()
        return [self._track(r) for r in rows]

    async def count(self, status: FailedOrderStatus | None = None) -> int:
        query = select(func.count()).select_from(t.failed_orders)
        if status is not None:
            query = query.where(t.failed_orders.c.status == status.value)
        return int((await self._conn.execute(query)).scalar_one())

    def _track(self, row: Row) -> FailedOrder:
        failed_id = int(row["id"])
        if (known := self._seen.get(failed_id)) is not None:
            return known
        return self._seen.remember(failed_id, _failed_from_row(row))

    async def flush(self) -> None:
        for failed_id, failed, _, after in self._seen.changed():
            query = update(t.failed_orders).where(t.failed_orders.c.id == failed_id).values(**after)
            await self._conn.execute(query)
            self._seen.remember(failed_id, failed, after)
