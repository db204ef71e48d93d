"""The fill wait of spec 002 §4-1: an exit sell must fill within a minute, or a person hears.

Each exit order placed is awaited here. Its fill notices count its filled quantity; once the
order is whole it is forgotten. When the wait (`fill_wait_seconds`, 60 by default) runs out
first, the broker is asked (the reconciliation's sync of open orders, KIS inquire-daily-ccld,
which also lands any fill whose notice was lost). Still not whole, it is a warning to the
owner, and the configured policy decides the rest: `reorder` cancels what rests and sells
the remainder again at the last price seen, under the trigger's key plus the attempt
(`exit:…:stop_loss:7:r1`), so the same re-order is never placed twice; `keep` leaves it
resting. A partial fill and a limit resting unfilled take this same path; re-orders stop
after `reorder_max` attempts (the warning then says nothing more is sold automatically).
A restarted monitor takes up the waits of the exit orders still live at the broker, from
the stored orders (their key, source and age), so none is left unwatched by a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from hantu import messages_ko as ko
from hantu.domain.enums import LIVE_STATUSES, OrderStatus, OrderType, Side
from hantu.domain.exits import EXIT_SOURCE_PREFIX, ExitTrigger, Trigger
from hantu.domain.order import Order, OrderRequest
from hantu.domain.values import Price, Quantity, StrategyAccountId, Symbol
from hantu.service_layer import order_cancel, orders, queries, reconciliation
from hantu.service_layer.deps import Deps
from hantu.service_layer.monitor_ports import (
    ExitWarnings,
    MonitorOptions,
    PartialPolicy,
    WatchedPosition,
)
from hantu.service_layer.queries import OrderView

Pace = Callable[[float], Awaitable[None]]
PriceOf = Callable[[WatchedPosition, Decimal], Price | None]  # exit price for a last price
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PendingExit:
    order_id: str
    position: WatchedPosition
    trigger: Trigger
    attempt: int
    deadline: datetime
    source: str


def reorder_key(trigger: Trigger, attempt: int) -> str:
    """The idempotency key of re-order `attempt` (the first order has the trigger's own)."""
    return trigger.idempotency_key if attempt == 0 else f"{trigger.idempotency_key}:r{attempt}"


def attempt_of(idempotency_key: str) -> tuple[str, int]:
    """The trigger's key and the attempt an exit order's key names (`…:r2` → 2)."""
    base, _, tail = idempotency_key.rpartition(":r")
    if base and tail.isdigit():
        return base, int(tail)
    return idempotency_key, 0


class ExitFillWait:
    """Exit orders awaiting their fill; overdue ones are checked, warned and re-ordered."""

    def __init__(
        self,
        deps: Deps,
        options: MonitorOptions,
        warnings: ExitWarnings | None,
        last_price: Callable[[Symbol], Decimal | None],
        price_of: PriceOf,
        *,
        pace: Pace = asyncio.sleep,
    ) -> None:
        self._deps = deps
        self._options = options
        self._warnings = warnings
        self._last_price = last_price
        self._price_of = price_of
        self._pace = pace
        self._pending: dict[str, PendingExit] = {}
        self._lock = asyncio.Lock()

    def pending(self) -> list[PendingExit]:
        return list(self._pending.values())

    def take(self, order_id: str) -> PendingExit | None:
        """Stop waiting for `order_id` and return its wait (None: not awaited)."""
        return self._pending.pop(order_id, None)

    def expect(
        self,
        order_id: str,
        position: WatchedPosition,
        trigger: Trigger,
        source: str,
        attempt: int = 0,
    ) -> None:
        """Start the wait of an exit order just placed; one already awaited (a repeated
        crossing found it placed) keeps its deadline."""
        if order_id in self._pending:
            return
        wait = timedelta(seconds=self._options.fill_wait_seconds)
        deadline = self._deps.clock.now() + wait
        self._pending[order_id] = PendingExit(
            order_id, position, trigger, attempt, deadline, source
        )
        log.info("awaiting the fill of exit order %s (%s)", order_id, position.symbol)

    async def resume(
        self, positions: Mapping[tuple[StrategyAccountId, Symbol], WatchedPosition]
    ) -> int:
        """Await again the exit orders still live (after a restart); returns how many."""
        async with self._deps.uow(read_only=True) as uow:
            live = await uow.orders.with_status(*LIVE_STATUSES)
        resumed = 0
        for order in live:
            position = positions.get((order.strategy_account_id, order.symbol))
            pending = None if position is None else self._pending_of(order, position)
            if pending is not None and pending.order_id not in self._pending:
                self._pending[pending.order_id] = pending
                resumed += 1
        return resumed

    def _pending_of(self, order: Order, position: WatchedPosition) -> PendingExit | None:
        if order.side is not Side.SELL or not order.source.startswith(EXIT_SOURCE_PREFIX):
            return None
        try:
            kind = ExitTrigger(order.source.removeprefix(EXIT_SOURCE_PREFIX))
        except ValueError:
            return None
        key, attempt = attempt_of(order.idempotency_key)
        price = order.price or position.average_price
        trigger = Trigger(kind, price, price, order.created_at, key)
        deadline = order.created_at + timedelta(seconds=self._options.fill_wait_seconds)
        return PendingExit(str(order.id), position, trigger, attempt, deadline, order.source)

    def on_fill(self, order_id: str, whole: bool) -> None:
        """A fill of an exit order arrived; a whole order needs no more waiting."""
        if whole and self._pending.pop(order_id, None) is not None:
            log.info("exit order %s filled", order_id)

    async def check_due(self) -> list[str]:
        """Settle every exit whose wait has run out; returns their order ids."""
        async with self._lock:
            now = self._deps.clock.now()
            due = [p for p in self._pending.values() if p.deadline <= now]
            if not due:
                return []
            try:
                await reconciliation.sync_order_status(self._deps)  # the broker wins
            except Exception:
                log.exception("could not ask the broker about overdue exit orders")
            for pending in due:
                try:
                    await self._settle(pending)
                except Exception:
                    log.exception("could not settle exit order %s", pending.order_id)
            return [p.order_id for p in due]

    async def run(self) -> None:
        """Check the waits about once a second (the deadlines follow the injected clock)."""
        while True:
            await self.check_due()
            await self._pace(min(1.0, max(self._options.fill_wait_seconds / 4, 0.01)))

    async def _settle(self, pending: PendingExit) -> None:
        order = await queries.get_order(self._deps, pending.order_id)
        if order is None or order.status is OrderStatus.FILLED:
            self._pending.pop(pending.order_id, None)
            return
        if order.status.is_unsettled:
            # Sent with no answer yet: the reconciliation settles it; wait another round.
            wait = timedelta(seconds=self._options.fill_wait_seconds)
            self._pending[pending.order_id] = replace(pending, deadline=pending.deadline + wait)
            return
        self._pending.pop(pending.order_id, None)
        remaining = Decimal(order.quantity) - Decimal(order.filled_quantity)
        if remaining <= 0:
            return
        log.warning(
            "exit order %s of %s: %s of %s unfilled after %.0f s",
            order.id,
            pending.position.symbol,
            remaining,
            order.quantity,
            self._options.fill_wait_seconds,
        )
        reorder = (
            self._options.partial_policy is PartialPolicy.REORDER
            and order.status.is_live
            and pending.attempt < self._options.reorder_max
        )
        price = None
        if reorder:
            try:
                price = await self._reorder(pending, order, Quantity(remaining))
            except Exception:  # e.g. it filled meanwhile, so the cancel was refused
                log.exception("could not re-order the rest of exit order %s", order.id)
                reorder = False
        await self._warn(pending, order, remaining, price, reorder)

    async def _reorder(
        self, pending: PendingExit, order: OrderView, remaining: Quantity
    ) -> Price | None:
        await order_cancel.cancel(self._deps, order.id)  # the rest first: never two sells resting
        last = self._last_price(pending.position.symbol) or pending.trigger.price
        price = self._price_of(pending.position, last)
        attempt = pending.attempt + 1
        request = OrderRequest(
            idempotency_key=reorder_key(pending.trigger, attempt),
            strategy_account_id=pending.position.strategy_account_id,
            symbol=pending.position.symbol,
            side=Side.SELL,
            order_type=OrderType.MARKET if price is None else OrderType.LIMIT,
            quantity=remaining,
            price=price,
            source=pending.source,
        )
        result = await orders.submit(self._deps, request)
        log.warning(
            "exit of %s re-ordered: %s at %s (attempt %s, order %s)",
            pending.position.symbol,
            remaining,
            price or "market",
            attempt,
            result.order.id,
        )
        if result.order.status.is_open or result.order.status is OrderStatus.NEW:
            placed = str(result.order.id)
            self.expect(placed, pending.position, pending.trigger, pending.source, attempt)
        return price

    async def _warn(
        self,
        pending: PendingExit,
        order: OrderView,
        remaining: Decimal,
        price: Price | None,
        reordered: bool,
    ) -> None:
        if self._warnings is None:
            return
        title, body = ko.monitor.exit_unfilled(
            pending.position.symbol.code,
            pending.trigger.kind.value,
            Decimal(order.quantity),
            remaining,
            self._options.fill_wait_seconds,
            price,
            reordered,
        )
        try:
            await self._warnings.exit_unfilled(order.id, title, body)
        except Exception:
            log.exception("could not warn about exit order %s", order.id)
