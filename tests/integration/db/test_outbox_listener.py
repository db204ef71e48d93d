"""PostgreSQL only: a NOTIFY sent in the committing transaction wakes another process's relay
at once; a notify that never came is caught up by the relay's poll."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, text

from hantu.adapters.clock import SystemClock
from hantu.adapters.db import tables as t
from hantu.adapters.db.engine import Database
from hantu.adapters.db.outbox import SqlOutboxStore
from hantu.adapters.db.outbox_listener import APPLICATION_NAME, PgOutboxListener
from hantu.adapters.db.unit_of_work import SqlAlchemyUnitOfWorkFactory
from hantu.service_layer.outbox import OutboxRelay, Wake
from tests.fakes import FakeClock
from tests.integration.db.outbox_support import Recording, kill, spawn_writer, stop

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

POLL = 60.0  # far longer than any test here waits: only a wake can deliver in time


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


async def _running(
    db: Database, kind: str, poll: float
) -> tuple[Recording, list[asyncio.Task[None]]]:
    wake = Wake()
    consumer = Recording()
    listener = PgOutboxListener(db.url, wake, kinds={kind})
    relay = OutboxRelay(
        SqlOutboxStore(db), {kind: consumer}, SystemClock(), wake, poll_interval=poll
    )
    tasks = [asyncio.create_task(listener.run()), asyncio.create_task(relay.run())]
    await asyncio.wait_for(listener.listening.wait(), 10)
    await asyncio.sleep(0.1)  # the relay's first pass (woken by the connect) found nothing
    return consumer, tasks


async def test_notify_from_another_process_wakes_the_relay_well_before_its_poll(
    db: Database, database_url: str
) -> None:
    consumer, tasks = await _running(db, "crash", POLL)
    try:
        process = await spawn_writer(database_url, "commit", "committed")
        committed = asyncio.get_running_loop().time()
        await kill(process)
        await consumer.wait_for(3)
    finally:
        await stop(*tasks)
    latency = max(consumer.delivered_at) - committed
    assert latency < 1.0, f"delivered {latency:.3f} s after the commit"
    assert sorted(e.dedupe_key for e in consumer.entries) == ["crash-1", "crash-2", "crash-3"]


async def test_entry_committed_without_a_notify_is_caught_up_by_polling(db: Database) -> None:
    consumer, tasks = await _running(db, "notify", 0.3)
    try:
        now = datetime.now(UTC)
        async with db.begin() as connection:  # a plain insert: no NOTIFY goes out
            await connection.execute(
                insert(t.outbox).values(
                    kind="notify",
                    dedupe_key="silent",
                    payload={},
                    state="pending",
                    attempts=0,
                    created_at=now,
                    available_at=now,
                )
            )
        await consumer.wait_for(1)
    finally:
        await stop(*tasks)
    assert [e.dedupe_key for e in consumer.entries] == ["silent"]


async def test_notify_of_a_kind_not_consumed_here_does_not_wake_the_relay(db: Database) -> None:
    wake = Wake()
    listener = PgOutboxListener(db.url, wake, kinds={"notify"})
    task = asyncio.create_task(listener.run())
    try:
        await asyncio.wait_for(listener.listening.wait(), 10)
        assert await wake.wait(1)  # the wake on connect: look at once after (re)connecting
        async with SqlAlchemyUnitOfWorkFactory(db, FakeClock())() as uow:
            uow.outbox.add("monitor", "m-1", {})
            await uow.commit()
        woken_by_other = await wake.wait(0.3)
        async with SqlAlchemyUnitOfWorkFactory(db, FakeClock())() as uow:
            uow.outbox.add("notify", "n-1", {})
            await uow.commit()
        woken_by_ours = await wake.wait(2)
    finally:
        await stop(task)
    assert not woken_by_other
    assert woken_by_ours


async def test_listener_reconnects_after_losing_its_connection_and_wakes_the_relay(
    db: Database,
) -> None:
    wake = Wake()
    listener = PgOutboxListener(db.url, wake, kinds={"notify"}, reconnect_delay=0.05)
    task = asyncio.create_task(listener.run())
    try:
        await asyncio.wait_for(listener.listening.wait(), 10)
        assert await wake.wait(1)
        async with db.begin() as connection:
            terminated = (
                await connection.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE application_name = :name AND datname = current_database()"
                    ),
                    {"name": APPLICATION_NAME},
                )
            ).scalar_one()
        # Back again: it wakes the relay to look at what was committed while it was away.
        assert await wake.wait(5)
        await asyncio.wait_for(listener.listening.wait(), 5)
        async with SqlAlchemyUnitOfWorkFactory(db, FakeClock())() as uow:
            uow.outbox.add("notify", "n-1", {})
            await uow.commit()
        woken_after_reconnect = await wake.wait(2)
    finally:
        await stop(task)
    assert terminated == 1
    assert woken_after_reconnect
