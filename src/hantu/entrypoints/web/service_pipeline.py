"""The web layer's `Pipeline`, over the service layer's use cases and queries."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from hantu.domain.enums import FailedOrderStatus, OrderStatus
from hantu.domain.errors import RetryNotAllowed
from hantu.domain.order import OrderRequest
from hantu.domain.position import Position
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.entrypoints.web.pipeline import RetryOutcome, RetryResult
from hantu.service_layer import failed_orders, orders, queries
from hantu.service_layer.deps import Deps
from hantu.service_layer.orders import SubmitOutcome, SubmitResult
from hantu.service_layer.ports import FailedOrderFilter
from hantu.service_layer.queries import FailedOrderView, FillToCheck, OrderView
from hantu.service_layer.symbols import SymbolBook
from hantu.service_layer.webhooks import AccountResult, Outcome

_ACCEPTED = {OrderStatus.SENT, OrderStatus.PARTIAL, OrderStatus.FILLED, OrderStatus.CANCELED}
_POLL_SECONDS = 0.02


def outcome_of(result: SubmitResult) -> Outcome:
    """Map a submit result (a duplicate answers as its order's state) to a webhook outcome."""
    status = result.order.status
    if status in _ACCEPTED:
        return Outcome.ACCEPTED
    if status.is_unsettled:
        return Outcome.UNCONFIRMED
    if status is OrderStatus.REJECTED:
        return Outcome.REJECTED
    return Outcome.REFUSED


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
        view = result.order
        if view.status is OrderStatus.NEW:
            view = await self._await_first(view)
        if view is not result.order:
            result = SubmitResult(view, result.outcome, result.failed_order_id, result.error)
        failed_id = result.failed_order_id
        if failed_id is None and view.status is OrderStatus.ERROR:
            failed_id = await queries.failed_order_of(self._deps, view.id)  # a repeat
        return AccountResult(
            strategy_account_id=int(request.strategy_account_id),
            outcome=outcome_of(result),
            order_id=result.order.id,
            broker_order_id=result.order.broker_order_id,
            error=result.error or result.order.reason,
            failed_order_id=failed_id,
            duplicate=result.outcome is SubmitOutcome.DUPLICATE,
            broker_seconds=result.broker_seconds,
        )

    async def _await_first(self, view: OrderView) -> OrderView:
        """A duplicate that arrived while the first delivery is still at the broker waits
        for that answer (at most the order timeout), so both deliveries answer alike."""
        longest = self._deps.order_timeout + self._deps.order_queue_timeout
        polls = int((longest + 1.0) / _POLL_SECONDS)
        for _ in range(polls):
            await asyncio.sleep(_POLL_SECONDS)
            current = await queries.get_order(self._deps, view.id)
            if current is not None and current.status is not OrderStatus.NEW:
                return current
        return view

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

    async def retry(self, failed_order_id: int) -> RetryResult:
        try:
            result = await failed_orders.retry(self._deps, failed_order_id)
        except RetryNotAllowed as exc:
            return RetryResult(RetryOutcome.NOT_ALLOWED, code=exc.code)
        outcome = outcome_of(result)
        mapped = {
            Outcome.ACCEPTED: RetryOutcome.ACCEPTED,
            Outcome.UNCONFIRMED: RetryOutcome.UNCONFIRMED,
        }.get(outcome, RetryOutcome.REFUSED)
        return RetryResult(
            mapped,
            order_id=result.order.id,
            broker_order_id=result.order.broker_order_id,
            error=result.error or result.order.reason,
        )

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
