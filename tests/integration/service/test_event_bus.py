"""The bus wired by the bootstrap: a use case's committed events reach handlers after it
returned, a failing handler changes nothing, and durable events land in the outbox."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from hantu.adapters.db import tables as t
from hantu.bootstrap import App
from hantu.domain.enums import OrderStatus
from hantu.domain.events import Event, OrderEvent, OrderSent
from hantu.service_layer import queries
from hantu.service_layer.orders import SubmitOutcome, submit
from hantu.service_layer.outbox import OutboxEntry, OutboxMessage
from tests.builders import an_order_request
from tests.integration.db.outbox_support import stop
from tests.integration.service.support import event_names


async def test_submit_with_a_failing_handler_keeps_its_result_and_its_commit(app: App) -> None:
    seen: list[Event] = []

    async def record(event: Event) -> None:
        seen.append(event)

    async def broken(event: Event) -> None:
        raise RuntimeError("handler bug")

    app.bus.subscribe(OrderEvent, broken)
    app.bus.subscribe(OrderEvent, record)
    result = await submit(app.deps, an_order_request())
    await app.bus.drain()

    assert result.outcome is SubmitOutcome.ACCEPTED
    stored = await queries.get_order(app.deps, result.order.id)
    assert stored is not None
    assert stored.status is OrderStatus.SENT
    assert [e.name for e in seen] == await event_names(app, result.order.id)
    assert [e.name for e in seen] == ["OrderCreated", "OrderSent"]
    assert app.bus.failures == {"OrderCreated": 1, "OrderSent": 1}


async def test_submit_does_not_wait_for_a_slow_handler(app: App) -> None:
    release = asyncio.Event()
    done: list[str] = []

    async def slow(event: Event) -> None:
        await release.wait()
        done.append(event.name)

    app.bus.subscribe(OrderSent, slow)
    result = await asyncio.wait_for(submit(app.deps, an_order_request()), 5)

    assert result.outcome is SubmitOutcome.ACCEPTED
    assert app.bus.pending >= 1  # the slow one at least (PostgreSQL's live channel too)
    assert done == []  # answered while the handler still waits
    release.set()
    await app.bus.drain()
    assert done == ["OrderSent"]
    assert app.bus.failures == {}


async def test_durable_event_is_written_to_the_outbox_in_the_use_case_commit(app: App) -> None:
    app.durable.register(
        OrderSent,
        lambda e: OutboxMessage("example", f"sent:{e.order_id}", {"broker": e.broker_order_id}),
    )
    result = await submit(app.deps, an_order_request())

    async with app.db.connect() as connection:
        rows = (await connection.execute(select(t.outbox.c.kind, t.outbox.c.dedupe_key))).all()
    assert [tuple(r) for r in rows] == [("example", f"sent:{result.order.id}")]


class Recording:
    def __init__(self) -> None:
        self.entries: list[OutboxEntry] = []
        self.arrived = asyncio.Event()

    async def deliver(self, entry: OutboxEntry) -> None:
        self.entries.append(entry)
        self.arrived.set()


async def test_app_outbox_relay_delivers_a_use_case_notification_right_after_commit(
    app: App,
) -> None:
    app.durable.register(
        OrderSent, lambda e: OutboxMessage("example", f"sent:{e.order_id}", {"order": e.order_id})
    )
    consumer = Recording()
    relay = app.outbox_relay({"example": consumer}, poll_interval=POLL)
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.2)  # the first pass found nothing: only a wake delivers in time
        result = await submit(app.deps, an_order_request())
        await asyncio.wait_for(consumer.arrived.wait(), 2)
    finally:
        await stop(task)
    assert [dict(e.payload) for e in consumer.entries] == [{"order": result.order.id}]


POLL = 60.0


async def test_two_relays_of_one_app_are_each_woken_by_a_commit(app: App) -> None:
    notify, monitor = Recording(), Recording()
    app.durable.register(OrderSent, lambda e: OutboxMessage("example", f"n:{e.order_id}", {}))
    app.durable.register(OrderSent, lambda e: OutboxMessage("monitor", f"m:{e.order_id}", {}))
    relays = [
        app.outbox_relay({"example": notify}, poll_interval=POLL),
        app.outbox_relay({"monitor": monitor}, poll_interval=POLL),
    ]
    tasks = [asyncio.create_task(relay.run()) for relay in relays]
    try:
        await asyncio.sleep(0.2)
        await submit(app.deps, an_order_request())
        await asyncio.wait_for(notify.arrived.wait(), 2)
        await asyncio.wait_for(monitor.arrived.wait(), 2)
    finally:
        await stop(*tasks)
    assert [e.kind for e in notify.entries + monitor.entries] == ["example", "monitor"]
