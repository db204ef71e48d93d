"""Which committed events a person is told about: each becomes a durable `notify` entry.

The rules run inside the committing transaction (see `outbox.py`), so they are pure: an
event's own fields go into the payload, and the consumer resolves the rest (symbol, side,
whose it is, through strategy account → strategy → user) at delivery. What the order's
symbol and owner are never changes after it is created, so reading them later is safe.

The dedupe key names the fact (a fill id, a failed order id, an order id and its outcome),
so a unit of work retried after a conflict writes the entry once.
"""

from __future__ import annotations

from hantu.domain.events import (
    FailedOrderSaved,
    OrderFilled,
    OrderRefused,
    OrderRejected,
    OrderUnconfirmed,
)
from hantu.domain.notifications import EventKind
from hantu.service_layer.fills import FillNotApplied
from hantu.service_layer.outbox import DurableEvents, OutboxMessage

NOTIFY = "notify"  # the outbox kind the notification consumer takes


def _message(kind: EventKind, key: str, **payload: object) -> OutboxMessage:
    fields = {name: str(value) for name, value in payload.items() if value is not None}
    return OutboxMessage(NOTIFY, f"notify:{kind.value}:{key}"[:200], {"kind": kind, **fields})


def order_filled(event: OrderFilled) -> OutboxMessage:
    return _message(
        EventKind.ORDER_FILLED,
        event.fill_id,
        order_id=event.order_id,
        quantity=event.quantity,
        price=event.price,
    )


def failed_order_saved(event: FailedOrderSaved) -> OutboxMessage | None:
    key = event.failed_order_id if event.failed_order_id is not None else event.order_id
    if key is None:
        return None
    return _message(
        EventKind.FAILED_ORDER_CREATED,
        str(key),
        order_id=event.order_id,
        failed_order_id=event.failed_order_id,
        reason=event.reason,
    )


def order_refused(event: OrderRefused | OrderRejected) -> OutboxMessage:
    # A first refusal also saves a failed order, told as such: the consumer drops this one
    # then, and tells it only for a retry refused again (no new failed order is saved).
    return _message(
        EventKind.ORDER_FAILED, event.order_id, order_id=event.order_id, reason=event.reason
    )


def order_unconfirmed(event: OrderUnconfirmed) -> OutboxMessage:
    return _message(
        EventKind.ORDER_UNCONFIRMED, event.order_id, order_id=event.order_id, reason=event.reason
    )


def fill_not_applied(event: FillNotApplied) -> OutboxMessage:
    return _message(
        EventKind.FILL_NOT_APPLIED,
        event.fill_id,
        order_id=event.order_id,
        fill_id=event.fill_id,
        reason=event.detail,
    )


def register(durable: DurableEvents) -> None:
    """Make every event worth telling a person write its `notify` entry when committed."""
    durable.register(OrderFilled, order_filled)
    durable.register(FailedOrderSaved, failed_order_saved)
    durable.register(OrderRefused, order_refused)
    durable.register(OrderRejected, order_refused)
    durable.register(OrderUnconfirmed, order_unconfirmed)
    durable.register(FillNotApplied, fill_not_applied)
