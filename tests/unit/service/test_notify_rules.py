"""Which committed events become `notify` outbox entries, and under which dedupe key."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hantu.domain.events import FailedOrderSaved, OrderFilled, OrderRefused, OrderSent
from hantu.domain.values import BrokerOrderId, FillId, OrderId
from hantu.service_layer import notify_rules
from hantu.service_layer.fills import FillNotApplied
from hantu.service_layer.outbox import DurableEvents

AT = datetime(2026, 11, 20, tzinfo=UTC)


def _durable() -> DurableEvents:
    durable = DurableEvents()
    notify_rules.register(durable)
    return durable


def test_a_fill_becomes_one_notify_entry_keyed_by_its_fill_id() -> None:
    fill = OrderFilled(
        order_id=OrderId("o1"),
        fill_id=FillId("F-1"),
        quantity=Decimal(3),
        price=Decimal("70700"),
        occurred_at=AT,
    )

    [message] = _durable().messages_for([fill, fill])[:1]
    again = _durable().messages_for([fill])

    assert message.kind == notify_rules.NOTIFY
    assert message.dedupe_key == "notify:order_filled:F-1"
    assert message.payload == {
        "kind": "order_filled",
        "order_id": "o1",
        "quantity": "3",
        "price": "70700",
    }
    assert [m.dedupe_key for m in again] == [message.dedupe_key]


def test_a_refusal_that_saved_a_failed_order_writes_both_and_events_without_interest_none() -> None:
    refused = OrderRefused(order_id=OrderId("o2"), reason="rejected", occurred_at=AT)
    saved = FailedOrderSaved(failed_order_id=7, order_id=OrderId("o2"), reason="r", occurred_at=AT)
    sent = OrderSent(order_id=OrderId("o2"), broker_order_id=BrokerOrderId("1"), occurred_at=AT)

    keys = [m.dedupe_key for m in _durable().messages_for([refused, saved, sent])]

    assert keys == ["notify:order_failed:o2", "notify:failed_order_created:7"]


def test_a_failed_order_with_no_id_at_all_writes_nothing() -> None:
    saved = FailedOrderSaved(failed_order_id=None, order_id=None, reason="r", occurred_at=AT)

    assert _durable().messages_for([saved]) == []


def test_a_fill_not_applied_is_told_with_its_reason() -> None:
    event = FillNotApplied(
        order_id=OrderId("o3"), fill_id=FillId("F-9"), detail="over-fill", occurred_at=AT
    )

    [message] = _durable().messages_for([event])

    assert message.payload["kind"] == "fill_not_applied"
    assert message.payload["reason"] == "over-fill"
