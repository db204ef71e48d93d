"""An exit's fill is told once, as the monitor's stop-loss / take-profit notice: the generic
order-filled notice of an order the monitor placed composes into nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hantu.domain.notifications import EventKind
from hantu.service_layer.notify_delivery import NotifyContext, compose


class OneOrder:
    """The part of the notify store `compose` reads: one order's context."""

    def __init__(self, source: str) -> None:
        self.source = source

    async def order_context(self, order_id: str) -> NotifyContext | None:
        return NotifyContext(1, "005930", "SELL", Decimal(10), None, self.source)


def _filled() -> dict[str, Any]:
    return {
        "kind": EventKind.ORDER_FILLED.value,
        "order_id": "o1",
        "quantity": "10",
        "price": "67800",
    }


async def test_compose_drops_the_generic_fill_notice_of_an_exit_order() -> None:
    exit_notice = await compose(OneOrder("monitor:stop_loss"), _filled(), "k")  # type: ignore[arg-type]
    webhook_notice = await compose(OneOrder("webhook"), _filled(), "k")  # type: ignore[arg-type]

    assert exit_notice is None
    assert webhook_notice is not None
    assert webhook_notice.kind is EventKind.ORDER_FILLED
