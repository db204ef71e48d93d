"""The bus and the outbox on both databases: only committed events are published, outbox
entries are written in the committing transaction, survive kill -9, and are delivered once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from hantu.adapters.db import tables as t
from hantu.adapters.db.engine import Database
from hantu.adapters.db.outbox import SqlOutboxStore
from hantu.adapters.db.unit_of_work import SqlAlchemyUnitOfWorkFactory
from hantu.domain.events import Event, OrderCanceled, RiskViolated
from hantu.domain.values import OrderId
from hantu.service_layer.messagebus import EventBus
from hantu.service_layer.outbox import (
    DurableEvents,
    OutboxMessage,
    OutboxRelay,
    RetryPolicy,
    Wake,
)
from tests.builders import a_risk_violation
from tests.fakes import FakeClock
from tests.integration.db.outbox_support import Recording, kill, outbox_rows, spawn_writer, stop


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


def a_cancel(order_id: str) -> OrderCanceled:
    return OrderCanceled(order_id=OrderId(order_id), occurred_at=datetime.now(UTC))


async def test_uow_publishes_committed_events_only_after_commit(db: Database) -> None:
    bus = EventBus()
    seen: list[Event] = []

    async def record(event: Event) -> None:
        seen.append(event)

    bus.subscribe(Event, record)
    uows = SqlAlchemyUnitOfWorkFactory(db, FakeClock(), bus=bus)
    committed, abandoned = a_risk_violation(), a_cancel("o-rolled-back")
    async with uows() as uow:
        uow.record(committed)
        await uow.commit()
    async with uows() as uow:
        uow.record(abandoned)  # left without commit: rolled back
    await bus.drain()

    assert seen == [committed]
    async with db.connect() as connection:
        names = list((await connection.execute(select(t.events.c.name))).scalars())
    assert names == ["RiskViolated"]


async def test_uow_whose_commit_fails_publishes_and_writes_nothing(db: Database) -> None:
    bus, durable = EventBus(), DurableEvents()
    seen: list[Event] = []

    async def record(event: Event) -> None:
        seen.append(event)

    def broken_rule(event: Event) -> OutboxMessage:
        raise ValueError("rule bug")

    bus.subscribe(Event, record)
    durable.register(RiskViolated, lambda e: OutboxMessage("notify", "risk-1", {"rule": "x"}))
    durable.register(OrderCanceled, broken_rule)
    uows = SqlAlchemyUnitOfWorkFactory(db, FakeClock(), bus=bus, durable=durable)
    async with uows() as uow:
        uow.record(a_risk_violation())
        uow.record(a_cancel("o-1"))
        with pytest.raises(ValueError, match="rule bug"):
            await uow.commit()  # fails after the events and before the outbox are written
    await bus.drain()

    assert seen == []
    assert await outbox_rows(db) == []
    async with db.connect() as connection:
        assert (await connection.execute(select(t.events.c.id))).first() is None


async def test_uow_writes_outbox_entries_with_its_commit_once_per_dedupe_key(
    db: Database,
) -> None:
    durable = DurableEvents()
    durable.register(
        RiskViolated, lambda e: OutboxMessage("notify", f"risk:{e.occurred_at}", {"rule": "x"})
    )
    uows = SqlAlchemyUnitOfWorkFactory(db, FakeClock(), durable=durable)
    violation = a_risk_violation()
    async with uows() as uow:
        uow.outbox.add("notify", "explicit-1", {"amount": Decimal("70000")})
        uow.record(violation)
        await uow.commit()
    async with uows() as uow:
        uow.outbox.add("notify", "explicit-1", {"amount": Decimal("1")})  # repeat: ignored
        uow.record(violation)  # the same event again: same dedupe key, ignored
        await uow.commit()
    async with uows() as uow:
        uow.outbox.add("notify", "abandoned", {})  # never committed

    rows = await outbox_rows(db)
    assert [(r.kind, r.dedupe_key, r.state, r.attempts) for r in rows] == [
        ("notify", "explicit-1", "pending", 0),
        ("notify", f"risk:{violation.occurred_at}", "pending", 0),
    ]
    assert rows[0].payload == {"amount": "70000"}


def _relay(
    db: Database, consumer: Recording, clock: Any, *, wake: Wake | None = None, **options: Any
) -> OutboxRelay:
    return OutboxRelay(SqlOutboxStore(db), {"notify": consumer}, clock, wake or Wake(), **options)


async def _add(db: Database, clock: Any, *keys: str, kind: str = "notify") -> None:
    async with SqlAlchemyUnitOfWorkFactory(db, clock)() as uow:
        for key in keys:
            uow.outbox.add(kind, key, {"key": key})
        await uow.commit()


async def test_relay_delivers_each_due_entry_once_and_leaves_other_kinds(db: Database) -> None:
    clock = FakeClock()
    await _add(db, clock, "a", "b")
    await _add(db, clock, "c", kind="monitor")
    consumer = Recording()
    relay = _relay(db, consumer, clock)

    assert await relay.run_once() == 2
    assert await relay.run_once() == 0
    assert [e.dedupe_key for e in consumer.entries] == ["a", "b"]
    assert [e.attempts for e in consumer.entries] == [1, 1]
    rows = {r.dedupe_key: r for r in await outbox_rows(db)}
    assert rows["a"].state == rows["b"].state == "delivered"
    assert rows["a"].delivered_at == clock.now()
    assert rows["c"].state == "pending"


async def test_relay_retries_with_backoff_keeps_the_masked_error_then_marks_dead(
    db: Database,
) -> None:
    clock = FakeClock()
    await _add(db, clock, "a")
    consumer = Recording(failures=99, error="refused appsecret=S3CRETVALUE-0123456789")
    relay = _relay(db, consumer, clock, retry=RetryPolicy(max_attempts=3, first=5, longest=60))

    assert await relay.run_once() == 1
    (row,) = await outbox_rows(db)
    assert (row.state, row.attempts, row.available_at) == ("pending", 1, clock.now() + S5)
    assert "S3CRETVALUE-0123456789" not in row.last_error
    assert "S3CRET***" in row.last_error
    clock.advance(4)
    assert await relay.run_once() == 0  # not due before its backoff ends
    clock.advance(1)
    assert await relay.run_once() == 1
    (row,) = await outbox_rows(db)
    assert row.available_at == clock.now() + 2 * S5
    clock.advance(10)
    assert await relay.run_once() == 1
    clock.advance(3600)
    assert await relay.run_once() == 0
    (row,) = await outbox_rows(db)
    assert (row.state, row.attempts, row.delivered_at) == ("dead", 3, None)
    assert consumer.entries == []
    assert await SqlOutboxStore(db).counts() == {"dead": 1}


S5 = timedelta(seconds=5)


async def test_relay_claim_is_a_lease_that_ends_by_itself(db: Database) -> None:
    clock = FakeClock()
    await _add(db, clock, "a")
    store = SqlOutboxStore(db)
    (claimed,) = await store.claim(["notify"], clock.now(), clock.now() + S5 * 12, 10)
    consumer = Recording()
    relay = _relay(db, consumer, clock)

    assert await relay.run_once() == 0  # hidden while the first claimant may deliver it
    clock.advance(60)
    assert await relay.run_once() == 1
    assert [(e.id, e.attempts) for e in consumer.entries] == [(claimed.id, 2)]
    await store.failed(claimed, "late", clock.now())  # the first claimant's lease is gone
    (row,) = await outbox_rows(db)
    assert (row.state, row.last_error) == ("delivered", None)


async def test_relays_running_concurrently_deliver_every_entry_exactly_once(
    db: Database, database_url: str
) -> None:
    clock = FakeClock()
    keys = [f"k{i}" for i in range(60)]
    await _add(db, clock, *keys)
    other = Database(database_url)
    consumer = Recording()
    relays = [_relay(db, consumer, clock, batch=5), _relay(other, consumer, clock, batch=5)]

    async def drain(relay: OutboxRelay) -> int:
        claimed = 0
        while taken := await relay.run_once():
            claimed += taken
        return claimed

    try:
        counts = await asyncio.gather(*(drain(r) for r in relays))
    finally:
        await other.dispose()

    delivered = Counter(e.dedupe_key for e in consumer.entries)
    assert delivered == Counter(keys)
    assert sum(counts) == len(keys)
    assert {r.state for r in await outbox_rows(db)} == {"delivered"}


@pytest.mark.parametrize("mode", ["commit", "claim"])
async def test_outbox_entries_survive_kill_9_and_are_delivered_once_after_restart(
    db: Database, database_url: str, mode: str
) -> None:
    # "claim": the writer died while delivering one entry; its lease has to end first.
    process = await spawn_writer(
        database_url, mode, "committed", *(["claimed"] * (mode == "claim"))
    )
    await kill(process)
    consumer = Recording()
    later = FakeClock(datetime.now(UTC) + timedelta(minutes=5))
    relay = OutboxRelay(SqlOutboxStore(db), {"crash": consumer}, later, Wake())

    while await relay.run_once():
        pass

    assert sorted(e.dedupe_key for e in consumer.entries) == ["crash-1", "crash-2", "crash-3"]
    assert {e.dedupe_key: dict(e.payload) for e in consumer.entries}["crash-1"] == {
        "key": "crash-1"
    }
    attempts = {e.dedupe_key: e.attempts for e in consumer.entries}
    assert attempts == {"crash-1": 2 if mode == "claim" else 1, "crash-2": 1, "crash-3": 1}
    assert {r.state for r in await outbox_rows(db)} == {"delivered"}


async def test_relay_woken_in_process_delivers_long_before_its_poll(db: Database) -> None:
    durable = DurableEvents()
    consumer = Recording()
    clock = FakeClock(datetime.now(UTC))
    relay = _relay(db, consumer, clock, wake=durable.new_wake(), poll_interval=30)
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.05)  # the relay found nothing and waits
        async with SqlAlchemyUnitOfWorkFactory(db, clock, durable=durable)() as uow:
            uow.outbox.add("notify", "a", {})
            await uow.commit()
        committed = asyncio.get_running_loop().time()
        await consumer.wait_for(1)
    finally:
        await stop(task)
    assert consumer.delivered_at[0] - committed < 1


async def test_relay_catches_up_a_missed_wake_by_polling(db: Database) -> None:
    consumer = Recording()
    clock = FakeClock(datetime.now(UTC))
    relay = _relay(db, consumer, clock, poll_interval=0.2)
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.05)
        # Written by a unit of work wired to another wake: nobody tells this relay.
        await _add(db, clock, "a")
        await consumer.wait_for(1)
    finally:
        await stop(task)
    assert [e.dedupe_key for e in consumer.entries] == ["a"]


async def test_relay_gives_back_what_its_lease_leaves_no_time_to_deliver(db: Database) -> None:
    clock = FakeClock()
    await _add(db, clock, "a", "b", "c")
    consumer = Recording(pause=0.3)
    # Half a 1 s lease for the batch, at least a quarter for each entry: one fits.
    relay = _relay(db, consumer, clock, lease=1.0)

    assert await relay.run_once() == 3
    assert [e.dedupe_key for e in consumer.entries] == ["a"]
    rows = {r.dedupe_key: r for r in await outbox_rows(db)}
    assert [(rows[k].state, rows[k].attempts) for k in "abc"] == [
        ("delivered", 1),
        ("pending", 0),
        ("pending", 0),
    ]
    assert await relay.run_once() == 2  # given back due at once, not after the lease
    assert [e.dedupe_key for e in consumer.entries] == ["a", "b"]


async def test_purge_removes_entries_delivered_before_a_time_and_keeps_the_rest(
    db: Database,
) -> None:
    clock = FakeClock()
    await _add(db, clock, "old", "dead")
    store = SqlOutboxStore(db)
    old, dead = await store.claim(["notify"], clock.now(), clock.now() + S5, 10)
    await store.delivered(old, clock.now())
    await store.failed(dead, "gave up", None)
    clock.advance(3600)
    await _add(db, clock, "new")
    (new,) = await store.claim(["notify"], clock.now(), clock.now() + S5, 10)
    await store.delivered(new, clock.now())

    assert await store.purge_delivered(clock.now() - S5) == 1
    assert [r.dedupe_key for r in await outbox_rows(db)] == ["dead", "new"]
