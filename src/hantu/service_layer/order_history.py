"""Order history use cases: a page of orders with their fills and failed-order links, one
order in detail, exports in batches, and a cancel bounded by ownership.

Every query is bounded by the strategy accounts the caller owns (user → strategy → strategy
account); an order outside them is "not found", never "forbidden", so ids reveal nothing.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from hantu.domain.enums import OrderStatus
from hantu.domain.errors import NotFound
from hantu.service_layer import order_cancel
from hantu.service_layer.deps import SEOUL, Deps
from hantu.service_layer.errors import OrderNotCancelable
from hantu.service_layer.history_ports import (
    Cursor,
    FailedLink,
    FillLine,
    OrderLine,
    OrderQuery,
)
from hantu.service_layer.queries import OrderView

EXPORT_BATCH = 1000
_RETRY_KEY = re.compile(r"^retry:(\d{1,18}):\d+$")


@dataclass(frozen=True, slots=True)
class HistoryItem:
    order: OrderLine
    fills: list[FillLine]
    failed_order_id: int | None  # this order failed and is kept as that failed order
    retry_of: int | None  # this order is a retry of that failed order

    @property
    def cancelable(self) -> bool:
        return self.order.status.is_live and self.order.broker_order_id is not None


@dataclass(frozen=True, slots=True)
class HistoryPage:
    items: list[HistoryItem]
    next_cursor: Cursor | None  # None: this is the last page


@dataclass(frozen=True, slots=True)
class OrderDetail:
    item: HistoryItem
    failed: FailedLink | None  # the failed order it made, or the one it retries


class CancelNotAllowed(OrderNotCancelable):
    """The order is not live at the broker; `status` says why (the web layer words it)."""

    def __init__(self, status: OrderStatus) -> None:
        super().__init__(f"order is {status.value}; only SENT or PARTIAL orders can be canceled")
        self.status = status


def seoul_days(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """Bounds of whole Seoul trading days: [first 00:00, the day after last 00:00)."""
    since = None if first is None else datetime.combine(first, time(), tzinfo=SEOUL)
    until = None
    if last is not None:
        until = datetime.combine(last + timedelta(days=1), time(), tzinfo=SEOUL)
    return since, until


def retry_of(idempotency_key: str) -> int | None:
    """The failed order a retry order was sent for (its key is `retry:<id>:<attempt>`)."""
    found = _RETRY_KEY.fullmatch(idempotency_key)
    return int(found.group(1)) if found else None


def _item(line: OrderLine, fills: list[FillLine], failed_id: int | None) -> HistoryItem:
    return HistoryItem(line, fills, failed_id, retry_of(line.idempotency_key))


async def history_page(deps: Deps, query: OrderQuery) -> HistoryPage:
    """One page of orders, newest first, each with its fills and failed-order links."""
    async with deps.uow(read_only=True) as uow:
        lines = await uow.history.orders(replace(query, limit=query.limit + 1))
        shown = lines[: query.limit]
        ids = [line.id for line in shown]
        fills = await uow.history.fills_of(ids)
        failed = await uow.history.failed_of_orders(ids)
    items = [
        HistoryItem(
            line, fills.get(line.id, []), failed.get(line.id), retry_of(line.idempotency_key)
        )
        for line in shown
    ]
    more = len(lines) > query.limit
    last = shown[-1] if shown else None
    cursor = Cursor(last.created_at, last.id) if more and last is not None else None
    return HistoryPage(items, cursor)


async def order_detail(deps: Deps, order_id: str, account_ids: frozenset[int]) -> OrderDetail:
    """One owned order with its fills, and the failed order it made or retries."""
    async with deps.uow(read_only=True) as uow:
        line = await uow.history.order(order_id)
        if line is None or line.strategy_account_id not in account_ids:
            raise NotFound("order")
        fills = (await uow.history.fills_of([line.id])).get(line.id, [])
        failed_id = (await uow.history.failed_of_orders([line.id])).get(line.id)
        retried = retry_of(line.idempotency_key)
        linked_id = failed_id if failed_id is not None else retried
        link = None if linked_id is None else await uow.history.failed_link(linked_id)
    return OrderDetail(HistoryItem(line, fills, failed_id, retried), link)


async def export_orders(deps: Deps, query: OrderQuery) -> AsyncIterator[list[OrderLine]]:
    """Every order the query finds, newest first, in batches (one short read each, so a big
    range never holds a connection or the whole result in memory)."""
    cursor = query.after
    while True:
        batch_query = replace(query, after=cursor, limit=EXPORT_BATCH)
        async with deps.uow(read_only=True) as uow:
            lines = await uow.history.orders(batch_query)
        if lines:
            yield lines
        if len(lines) < EXPORT_BATCH:
            return
        cursor = Cursor(lines[-1].created_at, lines[-1].id)


async def export_fills(
    deps: Deps, query: OrderQuery
) -> AsyncIterator[list[tuple[OrderLine, FillLine]]]:
    """Every fill of the orders the query finds, oldest recorded first, in batches."""
    after: int | None = None
    while True:
        async with deps.uow(read_only=True) as uow:
            rows = await uow.history.fills(replace(query, limit=EXPORT_BATCH), after)
        if rows:
            yield rows
        if len(rows) < EXPORT_BATCH:
            return
        after = rows[-1][1].id


async def cancel_owned(deps: Deps, order_id: str, account_ids: frozenset[int]) -> OrderView:
    """Cancel an owned order live at the broker; raise `CancelNotAllowed` for any other."""
    async with deps.uow(read_only=True) as uow:
        line = await uow.history.order(order_id)
    if line is None or line.strategy_account_id not in account_ids:
        raise NotFound("order")
    if not line.status.is_live or line.broker_order_id is None:
        raise CancelNotAllowed(line.status)
    try:
        return await order_cancel.cancel(deps, order_id)
    except OrderNotCancelable:  # it changed meanwhile (a fill, a sync): say what it is now
        async with deps.uow(read_only=True) as uow:
            now = await uow.history.order(order_id)
        raise CancelNotAllowed(now.status if now else line.status) from None
