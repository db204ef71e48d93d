"""The web layer's view of the order pipeline: one narrow protocol, so routers never reach
into the service layer's internals and tests can see exactly what the web layer uses."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from hantu.domain.order import OrderRequest
from hantu.domain.position import Position
from hantu.domain.values import Symbol
from hantu.service_layer.failed_order_stats import FailedOrderStats
from hantu.service_layer.outcome import SubmitResult
from hantu.service_layer.ports import FailedOrderFilter
from hantu.service_layer.queries import FailedOrderView, FillToCheck, OrderView
from hantu.service_layer.webhooks import AccountResult


class Pipeline(Protocol):
    async def submit(self, request: OrderRequest, webhook_id: str | None) -> AccountResult: ...

    async def check_symbol(self, strategy_account_id: int, symbol: Symbol) -> Decimal | None: ...

    async def failed_orders(
        self, account_ids: Iterable[int], symbol: Symbol | None, status: str | None
    ) -> list[FailedOrderView]: ...

    async def failed_order(self, failed_order_id: int) -> FailedOrderView | None: ...

    async def failed_orders_matching(self, query: FailedOrderFilter) -> list[FailedOrderView]: ...

    async def failed_order_stats(self, query: FailedOrderFilter) -> FailedOrderStats: ...

    async def retry(self, failed_order_id: int) -> SubmitResult:
        """Raise `RetryNotAllowed` when the failed order may not be sent again."""

    async def remove(self, failed_order_id: int) -> None: ...

    async def positions(self, account_ids: Iterable[int]) -> list[Position]: ...

    async def orders_today(self, account_ids: Iterable[int]) -> list[OrderView]: ...

    async def fills_to_check(self, account_ids: Iterable[int]) -> list[FillToCheck]: ...

    async def pending_failed_count(self) -> int: ...
