"""Order history read side: the query, the rows it returns, and the reader port.

Kept apart from `ports` so the unit of work can name the reader without importing the use
cases. Rows are plain read models (never aggregates): a history page reads tens of orders out
of tens of thousands, and building `Order`s with their identity map would only cost time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from hantu.domain.enums import FailedOrderStatus, OrderStatus

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page ends in the stable order (created_at desc, id desc): the next page starts
    strictly after it, so orders arriving meanwhile never shift or repeat a row."""

    created_at: datetime
    order_id: str


@dataclass(frozen=True, slots=True)
class OrderQuery:
    """Filters of the history; `account_ids` is the ownership bound and always applies (an
    empty set finds nothing)."""

    account_ids: frozenset[int]
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    symbols: frozenset[str] | None = None
    statuses: frozenset[OrderStatus] | None = None
    after: Cursor | None = None
    limit: int = PAGE_SIZE


@dataclass(frozen=True, slots=True)
class OrderLine:
    id: str
    idempotency_key: str
    strategy_account_id: int
    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    price: Decimal | None
    status: OrderStatus
    broker_order_id: str | None
    filled_quantity: Decimal
    average_fill_price: Decimal | None
    reason: str | None
    source: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class FillLine:
    id: int
    fill_id: str
    order_id: str
    filled_at: datetime
    price: Decimal
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class FailedLink:
    """A failed order as the history links it: the order that failed and its retries."""

    id: int
    status: FailedOrderStatus
    retry_count: int
    reason: str
    order_id: str | None
    created_at: datetime
    retry_order_ids: Sequence[str] = field(default_factory=tuple)


class OrderHistoryReader(Protocol):
    async def orders(self, query: OrderQuery) -> list[OrderLine]:
        """At most `query.limit` orders after the cursor, newest first."""
        ...

    async def order(self, order_id: str) -> OrderLine | None: ...

    async def fills_of(self, order_ids: Sequence[str]) -> dict[str, list[FillLine]]:
        """Each order's fills, oldest first; orders without fills are left out."""
        ...

    async def fills(
        self, query: OrderQuery, after_fill: int | None
    ) -> list[tuple[OrderLine, FillLine]]:
        """Fills of the orders the query finds (its cursor ignored) with their order, by fill
        row id, at most `query.limit`."""
        ...

    async def failed_of_orders(self, order_ids: Sequence[str]) -> dict[str, int]:
        """The failed order each of these (originally failed) orders was kept as."""
        ...

    async def failed_link(self, failed_order_id: int) -> FailedLink | None: ...
