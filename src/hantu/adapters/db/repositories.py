"""Repositories: explicit row ↔ domain mapping over SQLAlchemy Core, one connection each.

Every aggregate a repository hands out is remembered with the row it came from; the unit of
work asks `flush()` to write what changed. Orders carry a version for optimistic concurrency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import RowMapping, Select, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from hantu.adapters.db import tables as t
from hantu.domain.enums import FailedOrderStatus, OrderStatus, OrderType, Side
from hantu.domain.events import Event
from hantu.domain.failed_order import FailedOrder
from hantu.domain.order import Order
from hantu.domain.position import Position
from hantu.domain.values import (
    BrokerOrderId,
    FillId,
    Money,
    OrderId,
    Price,
    Quantity,
    StrategyAccountId,
    Symbol,
)
from hantu.service_layer.ports import ConcurrentUpdate, FailedOrderFilter, FillRecord

Row = RowMapping


def _price(value: Decimal | None) -> Price | None:
    return None if value is None else Price(value)


# --- orders -------------------------------------------------------------------------------

# Hot-path statements are built once with bind parameters, so SQLAlchemy compiles each once.
_ORDER_BY_ID = select(t.orders).where(t.orders.c.id == bindparam("order_id"))
_ORDER_BY_KEY = select(t.orders).where(t.orders.c.idempotency_key == bindparam("key"))
_UPDATE_ORDER = update(t.orders).where(
    t.orders.c.id == bindparam("_id"), t.orders.c.version == bindparam("_version")
)


def order_to_row(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "idempotency_key": order.idempotency_key,
        "strategy_account_id": int(order.strategy_account_id),
        "symbol": order.symbol.code,
        "side": order.side.value,
        "order_type": order.order_type.value,
        "quantity": Decimal(order.quantity),
        "price": None if order.price is None else Decimal(order.price),
        "status": order.status.value,
        "previous_status": order.previous_status.value if order.previous_status else None,
        "broker_order_id": order.broker_order_id,
        "filled_quantity": Decimal(order.filled_quantity),
        "average_fill_price": _plain(order.average_fill_price),
        "reason": order.reason[:500] if order.reason else order.reason,
        "source": order.source[:32],
        "created_at": order.created_at,
        "updated_at": order.updated_at or order.created_at,
    }


def _plain(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def order_from_row(row: Row, fill_ids: set[FillId]) -> Order:
    previous = row["previous_status"]
    return Order(
        id=OrderId(row["id"]),
        idempotency_key=row["idempotency_key"],
        strategy_account_id=StrategyAccountId(row["strategy_account_id"]),
        symbol=Symbol(row["symbol"]),
        side=Side(row["side"]),
        order_type=OrderType(row["order_type"]),
        quantity=Quantity(row["quantity"]),
        price=_price(row["price"]),
        created_at=row["created_at"],
        source=row["source"],
        status=OrderStatus(row["status"]),
        previous_status=OrderStatus(previous) if previous else None,
        broker_order_id=BrokerOrderId(row["broker_order_id"]) if row["broker_order_id"] else None,
        filled_quantity=Quantity(row["filled_quantity"]),
        average_fill_price=_price(row["average_fill_price"]),
        fill_ids=fill_ids,
        reason=row["reason"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


class SqlOrderRepository:
    def __init__(self, connection: AsyncConnection, *, lockable: bool) -> None:
        self._conn = connection
        self._lockable = lockable
        self._seen: dict[OrderId, tuple[Order, dict[str, Any]]] = {}

    async def add(self, order: Order) -> bool:
        row = order_to_row(order)
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        # ON CONFLICT DO NOTHING: on PostgreSQL a concurrent insert of the same key waits for
        # the other transaction and then inserts nothing, without aborting this one.
        query = dialect.insert(t.orders).on_conflict_do_nothing()
        result = await self._conn.execute(query, {**row, "version": order.version})
        if result.rowcount != 1:
            return False
        self._seen[order.id] = (order, row)
        return True

    def attach(self, order: Order) -> None:
        """Track an order read by an earlier unit of work; its version guards the write."""
        self._seen[order.id] = (order, order_to_row(order))

    async def get(self, order_id: OrderId, *, for_update: bool = False) -> Order | None:
        if order_id in self._seen:
            return self._seen[order_id][0]
        query = _ORDER_BY_ID.with_for_update() if for_update and self._lockable else _ORDER_BY_ID
        return await self._one(query, {"order_id": order_id})

    async def get_by_idempotency_key(self, key: str) -> Order | None:
        return await self._one(_ORDER_BY_KEY, {"key": key})

    async def get_by_broker_id(self, broker_order_id: BrokerOrderId) -> Order | None:
        query = (
            select(t.orders)
            .where(t.orders.c.broker_order_id == broker_order_id)
            .order_by(t.orders.c.created_at.desc())
            .limit(1)
        )
        if self._lockable:
            query = query.with_for_update()
        return await self._one(query)

    async def with_status(self, *statuses: OrderStatus) -> list[Order]:
        query = (
            select(t.orders)
            .where(t.orders.c.status.in_([s.value for s in statuses]))
            .order_by(t.orders.c.created_at, t.orders.c.id)
        )
        return await self._many(query)

    async def open_orders(self, strategy_account_id: StrategyAccountId) -> list[Order]:
        live = [s.value for s in OrderStatus if s.is_open] + [OrderStatus.NEW.value]
        query = select(t.orders).where(
            t.orders.c.strategy_account_id == int(strategy_account_id),
            t.orders.c.status.in_(live),
        )
        return await self._many(query)

    async def broker_ids_since(
        self, since: datetime
    ) -> list[tuple[StrategyAccountId, BrokerOrderId]]:
        query = select(t.orders.c.strategy_account_id, t.orders.c.broker_order_id).where(
            t.orders.c.broker_order_id.is_not(None), t.orders.c.created_at >= since
        )
        rows = (await self._conn.execute(query)).all()
        return [(StrategyAccountId(a), BrokerOrderId(b)) for a, b in rows]

    async def _one(self, query: Select[Any], params: dict[str, Any] | None = None) -> Order | None:
        row = (await self._conn.execute(query, params)).mappings().first()
        return None if row is None else await self._track(row)

    async def _many(self, query: Select[Any]) -> list[Order]:
        rows = (await self._conn.execute(query)).mappings().all()
        return [await self._track(row) for row in rows]

    async def _track(self, row: Row) -> Order:
        order_id = OrderId(row["id"])
        if order_id in self._seen:
            return self._seen[order_id][0]
        fill_ids: set[FillId] = set()
        if row["filled_quantity"]:
            query = select(t.fills.c.fill_id).where(t.fills.c.order_id == order_id)
            fill_ids = {FillId(f) for f in (await self._conn.execute(query)).scalars()}
        order = order_from_row(row, fill_ids)
        self._seen[order_id] = (order, order_to_row(order))
        return order

    async def flush(self) -> list[Event]:
        """Write changed orders (version-checked) and return their pending events."""
        pending: list[Event] = []
        for order_id, (order, before) in self._seen.items():
            after = order_to_row(order)
            if after != before:
                params = {**after, "version": order.version + 1, "_id": order_id}
                params["_version"] = order.version
                result = await self._conn.execute(_UPDATE_ORDER, params)
                if result.rowcount != 1:
                    raise ConcurrentUpdate(f"order {order_id} changed since it was read")
                order.version += 1
                self._seen[order_id] = (order, after)
            pending.extend(order.pop_events())
        return pending


# --- fills --------------------------------------------------------------------------------


def _fill_from_row(row: Row) -> FillRecord:
    return FillRecord(
        fill_id=FillId(row["fill_id"]),
        broker_order_id=BrokerOrderId(row["broker_order_id"]),
        symbol=Symbol(row["symbol"]),
        side=Side(row["side"]),
        quantity=Quantity(row["quantity"]),
        price=Price(row["price"]),
        filled_at=row["filled_at"],
        order_id=OrderId(row["order_id"]) if row["order_id"] else None,
        strategy_account_id=(
            StrategyAccountId(row["strategy_account_id"]) if row["strategy_account_id"] else None
        ),
        realized_pnl=None if row["realized_pnl"] is None else Money(row["realized_pnl"]),
    )


_ORPHANS = (
    select(t.fills)
    .where(t.fills.c.broker_order_id == bindparam("broker_order_id"), t.fills.c.order_id.is_(None))
    .order_by(t.fills.c.filled_at, t.fills.c.id)
)


class SqlFillRepository:
    def __init__(self, connection: AsyncConnection, now: datetime) -> None:
        self._conn = connection
        self._now = now

    async def add(self, fill: FillRecord) -> bool:
        values = {
            "fill_id": fill.fill_id,
            "order_id": fill.order_id,
            "broker_order_id": fill.broker_order_id,
            "strategy_account_id": fill.strategy_account_id,
            "symbol": fill.symbol.code,
            "side": fill.side.value,
            "quantity": Decimal(fill.quantity),
            "price": Decimal(fill.price),
            "realized_pnl": _plain(fill.realized_pnl),
            "filled_at": fill.filled_at,
            "recorded_at": self._now,
        }
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        # ON CONFLICT DO NOTHING: a duplicate notice (even a concurrent one) writes nothing.
        query = dialect.insert(t.fills).values(**values).on_conflict_do_nothing()
        result = await self._conn.execute(query)
        return bool(result.rowcount == 1)

    async def orphans(self, broker_order_id: BrokerOrderId) -> list[FillRecord]:
        result = await self._conn.execute(_ORPHANS, {"broker_order_id": broker_order_id})
        return [_fill_from_row(r) for r in result.mappings()]

    async def claim(
        self, fill_id: FillId, order_id: OrderId, strategy_account_id: StrategyAccountId
    ) -> None:
        query = (
            update(t.fills)
            .where(t.fills.c.fill_id == fill_id)
            .values(order_id=order_id, strategy_account_id=int(strategy_account_id))
        )
        await self._conn.execute(query)

    async def set_realized_pnl(self, fill_id: FillId, realized_pnl: Money) -> None:
        query = (
            update(t.fills)
            .where(t.fills.c.fill_id == fill_id)
            .values(realized_pnl=Decimal(realized_pnl))
        )
        await self._conn.execute(query)

    async def realized_pnl_since(
        self, strategy_account_id: StrategyAccountId, since: datetime
    ) -> Money:
        # Summed in Python: SQLite keeps these as exact text, which SUM() would turn to float.
        query = select(t.fills.c.realized_pnl).where(
            t.fills.c.strategy_account_id == int(strategy_account_id),
            t.fills.c.filled_at >= since,
            t.fills.c.realized_pnl.is_not(None),
        )
        values = (await self._conn.execute(query)).scalars().all()
        return Money(sum(values, Decimal(0)))

    async def for_order(self, order_id: OrderId) -> list[FillRecord]:
        query = select(t.fills).where(t.fills.c.order_id == order_id).order_by(t.fills.c.id)
        return [_fill_from_row(r) for r in (await self._conn.execute(query)).mappings()]


# --- positions ----------------------------------------------------------------------------


def _position_values(position: Position) -> dict[str, Any]:
    return {
        "quantity": Decimal(position.quantity),
        "average_price": Decimal(position.average_price),
        "realized_pnl": Decimal(position.realized_pnl),
    }


class SqlPositionRepository:
    def __init__(self, connection: AsyncConnection, now: datetime, *, lockable: bool) -> None:
        self._conn = connection
        self._now = now
        self._lockable = lockable
        self._seen: dict[tuple[int, str], tuple[Position, dict[str, Any]]] = {}

    async def get(
        self, strategy_account_id: StrategyAccountId, symbol: Symbol, *, for_update: bool = False
    ) -> Position | None:
        key = (int(strategy_account_id), symbol.code)
        if key in self._seen:
            return self._seen[key][0]
        query = select(t.positions).where(
            t.positions.c.strategy_account_id == key[0], t.positions.c.symbol == key[1]
        )
        if for_update and self._lockable:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).mappings().first()
        return None if row is None else self._track(row)

    async def add(self, position: Position) -> None:
        values = _position_values(position)
        key = (int(position.strategy_account_id), position.symbol.code)
        await self._conn.execute(
            insert(t.positions).values(
                strategy_account_id=key[0], symbol=key[1], updated_at=self._now, **values
            )
        )
        self._seen[key] = (position, values)

    async def open_positions(self, strategy_account_id: StrategyAccountId) -> list[Position]:
        query = select(t.positions).where(
            t.positions.c.strategy_account_id == int(strategy_account_id)
        )
        rows = (await self._conn.execute(query)).mappings().all()
        return [p for p in (self._track(r) for r in rows) if p.is_open]

    def _track(self, row: Row) -> Position:
        key = (int(row["strategy_account_id"]), str(row["symbol"]))
        if key in self._seen:
            return self._seen[key][0]
        position = Position(
            strategy_account_id=StrategyAccountId(key[0]),
            symbol=Symbol(key[1]),
            quantity=Quantity(row["quantity"]),
            average_price=Price(row["average_price"]),
            realized_pnl=Money(row["realized_pnl"]),
        )
        self._seen[key] = (position, _position_values(position))
        return position

    async def flush(self) -> None:
        for (account, symbol), (position, before) in self._seen.items():
            after = _position_values(position)
            if after == before:
                continue
            query = (
                update(t.positions)
                .where(t.positions.c.strategy_account_id == account, t.positions.c.symbol == symbol)
                .values(**after, updated_at=self._now)
            )
            await self._conn.execute(query)
            self._seen[(account, symbol)] = (position, after)


# --- failed orders ------------------------------------------------------------------------


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


class SqlFailedOrderRepository:
    def __init__(self, connection: AsyncConnection, *, lockable: bool) -> None:
        self._conn = connection
        self._lockable = lockable
        self._seen: dict[int, tuple[FailedOrder, dict[str, Any]]] = {}

    async def add(self, failed_order: FailedOrder) -> None:
        values = _failed_values(failed_order)
        query = insert(t.failed_orders).values(**values).returning(t.failed_orders.c.id)
        failed_order.id = int((await self._conn.execute(query)).scalar_one())
        self._seen[failed_order.id] = (failed_order, values)

    async def get(self, failed_order_id: int, *, for_update: bool = False) -> FailedOrder | None:
        if failed_order_id in self._seen:
            return self._seen[failed_order_id][0]
        query = select(t.failed_orders).where(t.failed_orders.c.id == failed_order_id)
        if for_update and self._lockable:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).mappings().first()
        return None if row is None else self._track(row)

    async def get_by_retry_order(self, order_id: OrderId) -> FailedOrder | None:
        query = select(t.failed_orders).where(t.failed_orders.c.last_retry_order_id == order_id)
        row = (await self._conn.execute(query)).mappings().first()
        return None if row is None else self._track(row)

    async def list(self, query: FailedOrderFilter) -> list[FailedOrder]:
        c = t.failed_orders.c
        stmt = select(t.failed_orders)
        if query.status is None:
            stmt = stmt.where(c.status != FailedOrderStatus.REMOVED.value)
        else:
            stmt = stmt.where(c.status == query.status.value)
        if query.strategy_account_id is not None:
            stmt = stmt.where(c.strategy_account_id == int(query.strategy_account_id))
        if query.symbol is not None:
            stmt = stmt.where(c.symbol == query.symbol.code)
        stmt = stmt.order_by(c.created_at.desc(), c.id.desc()).limit(query.limit)
        rows = (await self._conn.execute(stmt.offset(query.offset))).mappings().all()
        return [self._track(r) for r in rows]

    async def count(self) -> int:
        query = select(func.count()).select_from(t.failed_orders)
        return int((await self._conn.execute(query)).scalar_one())

    def _track(self, row: Row) -> FailedOrder:
        failed_id = int(row["id"])
        if failed_id in self._seen:
            return self._seen[failed_id][0]
        failed = _failed_from_row(row)
        self._seen[failed_id] = (failed, _failed_values(failed))
        return failed

    async def flush(self) -> None:
        for failed_id, (failed, before) in self._seen.items():
            after = _failed_values(failed)
            if after != before:
                query = (
                    update(t.failed_orders).where(t.failed_orders.c.id == failed_id).values(**after)
                )
                await self._conn.execute(query)
                self._seen[failed_id] = (failed, after)


# --- events -------------------------------------------------------------------------------


def _jsonable(value: object) -> object:
    match value:
        case None | bool() | int() | str():
            return value
        case Decimal():
            return str(value)
        case datetime():
            return value.isoformat()
        case Enum():
            return value.value
        case Symbol():
            return value.code
        case Mapping():
            return {str(k): _jsonable(v) for k, v in value.items()}
        case _:
            return str(value)


_INSERT_EVENT = insert(t.events)


def event_to_row(event: Event, recorded_at: datetime) -> dict[str, Any]:
    payload = {
        f.name: _jsonable(getattr(event, f.name))
        for f in dataclass_fields(event)
        if f.name not in ("occurred_at", "order_id")
    }
    order_id = getattr(event, "order_id", None)
    return {
        "name": event.name,
        "order_id": order_id if isinstance(order_id, str) else None,
        "occurred_at": event.occurred_at,
        "recorded_at": recorded_at,
        "payload": payload,
    }


async def append_events(
    connection: AsyncConnection, events: list[Event], recorded_at: datetime
) -> None:
    """Append events to the audit log in one round trip."""
    if events:
        rows = [event_to_row(e, recorded_at) for e in events]
        await connection.execute(_INSERT_EVENT, rows)
