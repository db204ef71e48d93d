"""A repeated idempotency key answers as its first delivery, once that one has an answer.

TradingView resends, users double-click: a repeat that arrives while the first delivery's
order is still being sent (NEW) waits here for that answer, bounded by the order deadline
(the queue budget plus the broker's timeout), so both deliveries answer alike. In this
process the first submit announces its answer through `InFlight`; a first delivery handled
by another process (PostgreSQL, several workers) is re-read until it leaves NEW.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from hantu.domain.enums import OrderStatus
from hantu.domain.order import Order
from hantu.service_layer import queries
from hantu.service_layer.deps import Deps
from hantu.service_layer.outcome import SubmitOutcome, SubmitResult, outcome_of_status
from hantu.service_layer.queries import OrderView

_REREAD_SECONDS = 0.05
_RECORD_SECONDS = 1.0  # beyond the deadline: the first delivery storing the broker's answer


async def answer_duplicate(deps: Deps, order: Order) -> SubmitResult:
    """Answer a repeated key as its first delivery did, once that one has an answer."""
    view = OrderView.of(order)
    if view.status is OrderStatus.NEW:
        view = await _after_first(deps, view, deps.in_flight.first(order.id))
    failed_id = None
    if view.status is OrderStatus.ERROR:
        failed_id = await queries.failed_order_of(deps, view.id)
    return SubmitResult(
        view,
        SubmitOutcome.DUPLICATE,
        failed_id,
        error=view.reason,
        first=outcome_of_status(view.status),
    )


async def _after_first(deps: Deps, view: OrderView, earlier: asyncio.Event | None) -> OrderView:
    budget = deps.order_timeout + deps.order_queue_timeout + _RECORD_SECONDS
    if earlier is not None:
        with contextlib.suppress(TimeoutError):
            # Real seconds, as `submit` bounds the broker's call with the same budget.
            await asyncio.wait_for(earlier.wait(), budget)
        return await queries.get_order(deps, view.id) or view
    # The first delivery is another process's (or ended without an answer, e.g. a crash):
    # re-read it until it leaves NEW or its deadline has passed.
    deadline = view.created_at + timedelta(seconds=budget)
    while deps.clock.now() < deadline:
        await deps.clock.sleep(_REREAD_SECONDS)
        current = await queries.get_order(deps, view.id)
        if current is not None and current.status is not OrderStatus.NEW:
            return current
    return view
