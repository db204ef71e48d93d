"""Repositories and the unit of work on both databases: exact round trips, versions, events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from hantu.adapters.db import tables as t
from hantu.adapters.db.engine import LOOP_BUSY_TIMEOUT_MS, SQLITE_BUSY_TIMEOUT_MS, Database
from hantu.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from hantu.domain.enums import Side
from hantu.domain.events import OrderSent
from hantu.domain.values import (
    BrokerOrderId,
    FillId,
    OrderId,
    Price,
    Quantity,
    StrategyAccountId,
    Symbol,
)
from hantu.service_layer.ports import ConcurrentUpdate, FailedOrderFilter, FillRecord
from tests.builders import T0, a_failed_order, a_fill, a_position, an_order
from tests.fakes import FakeClock


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


def uow(db: Database, *, read_only: bool = False) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(db, FakeClock(), read_only=read_only)


async def test_order_round_trip_keeps_decimals_times_and_fills(db: Database) -> None:
    seoul = timezone(timedelta(hours=9))
    order = an_order(price=Price("70000.5"), at=datetime(2026, 11, 20, 9, 30, 1, 5, tzinfo=seoul))
    async with uow(db) as w:
        await w.orders.add(order)
        order.apply(
            OrderSent(order_id=order.id, broker_order_id=BrokerOrderId("1"), occurred_at=T0)
        )
        order.apply(a_fill(order, 3, 70_001))
        await w.commit()

    async with uow(db, read_only=True) as r:
        loaded = await r.orders.get(order.id)

    assert loaded is not None
    assert loaded.price == Decimal("70000.5")
    assert loaded.created_at == datetime(2026, 11, 20, 0, 30, 1, 5, tzinfo=UTC)
    assert loaded.created_at.tzinfo is UTC
    assert loaded.status == order.status
    assert loaded.filled_quantity == Quantity(3)
    assert loaded.version == 1


async def test_stale_order_write_raises_concurrent_update(db: Database) -> None:
    order = an_order()
    async with uow(db) as w:
        await w.orders.add(order)
        await w.commit()
    async with uow(db, read_only=True) as r:
        stale = await r.orders.get(order.id)
    assert stale is not None
    async with uow(db) as w:
        fresh = await w.orders.get(order.id)
        assert fresh is not None
        fresh.apply(
            OrderSent(order_id=fresh.id, broker_order_id=BrokerOrderId("1"), occurred_at=T0)
        )
        await w.commit()

    async with uow(db) as w:
        w.orders.attach(stale)  # re-attach the stale copy as if just read
        stale.apply(
            OrderSent(order_id=stale.id, broker_order_id=BrokerOrderId("2"), occurred_at=T0)
        )
        with pytest.raises(ConcurrentUpdate):
            await w.commit()


async def test_unit_of_work_without_commit_rolls_back(db: Database) -> None:
    async with uow(db) as w:
        await w.orders.add(an_order())

    async with uow(db, read_only=True) as r:
        assert await r.orders.get(OrderId("ord-1")) is None


async def test_commit_appends_aggregate_events_to_the_log(db: Database) -> None:
    order = an_order()
    order.apply(OrderSent(order_id=order.id, broker_order_id=BrokerOrderId("7"), occurred_at=T0))
    async with uow(db) as w:
        await w.orders.add(order)
        await w.commit()

    async with db.connect() as connection:
        rows = (await connection.execute(select(t.events))).mappings().all()
    assert [(r["name"], r["order_id"]) for r in rows] == [("OrderSent", "ord-1")]
    assert rows[0]["payload"]["broker_order_id"] == "7"
    assert rows[0]["occurred_at"] == T0


async def test_position_and_failed_order_round_trip(db: Database) -> None:
    position = a_position(quantity=Quantity(3), average_price=Price("70333.3333"))
    failed = a_failed_order(broker_error="token=abcdefghijklmnop failed")
    async with uow(db) as w:
        await w.positions.add(position)
        await w.failed_orders.add(failed)
        await w.commit()

    async with uow(db, read_only=True) as r:
        loaded = await r.positions.get(StrategyAccountId(1), Symbol("005930"))
        [listed] = await r.failed_orders.list(FailedOrderFilter())

    assert loaded is not None
    assert loaded.average_price == Decimal("70333.3333")
    assert listed.id == failed.id
    assert listed.broker_error == "token=abcdef*** failed"
    assert listed.order_params == failed.order_params


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_sqlite_runs_in_wal_mode_with_foreign_keys(db: Database) -> None:
    async with db.connect() as connection:
        mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
        keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar()
        timeout = (await connection.execute(text("PRAGMA busy_timeout"))).scalar()
    assert (mode, keys) == ("wal", 1)
    # SQLite's own busy wait blocks the loop, so it is short; the 5 s a writer may wait for
    # another process in all are spent in asyncio sleeps between tries (see test_busy).
    assert timeout == LOOP_BUSY_TIMEOUT_MS
    assert db.busy_seconds == SQLITE_BUSY_TIMEOUT_MS / 1000 == 5


async def test_units_of_work_enforce_foreign_keys(db: Database) -> None:
    orphan_of_nothing = FillRecord(
        fill_id=FillId("f-1"),
        broker_order_id=BrokerOrderId("0000000001"),
        broker_account="default",
        symbol=Symbol("005930"),
        side=Side.BUY,
        quantity=Quantity(1),
        price=Price(70_000),
        filled_at=T0,
        order_id=OrderId("o-does-not-exist"),
    )

    async def store() -> None:
        async with uow(db) as w:
            await w.fills.add(orphan_of_nothing)
            await w.commit()

    with pytest.raises(IntegrityError):
        await store()

    async with uow(db, read_only=True) as r:
        assert await r.fills.for_order(OrderId("o-does-not-exist")) == []


async def test_many_units_of_work_open_at_once_never_wait_for_a_connection(db: Database) -> None:
    # On SQLite the units of work check connections out synchronously, on the event loop:
    # a pool that made one wait would stall the loop, so it must never run dry. Twelve is
    # more than its five pooled connections (and fewer than PostgreSQL's twenty, which wait
    # without blocking anything).
    order = an_order()
    async with uow(db) as w:
        await w.orders.add(order)
        await w.commit()
    everyone_in = asyncio.Barrier(12)

    async def reader() -> OrderId | None:
        async with uow(db, read_only=True) as r:
            await everyone_in.wait()  # all 12 hold a connection at the same time
            loaded = await r.orders.get(order.id)
        return None if loaded is None else loaded.id

    read = await asyncio.wait_for(asyncio.gather(*(reader() for _ in range(12))), 10)

    assert read == [order.id] * 12


async def test_broker_order_is_claimed_by_one_order_only_even_concurrently(db: Database) -> None:
    day, broker_id = T0.date(), BrokerOrderId("0000000001")
    orders = [an_order(order_id=f"twin-{i}", idempotency_key=f"twin-{i}") for i in range(4)]
    async with uow(db) as w:
        for order in orders:
            await w.orders.add(order)
        await w.commit()

    async def claim(order_id: OrderId) -> bool:
        async with uow(db) as w:
            won = await w.orders.claim_broker_order("default", day, broker_id, order_id)
            await asyncio.sleep(0.01)  # hold the claim uncommitted while the others try
            await w.commit()
            return won

    won = await asyncio.gather(*(claim(o.id) for o in orders))
    winner = orders[won.index(True)].id  # any of the four may win on PostgreSQL
    async with uow(db) as w:
        again = await w.orders.claim_broker_order("default", day, broker_id, winner)
        elsewhere = await w.orders.claim_broker_order("other", day, broker_id, winner)
        claimed = await w.orders.claimed_broker_orders("default", day)

    assert won.count(True) == 1
    assert again is True  # the owner claiming again is no conflict
    assert elsewhere is False  # an order claims one broker order, whatever the account
    assert claimed == {(day, broker_id)}


async def test_broker_order_claims_refuse_a_second_row_for_the_same_broker_order(
    db: Database,
) -> None:
    async with uow(db) as w:
        for i in range(2):
            await w.orders.add(an_order(order_id=f"o{i}", idempotency_key=f"k{i}"))
        await w.commit()
    row = {"broker_account": "default", "trading_day": "20261120", "broker_order_id": "1"}
    async with db.begin() as connection:
        await connection.execute(
            t.broker_order_claims.insert(), {**row, "order_id": "o0", "claimed_at": T0}
        )
    with pytest.raises(IntegrityError):
        async with db.begin() as connection:
            await connection.execute(
                t.broker_order_claims.insert(), {**row, "order_id": "o1", "claimed_at": T0}
            )
