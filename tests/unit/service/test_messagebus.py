"""The in-process event bus: matching by type, handlers off the caller's path, failures counted."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest

from hantu.domain.events import Event, OrderCanceled, OrderEvent, OrderSent, RiskViolated
from hantu.domain.values import BrokerOrderId, OrderId
from hantu.service_layer.messagebus import EventBus
from tests.builders import a_risk_violation

NOW = datetime(2026, 11, 20, 0, 30, tzinfo=UTC)


def a_sent(order_id: str = "o-1") -> OrderSent:
    return OrderSent(
        order_id=OrderId(order_id), broker_order_id=BrokerOrderId("1"), occurred_at=NOW
    )


async def test_bus_handler_of_a_base_type_sees_its_subclasses_only() -> None:
    bus = EventBus()
    seen: list[Event] = []

    async def record(event: Event) -> None:
        seen.append(event)

    bus.subscribe(OrderEvent, record)
    sent, canceled = a_sent(), OrderCanceled(order_id=OrderId("o-2"), occurred_at=NOW)
    bus.publish([sent, a_risk_violation(), canceled])
    await bus.drain()

    assert seen == [sent, canceled]
    assert bus.handled == {"OrderSent": 1, "OrderCanceled": 1}


async def test_bus_publish_returns_before_a_slow_handler_finishes() -> None:
    bus = EventBus()
    release = asyncio.Event()
    done: list[str] = []

    async def slow(event: Event) -> None:
        await release.wait()
        done.append(event.name)

    bus.subscribe(OrderSent, slow)
    bus.publish([a_sent()])

    assert bus.pending == 1
    assert done == []
    release.set()
    await bus.drain()
    assert done == ["OrderSent"]
    assert bus.pending == 0


async def test_bus_failing_handler_is_counted_logged_and_spares_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus()
    seen: list[str] = []

    async def broken(event: Event) -> None:
        raise RuntimeError("handler bug")

    async def record(event: Event) -> None:
        seen.append(event.name)

    bus.subscribe(OrderSent, broken)
    bus.subscribe(Event, record)
    with caplog.at_level(logging.ERROR, logger="hantu.service_layer.messagebus"):
        bus.publish([a_sent(), a_sent("o-2")])
        await bus.drain()

    assert seen == ["OrderSent", "OrderSent"]
    assert bus.failures == {"OrderSent": 2}
    assert bus.handled == {"OrderSent": 2}
    assert any("OrderSent" in r.getMessage() and r.exc_info for r in caplog.records)


async def test_bus_drain_waits_for_events_published_by_handlers() -> None:
    bus = EventBus()
    seen: list[str] = []

    async def cascade(event: Event) -> None:
        bus.publish([a_risk_violation()])

    async def record(event: Event) -> None:
        await asyncio.sleep(0)
        seen.append(event.name)

    bus.subscribe(OrderSent, cascade)
    bus.subscribe(RiskViolated, record)
    bus.publish([a_sent()])
    await bus.drain()

    assert seen == ["RiskViolated"]


async def test_bus_drain_with_grace_cancels_handlers_that_outlive_it() -> None:
    bus = EventBus()
    finished: list[str] = []

    async def hangs(event: Event) -> None:
        await asyncio.Event().wait()
        finished.append(event.name)

    bus.subscribe(OrderSent, hangs)
    bus.publish([a_sent()])
    await asyncio.wait_for(bus.drain(grace=0.05), 5)

    assert bus.pending == 0
    assert finished == []
