"""The web layer's view of the order pipeline: one narrow protocol, so routers never reach
into the service layer's internals and tests can see exactly what the web layer uses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from hantu.domain.order import OrderRequest
from hantu.domain.position import Position
from hantu.domain.values import Symbol
from hantu.service_layer.queries import FailedOrderView, FillToCheck, OrderView
from hantu.service_layer.webhooks import AccountResult


class RetryOutcome(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"
    UNCONFIRMED = "unconfirmed"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True, slots=True)
class RetryResult:
    outcome: RetryOutcome
    order_id: str | None = None
    broker_order_id: str | None = None
    error: str | None = None
    code: str | None = None  # why a retry is not allowed: limit, removed, resolved, unconfirmed


class Pipeline(Protocol):
    async def submit(self, request: OrderRequest, webhook_id: str | None) -> AccountResult: ...

    async def check_symbol(self, strategy_account_id: int, symbol: Symbol) -> Decimal | None: ...

    async def failed_orders(
        self, account_ids: Iterable[int], symbol: Symbol | None, status: str | None
    ) -> list[FailedOrderView]: ...

    async def failed_order(self, failed_order_id: int) -> FailedOrderView | None: ...

    async def retry(self, failed_order_id: int) -> RetryResult: ...

    async def remove(self, failed_order_id: int) -> None: ...

    async def positions(self, account_ids: Iterable[int]) -> list[Position]: ...

    async def orders_today(self, account_ids: Iterable[int]) -> list[OrderView]: ...

    async def fills_to_check(self, account_ids: Iterable[int]) -> list[FillToCheck]: ...

    async def pending_failed_count(self) -> int: ...
