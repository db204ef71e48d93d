"""An exit the exchange refuses after accepting it is placed again at once.

KIS accepts an order at the gateway and may refuse it at the exchange afterwards: only the
notice (RFUS_YN=1) and the day's order list tell. The reconciliation's sync records the
broker's refusal (`BrokerStateDiffered` to ERROR, a refused order's status). An exit still
awaiting its fill is then taken from the fill wait, which would otherwise only warn
"체결 미확인" a minute later, and handed to `ExitRetry`, which sells what is still held
under the refused order's key plus `:x<n>`.
"""

from __future__ import annotations

import asyncio
import logging

from hantu.domain.enums import OrderStatus
from hantu.domain.events import BrokerStateDiffered
from hantu.service_layer import queries
from hantu.service_layer.deps import Deps
from hantu.service_layer.exit_fill_wait import ExitFillWait, PendingExit
from hantu.service_layer.exit_retry import ExitRetry

log = logging.getLogger(__name__)


class LateRefusals:
    """Bus handler for exits refused after they were accepted."""

    def __init__(self, deps: Deps, fill_wait: ExitFillWait, retry: ExitRetry) -> None:
        self._deps = deps
        self._fill_wait = fill_wait
        self._retry = retry
        self._tasks: set[asyncio.Task[None]] = set()

    async def on_state_differed(self, event: BrokerStateDiffered) -> None:
        if event.theirs is not OrderStatus.ERROR:
            return
        pending = self._fill_wait.take(str(event.order_id))
        if pending is None:
            return  # not an exit awaiting its fill
        # The retry waits (a backoff, a halt): never hold the bus for it.
        task = asyncio.create_task(self._again(pending), name=f"exit again {pending.order_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _again(self, pending: PendingExit) -> None:
        try:
            order = await queries.get_order(self._deps, pending.order_id)
            if order is None or order.filled_quantity >= order.quantity:
                return
            position, trigger, source = pending.position, pending.trigger, pending.source
            result = await self._retry.refused_later(order, position, trigger, source)
        except Exception:
            log.exception("could not place again exit order %s", pending.order_id)
            return
        if result is None:
            return
        if result.order.status.is_open or result.order.status is OrderStatus.NEW:
            self._fill_wait.expect(str(result.order.id), position, trigger, source)

    async def drain(self) -> None:
        """Wait for re-placements under way (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
