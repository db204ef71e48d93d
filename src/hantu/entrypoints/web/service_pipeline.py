"""The web layer's `Pipeline`, over the service layer's use cases and queries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from hantu.domain.enums import FailedOrderStatus
from hantu.domain.order import OrderRequest
from hantu.domain.position import Position
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.service_layer import failed_orders, orders, queries
from hantu.service_layer.deps import Deps
from hantu.service_layer.failed_order_stats import FailedOrderStats, failed_order_stats
from hantu.service_layer.outcome import SubmitResult
from hantu.service_layer.ports import FailedOrderFilter
from hantu.service_layer.queries import FailedOrderView, FillToCheck, OrderView
from hantu.service_layer.symbols import SymbolBook
from hantu.service_layer.webhooks import AccountResult


class ServicePipeline:
    """Adapts service-layer results to what the routers need."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._symbols = SymbolBook(deps)

    async def check_symbol(self, strategy_account_id: int, symbol: Symbol) -> Decimal | None:
        """Raise `UnknownSymbol` for an unlisted symbol; else its own tick, if not the table's."""
        return await self._symbols.check(StrategyAccountId(strategy_account_id), symbol)

    async def submit(self, request: OrderRequest, webhook_id: str | None) -> AccountResult:
        """Submit one account's order; a failed order remembers the delivery's `webhook_id`."""
        result = await orders.submit(self._deps, request, webhook_id=webhook_id)
        return AccountResult.of(request, result)

    async def failed_orders(
        self, account_ids: Iterable[int], symbol: Symbol | None, status: str | None
    ) -> list[FailedOrderView]:
        query = FailedOrderFilter(
            strategy_account_ids=frozenset(StrategyAccountId(a) for a in account_ids),
            symbol=symbol,
            status=FailedOrderStatus(status) if status else None,
        )
        return await queries.list_failed_orders(self._deps, query)

    async def failed_order(self, failed_order_id: int) -> FailedOrderView | None:
        return await queries.get_failed_order(self._deps, failed_order_id)

    async def failed_orders_matching(self, query: FailedOrderFilter) -> list[FailedOrderView]:
        return await queries.list_failed_orders(self._deps, query)

    async def failed_order_stats(self, query: FailedOrderFilter) -> FailedOrderStats:
        return await failed_order_stats(self._deps, query)

    async def retry(self, failed_order_id: int) -> SubmitResult:
        return await failed_orders.retry(self._deps, failed_order_id)

    async def remove(self, failed_order_id: int) -> None:
        await failed_orders.remove(self._deps, failed_order_id)

    async def positions(self, account_ids: Iterable[int]) -> list[Position]:
        return await queries.open_positions(self._deps, account_ids)

    async def fills_to_check(self, account_ids: Iterable[int]) -> list[FillToCheck]:
        return await queries.fills_to_check(self._deps, account_ids)

    async def orders_since(self, account_ids: Iterable[int], since: datetime) -> list[OrderView]:
        return await queries.orders_since(self._deps, account_ids, since)

    async def orders_today(self, account_ids: Iterable[int]) -> list[OrderView]:
        return await self.orders_since(account_ids, self._deps.trading_day_start())

    async def pending_failed_count(self) -> int:
        return await queries.count_pending_failed(self._deps)
