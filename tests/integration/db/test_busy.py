"""Another process holding SQLite's write lock: our writers wait without stalling the loop,
and give up with a clear error when it is held too long."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from hantu.adapters.db.engine import Database, is_busy, upgrade
from hantu.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from tests.builders import an_order
from tests.fakes import FakeClock


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'hantu.db'}", busy_timeout_ms=1_500)
    await upgrade(database)
    yield database
    await database.dispose()


@contextmanager
def write_lock_held_elsewhere(db: Database) -> Iterator[sqlite3.Connection]:
    """A connection of its own (as another process would have) holding the write lock."""
    assert db.url.database is not None
    other = sqlite3.connect(db.url.database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()


async def store_an_order(db: Database, key: str) -> None:
    async with SqlAlchemyUnitOfWork(db, FakeClock()) as uow:
        await uow.orders.add(an_order(idempotency_key=key))
        await uow.commit()


async def test_a_writer_waits_for_another_process_without_stalling_the_loop(
    db: Database,
) -> None:
    loop = asyncio.get_running_loop()
    gaps: list[float] = []

    async def ticker() -> None:
        last = loop.time()
        while True:
            await asyncio.sleep(0.005)
            gaps.append(loop.time() - last)
            last = loop.time()

    ticking = asyncio.create_task(ticker())
    with write_lock_held_elsewhere(db) as other:
        loop.call_later(0.6, other.execute, "COMMIT")
        started = loop.time()
        await store_an_order(db, "waited")
        waited = loop.time() - started
    ticking.cancel()

    assert waited >= 0.5  # it really did wait for the other writer
    assert max(gaps) < 0.2  # while the loop went on (SQLite's own wait would block ~0.6 s)
    async with SqlAlchemyUnitOfWork(db, FakeClock(), read_only=True) as uow:
        assert await uow.orders.get_by_idempotency_key("waited") is not None


async def test_a_lock_held_past_the_budget_fails_and_writes_nothing(db: Database) -> None:
    with (
        write_lock_held_elsewhere(db),
        pytest.raises((sqlite3.OperationalError, OperationalError)) as caught,
    ):
        await store_an_order(db, "never")

    assert is_busy(caught.value)
    async with SqlAlchemyUnitOfWork(db, FakeClock(), read_only=True) as uow:
        assert await uow.orders.get_by_idempotency_key("never") is None
