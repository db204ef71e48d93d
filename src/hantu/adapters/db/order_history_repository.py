"""Order history over SQLAlchemy Core: filtered, keyset-paged reads for pages, API and CSV.

Read-only and row-mapped straight to read models. The stable order is (created_at desc,
id desc), served by `idx_orders_created` and `idx_orders_account_created` (0016): a first page
walks the newest index entries and stops after `limit` rows, whatever the table's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, and_, or_, select

from hantu.adapters.db import tables as t
from hantu.adapters.db.connection import SqlConnection
from hantu.domain.enums import FailedOrderStatus, OrderStatus
from hantu.domain.failed_order import MAX_RETRIES
from hantu.service_layer.history_ports import FailedLink, FillLine, OrderLine, OrderQuery

_o = t.orders.c
_f = t.fills.c
_fo = t.failed_orders.c

_ORDER_COLUMNS = (
    _o.id,
    _o.idempotency_key,
    _o.strategy_account_id,
    _o.symbol,
    _o.side,
    _o.order_type,
    _o.quantity,
    _o.price,
    _o.status,
    _o.broker_order_id,
    _o.filled_quantity,
    _o.average_fill_price,
    _o.reason,
    _o.source,
    _o.created_at,
    _o.updated_at,
)
_FILL_COLUMNS = (_f.id, _f.fill_id, _f.order_id, _f.filled_at, _f.price, _f.quantity)
# Fills joined to their orders: the fill's columns under a prefix, so no name is shared.
_JOINED_FILL = tuple(c.label(f"fill_{c.name}") for c in _FILL_COLUMNS)


def _optional(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _order_line(row: RowMapping) -> OrderLine:
    return OrderLine(
        id=row["id"],
        idempotency_key=row["idempotency_key"],
        strategy_account_id=int(row["strategy_account_id"]),
        symbol=row["symbol"],
        side=row["side"],
        order_type=row["order_type"],
        quantity=Decimal(row["quantity"]),
        price=_optional(row["price"]),
        status=OrderStatus(row["status"]),
        broker_order_id=row["broker_order_id"],
        filled_quantity=Decimal(row["filled_quantity"]),
        average_fill_price=_optional(row["average_fill_price"]),
        reason=row["reason"],
        source=row["source"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _fill_line(row: RowMapping, prefix: str = "") -> FillLine:
    return FillLine(
        id=int(row[f"{prefix}id"]),
        fill_id=row[f"{prefix}fill_id"],
        order_id=row[f"{prefix}order_id"],
        filled_at=row[f"{prefix}filled_at"],
        price=Decimal(row[f"{prefix}price"]),
        quantity=Decimal(row[f"{prefix}quantity"]),
    )


def _conditions(query: OrderQuery) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [_o.strategy_account_id.in_(sorted(query.account_ids))]
    if query.since is not None:
        found.append(_o.created_at >= query.since)
    if query.until is not None:
        found.append(_o.created_at < query.until)
    if query.symbols is not None:
        found.append(_o.symbol.in_(sorted(query.symbols)))
    if query.statuses is not None:
        found.append(_o.status.in_(sorted(s.value for s in query.statuses)))
    return found


def _after(query: OrderQuery) -> list[ColumnElement[bool]]:
    if query.after is None:
        return []
    moment, order_id = query.after.created_at, query.after.order_id
    return [
        or_(_o.created_at < moment, and_(_o.created_at == moment, _o.id < order_id)),
        _o.created_at <= moment,  # lets the planner bound the index range on its own
    ]


class SqlOrderHistory:
    """`OrderHistoryReader` on one connection of a (read-only) unit of work."""

    def __init__(self, connection: SqlConnection) -> None:
        self._conn = connection

    async def _rows(self, statement: Select[Any]) -> Sequence[RowMapping]:
        return (await self._conn.execute(statement)).mappings().all()

    async def orders(self, query: OrderQuery) -> list[OrderLine]:
        if not query.account_ids:
            return []
        statement = (
            select(*_ORDER_COLUMNS)
            .where(*_conditions(query), *_after(query))
            .order_by(_o.created_at.desc(), _o.id.desc())
            .limit(query.limit)
        )
        return [_order_line(row) for row in await self._rows(statement)]

    async def order(self, order_id: str) -> OrderLine | None:
        rows = await self._rows(select(*_ORDER_COLUMNS).where(_o.id == order_id))
        return _order_line(rows[0]) if rows else None

    async def fills_of(self, order_ids: Sequence[str]) -> dict[str, list[FillLine]]:
        found: dict[str, list[FillLine]] = {}
        if not order_ids:
            return found
        statement = (
            select(*_FILL_COLUMNS)
            .where(_f.order_id.in_(list(order_ids)))
            .order_by(_f.filled_at, _f.id)
        )
        for row in await self._rows(statement):
            found.setdefault(row["order_id"], []).append(_fill_line(row))
        return found

    async def fills(
        self, query: OrderQuery, after_fill: int | None
    ) -> list[tuple[OrderLine, FillLine]]:
        if not query.account_ids:
            return []
        statement = (
            select(*_ORDER_COLUMNS, *_JOINED_FILL)
            .join(t.orders, _o.id == _f.order_id)
            .where(*_conditions(query))
            .order_by(_f.id)
            .limit(query.limit)
        )
        if after_fill is not None:
            statement = statement.where(_f.id > after_fill)
        rows = await self._rows(statement)
        return [(_order_line(row), _fill_line(row, "fill_")) for row in rows]

    async def failed_of_orders(self, order_ids: Sequence[str]) -> dict[str, int]:
        if not order_ids:
            return {}
        statement = select(_fo.order_id, _fo.id).where(_fo.order_id.in_(list(order_ids)))
        return {row["order_id"]: int(row["id"]) for row in await self._rows(statement)}

    async def failed_link(self, failed_order_id: int) -> FailedLink | None:
        rows = await self._rows(select(t.failed_orders).where(_fo.id == failed_order_id))
        if not rows:
            return None
        row = rows[0]
        # A retry's idempotency key is `retry:<failed id>:<attempt>` (FailedOrder.retry_key),
        # at most MAX_RETRIES of them: exact keys use the unique index on both databases.
        keys = [f"retry:{failed_order_id}:{n}" for n in range(1, MAX_RETRIES + 1)]
        retries = await self._rows(
            select(_o.id).where(_o.idempotency_key.in_(keys)).order_by(_o.created_at, _o.id)
        )
        return FailedLink(
            id=int(row["id"]),
            status=FailedOrderStatus(row["status"]),
            retry_count=int(row["retry_count"]),
            reason=row["reason"],
            order_id=row["order_id"],
            created_at=row["created_at"],
            retry_order_ids=tuple(r["id"] for r in retries),
        )
