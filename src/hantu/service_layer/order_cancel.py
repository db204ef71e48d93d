"""Canceling an order live at the broker; the broker's answer first, then our books."""

from __future__ import annotations

import asyncio

from hantu.domain.errors import NotFound
from hantu.domain.events import OrderCanceled
from hantu.domain.values import OrderId
from hantu.service_layer.deps import Deps
from hantu.service_layer.errors import OrderNotCancelable
from hantu.service_layer.queries import OrderView


async def cancel(deps: Deps, order_id: str) -> OrderView:
    """Cancel an order live at the broker (SENT or PARTIAL); anything else is refused."""
    async with deps.uow(read_only=True) as uow:
        order = await uow.orders.get(OrderId(order_id))
    if order is None:
        raise NotFound(f"order {order_id} does not exist")
    if not order.status.is_live or not order.broker_order_id:
        raise OrderNotCancelable(
            f"order {order_id} is {order.status.value}; only SENT or PARTIAL orders can be canceled"
        )
    broker = await deps.brokers.broker_for(order.strategy_account_id)
    await asyncio.wait_for(
        broker.cancel_order(order.broker_order_id, order.symbol),
        deps.order_timeout + deps.order_queue_timeout,  # as for an order: its turn, then KIS
    )
    now = deps.clock.now()
    async with deps.uow() as uow:
        current = await uow.orders.get(order.id, for_update=True)
        if current is None:
            raise NotFound(f"order {order_id} does not exist")
        if current.status.is_live:
            current.apply(OrderCanceled(order_id=current.id, reason="canceled", occurred_at=now))
            await uow.commit()
        return OrderView.of(current)
