"""Order and fill repositories: explicit row ↔ domain mapping over SQLAlchemy Core.

Every aggregate a repository hands out is remembered with the row it came from; the unit of
work asks `flush()` to write what changed. Orders carry a version for optimistic concurrency.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import RowMapping, Select, bindparam, select, text, update

from hantu.adapters.db import tables as t
from hantu.adapters.db.connection import SqlConnection, write_rows
from hantu.adapters.db.identity_map import IdentityMap
from hantu.adapters.db.prepared import Prepared
from hantu.adapters.db.types import insert_ignoring_conflicts
from hantu.domain.enums import OrderStatus, OrderType, Side
from hantu.domain.events import Event
from hantu.domain.order import Order
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
from hantu.service_layer.ports import ConcurrentUpdate, FillRecord

Row = RowMapping


def _price(value: Decimal | None) -> Price | None:
    return None if value is None else Price(value)


# --- orders -------------------------------------------------------------------------------

# Hot-path statements are built once with bind parameters, so SQLAlchemy compiles each once.
_INSERT_ORDER = Prepared(insert_ignoring_conflicts(t.orders).__getitem__)  # before every send
_INSERT_FILL = insert_ignoring_conflicts(t.fills)
_ORDER_BY_ID = select(t.orders).where(t.orders.c.id == bindparam("order_id"))
_ORDER_BY_KEY = select(t.orders).where(t.orders.c.idempotency_key == bindparam("key"))
_UPDATE_ORDER = update(t.orders).where(
    t.orders.c.id == bindparam("_id"), t.orders.c.version == bindparam("_version")
)
_FILL_IDS_OF_ORDER = select(t.fills.c.fill_id).where(t.fills.c.order_id == bindparam("order_id"))
_CLAIM_FILL = (
    update(t.fills)
    .where(
        t.fills.c.broker_account == bindparam("_broker_account"),
        t.fills.c.fill_id == bindparam("_fill_id"),
    )
    .values(order_id=bindparam("_order_id"), strategy_account_id=bindparam("_strategy_account_id"))
)


_claims = t.broker_order_claims.c
_INSERT_CLAIM = insert_ignoring_conflicts(t.broker_order_claims)
_CLAIM_OWNER = select(_claims.order_id).where(
    _claims.broker_account == bindparam("broker_account"),
    _claims.trading_day == bindparam("trading_day"),
    _claims.broker_order_id == bindparam("broker_order_id"),
)
# A KIS order number is unique per broker account and trading day only: look it up by all three.
_ORDER_BY_BROKER_ID = (
    select(t.orders)
    .join(t.broker_order_claims, _claims.order_id == t.orders.c.id)
    .where(
        _claims.broker_account == bindparam("broker_account"),
        _claims.trading_day == bindparam("trading_day"),
        _claims.broker_order_id == bindparam("broker_order_id"),
    )
)
_ORDER_BY_BROKER_ID_LOCKED = _ORDER_BY_BROKER_ID.with_for_update(of=t.orders)
_CLAIM_OF_ORDER = select(_claims.broker_account, _claims.trading_day).where(
    _claims.order_id == bindparam("order_id")
)
_SEOUL = ZoneInfo("Asia/Seoul")


def _day(text: str) -> date:
    return datetime.strptime(text, "%Y%m%d").replace(tzinfo=UTC).date()


def _seoul_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tzinfo=_SEOUL)
    return start, start + timedelta(days=1)


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
        "valued_price": _plain(order.valued_price),
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
        valued_price=_price(row["valued_price"]),
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
    def __init__(self, connection: SqlConnection, now: datetime, *, lockable: bool) -> None:
        self._conn = connection
        self._now = now
        self._lockable = lockable
        self._seen: IdentityMap[OrderId, Order] = IdentityMap(order_to_row)

    async def add(self, order: Order) -> bool:
        row = order_to_row(order)
        # ON CONFLICT DO NOTHING: on PostgreSQL a concurrent insert of the same key waits for
        # the other transaction and then inserts nothing, without aborting this one.
        if await write_rows(self._conn, _INSERT_ORDER, {**row, "version": order.version}) != 1:
            return False
        self._seen.remember(order.id, order, row)
        return True

    def attach(self, order: Order) -> None:
        """Track an order read by an earlier unit of work; its version guards the write."""
        self._seen.remember(order.id, order)

    async def get(self, order_id: OrderId, *, for_update: bool = False) -> Order | None:
        if (known := self._seen.get(order_id)) is not None:
            return known
        query = _ORDER_BY_ID.with_for_update() if for_update and self._lockable else _ORDER_BY_ID
        return await self._one(query, {"order_id": order_id})

    async def get_by_idempotency_key(self, key: str) -> Order | None:
        return await self._one(_ORDER_BY_KEY, {"key": key})

    async def get_by_broker_id(
        self, account: str, day: date, broker_order_id: BrokerOrderId
    ) -> Order | None:
        query = _ORDER_BY_BROKER_ID_LOCKED if self._lockable else _ORDER_BY_BROKER_ID
        key = {"broker_account": account, "trading_day": day.strftime("%Y%m%d")}
        return await self._one(query, {**key, "broker_order_id": broker_order_id})

    async def with_status(self, *statuses: OrderStatus) -> list[Order]:
        query = (
            select(t.orders)
            .where(t.orders.c.status.in_([s.value for s in statuses]))
            .order_by(t.orders.c.created_at, t.orders.c.id)
        )
        return await self._many(query)

    async def created_since(
        self, strategy_account_ids: Iterable[StrategyAccountId], since: datetime, limit: int
    ) -> list[Order]:
        ids = [int(a) for a in strategy_account_ids]
        if not ids:
            return []
        query = (
            select(t.orders)
            .where(t.orders.c.strategy_account_id.in_(ids), t.orders.c.created_at >= since)
            .order_by(t.orders.c.created_at.desc(), t.orders.c.id.desc())
            .limit(limit)
        )
        return await self._many(query)

    async def claim_broker_order(
        self, account: str, day: date, broker_order_id: BrokerOrderId, order_id: OrderId
    ) -> bool:
        values = {
            "broker_account": account,
            "trading_day": day.strftime("%Y%m%d"),
            "broker_order_id": broker_order_id,
            "order_id": order_id,
            "claimed_at": self._now,
        }
        # ON CONFLICT DO NOTHING: on PostgreSQL a concurrent claim of the same broker order
        # waits for the other transaction, then this one writes nothing and learns who won.
        result = await self._conn.execute(_INSERT_CLAIM[self._conn.dialect.name], values)
        if result.rowcount == 1:
            return True
        key = {k: values[k] for k in ("broker_account", "trading_day", "broker_order_id")}
        owner = await self._conn.execute(_CLAIM_OWNER, key)
        return owner.scalar() == order_id

    async def claimed_broker_orders(
        self, account: str, since: date
    ) -> set[tuple[date, BrokerOrderId]]:
        query = select(_claims.trading_day, _claims.broker_order_id).where(
            _claims.broker_account == account, _claims.trading_day >= since.strftime("%Y%m%d")
        )
        rows = (await self._conn.execute(query)).all()
        return {(_day(d), BrokerOrderId(b)) for d, b in rows}

    async def claim_of(self, order_id: OrderId) -> tuple[str, date] | None:
        row = (await self._conn.execute(_CLAIM_OF_ORDER, {"order_id": order_id})).first()
        return None if row is None else (str(row[0]), _day(row[1]))

    async def _one(self, query: Select[Any], params: dict[str, Any] | None = None) -> Order | None:
        row = (await self._conn.execute(query, params)).mappings().first()
        return None if row is None else await self._track(row)

    async def _many(self, query: Select[Any]) -> list[Order]:
        rows = (await self._conn.execute(query)).mappings().all()
        return [await self._track(row) for row in rows]

    async def _track(self, row: Row) -> Order:
        order_id = OrderId(row["id"])
        if (known := self._seen.get(order_id)) is not None:
            return known
        fill_ids: set[FillId] = set()
        if row["filled_quantity"]:
            found = await self._conn.execute(_FILL_IDS_OF_ORDER, {"order_id": order_id})
            fill_ids = {FillId(f) for f in found.scalars()}
        return self._seen.remember(order_id, order_from_row(row, fill_ids))

    async def flush(self) -> list[Event]:
        """Write changed orders (version-checked) and return their pending events."""
        for order_id, order, before, after in self._seen.changed():
            # Only the changed columns: an unchanged key or indexed column rewritten to
            # itself still costs index writes. SQLAlchemy caches one statement per set.
            changed = {k: v for k, v in after.items() if k not in before or before[k] != v}
            params = {**changed, "version": order.version + 1, "_id": order_id}
            params["_version"] = order.version
            result = await self._conn.execute(_UPDATE_ORDER, params)
            if result.rowcount != 1:
                raise ConcurrentUpdate(f"order {order_id} changed since it was read")
            order.version += 1
            self._seen.remember(order_id, order, after)
        return [event for order in self._seen for event in order.pop_events()]


# --- fills --------------------------------------------------------------------------------


def _fill_from_row(row: Row) -> FillRecord:
    return FillRecord(
        fill_id=FillId(row["fill_id"]),
        broker_order_id=BrokerOrderId(row["broker_order_id"]),
        broker_account=row["broker_account"],
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


_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
# A fill id is unique per broker account only: every by-id statement names the account too.
_SET_REALIZED_PNL = update(t.fills).where(
    t.fills.c.broker_account == bindparam("_broker_account"),
    t.fills.c.fill_id == bindparam("_fill_id"),
)
_SET_PROBLEM = _SET_REALIZED_PNL  # the same keyed update; the values name the column
_ORPHANS = (
    select(t.fills)
    .where(
        t.fills.c.broker_account == bindparam("broker_account"),
        t.fills.c.broker_order_id == bindparam("broker_order_id"),
        t.fills.c.order_id.is_(None),
        t.fills.c.filled_at >= bindparam("day_start"),
        t.fills.c.filled_at < bindparam("day_end"),
    )
    .order_by(t.fills.c.filled_at, t.fills.c.id)
)


def _fill_key(account: str, fill_id: FillId) -> dict[str, str]:
    return {"_broker_account": account, "_fill_id": fill_id}


class SqlFillRepository:
    def __init__(self, connection: SqlConnection, now: datetime) -> None:
        self._conn = connection
        self._now = now

    async def add(self, fill: FillRecord) -> bool:
        values = {
            "fill_id": fill.fill_id,
            "order_id": fill.order_id,
            "broker_order_id": fill.broker_order_id,
            "broker_account": fill.broker_account,
            "strategy_account_id": fill.strategy_account_id,
            "symbol": fill.symbol.code,
            "side": fill.side.value,
            "quantity": Decimal(fill.quantity),
            "price": Decimal(fill.price),
            "realized_pnl": _plain(fill.realized_pnl),
            "filled_at": fill.filled_at,
            "recorded_at": self._now,
        }
        # ON CONFLICT DO NOTHING: a duplicate notice (even a concurrent one) writes nothing.
        result = await self._conn.execute(_INSERT_FILL[self._conn.dialect.name], values)
        return bool(result.rowcount == 1)

    async def orphans(
        self, account: str, day: date, broker_order_id: BrokerOrderId
    ) -> list[FillRecord]:
        start, end = _seoul_day_bounds(day)
        params = {"broker_account": account, "broker_order_id": broker_order_id}
        result = await self._conn.execute(_ORPHANS, {**params, "day_start": start, "day_end": end})
        return [_fill_from_row(r) for r in result.mappings()]

    async def lock_broker_order(
        self, account: str, day: date, broker_order_id: BrokerOrderId
    ) -> None:
        # PostgreSQL (READ COMMITTED): a fill notice and the order's answer, each in its own
        # transaction, would miss each other's uncommitted rows and leave an orphan fill. This
        # lock makes the second wait for the first and then read its committed rows. SQLite
        # needs none: a write unit of work holds the process-wide write lock.
        if self._conn.dialect.name == "postgresql":
            name = f"fills:{account}:{day:%Y%m%d}:{broker_order_id}"
            digest = hashlib.sha256(name.encode()).digest()
            key = int.from_bytes(digest[:8], "big", signed=True)
            await self._conn.execute(_ADVISORY_LOCK, {"key": key})

    async def claim(
        self,
        account: str,
        fill_id: FillId,
        order_id: OrderId,
        strategy_account_id: StrategyAccountId,
    ) -> None:
        owner = {"_order_id": order_id, "_strategy_account_id": int(strategy_account_id)}
        await self._conn.execute(_CLAIM_FILL, {**_fill_key(account, fill_id), **owner})

    async def set_realized_pnl(self, account: str, fill_id: FillId, realized_pnl: Money) -> None:
        pnl = {"realized_pnl": Decimal(realized_pnl)}
        await self._conn.execute(_SET_REALIZED_PNL, {**_fill_key(account, fill_id), **pnl})

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

    async def mark_problem(self, account: str, fill_id: FillId, problem: str) -> None:
        problem_text = {"problem": problem[:500]}
        await self._conn.execute(_SET_PROBLEM, {**_fill_key(account, fill_id), **problem_text})

    async def problems(
        self, strategy_account_ids: Iterable[StrategyAccountId]
    ) -> list[tuple[FillRecord, str]]:
        ids = [int(a) for a in strategy_account_ids]
        if not ids:
            return []
        query = (
            select(t.fills)
            .where(t.fills.c.strategy_account_id.in_(ids), t.fills.c.problem.is_not(None))
            .order_by(t.fills.c.filled_at.desc(), t.fills.c.id.desc())
            .limit(100)
        )
        rows = (await self._conn.execute(query)).mappings()
        return [(_fill_from_row(row), str(row["problem"])) for row in rows]

    async def history(
        self, strategy_account_ids: Iterable[StrategyAccountId], until: datetime
    ) -> list[FillRecord]:
        ids = [int(a) for a in strategy_account_ids]
        if not ids:
            return []
        # Only fills applied to their position: a flagged one ("확인 필요") changed no PnL.
        query = (
            select(t.fills)
            .where(
                t.fills.c.strategy_account_id.in_(ids),
                t.fills.c.problem.is_(None),
                t.fills.c.filled_at < until,
            )
            .order_by(t.fills.c.filled_at, t.fills.c.id)
        )
        return [_fill_from_row(r) for r in (await self._conn.execute(query)).mappings()]
