"""A KIS order number is unique per broker account and trading day only: a fill notice finds
its order, and an orphan fill its adopter, within the same broker account and Seoul day."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hantu.adapters.db import tables as t
from hantu.bootstrap import App, StaticBrokerDirectory, build
from hantu.config import Settings
from hantu.domain.enums import OrderStatus, OrderType, Side
from hantu.domain.reports import BrokerOrderReport, BrokerOrderState, FillNotice
from hantu.domain.values import (
    BrokerOrderId,
    FillId,
    OrderId,
    Price,
    Quantity,
    StrategyAccountId,
    Symbol,
)
from hantu.service_layer import queries
from hantu.service_layer.deps import SEOUL
from hantu.service_layer.fills import FillOutcome, process_fill
from hantu.service_layer.orders import submit
from hantu.service_layer.ports import Broker, BrokerOrder
from hantu.service_layer.reconciliation import sync_order_status
from tests.builders import a_fill_notice, an_order_request
from tests.fakes import FakeClock
from tests.inprocess_broker import InProcessBroker
from tests.integration.service.support import hold

A, B = "default", "static:2"  # strategy account 1 trades through broker A, 2 through B
SAME = BrokerOrderId("0000000001")  # each broker numbers its own orders from 1
DAY = 86_400


@pytest.fixture
def broker_b(clock: FakeClock) -> InProcessBroker:
    return InProcessBroker(clock)


@pytest.fixture
async def make(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Callable[[Broker, Broker], Awaitable[App]]]:
    apps: list[App] = []

    async def make(a: Broker, b: Broker) -> App:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=database_url,
            data_dir=tmp_path,
            order_timeout_seconds=5,
            settle_interval_seconds=0,  # no reconcile loop: the tests reconcile by hand
        )
        built = build(settings, clock=clock, brokers=StaticBrokerDirectory(a, {2: b}))
        await built.start()
        apps.append(built)
        return built

    yield make
    for built in apps:
        await built.close()


@pytest.fixture
async def app(
    make: Callable[[Broker, Broker], Awaitable[App]],
    broker: InProcessBroker,
    broker_b: InProcessBroker,
) -> App:
    return await make(broker, broker_b)


async def _order(app: App, account: int, key: str, **overrides: Any) -> OrderId:
    account_id = StrategyAccountId(account)
    request = an_order_request(idempotency_key=key, strategy_account_id=account_id, **overrides)
    sent = await submit(app.deps, request)
    assert sent.order.broker_order_id == SAME
    return sent.order.id


async def _filled(app: App, order_id: OrderId) -> Decimal:
    order = await queries.get_order(app.deps, order_id)
    assert order is not None
    return order.filled_quantity


async def test_a_fill_of_one_broker_account_lands_on_its_order_only(
    app: App, broker_b: InProcessBroker, clock: FakeClock
) -> None:
    ours_b = await _order(app, 2, "b")
    clock.advance(1)
    ours_a = await _order(app, 1, "a")  # newer, with the same number at the other broker

    outcome = await process_fill(app.deps, broker_b.fill(SAME, 3), B)

    assert outcome is FillOutcome.APPLIED
    assert (await _filled(app, ours_a), await _filled(app, ours_b)) == (0, 3)


async def test_an_orphan_fill_is_adopted_only_by_its_own_broker_accounts_order(
    app: App, clock: FakeClock
) -> None:
    early = a_fill_notice(
        broker_order_id=SAME, fill_id=FillId("b-1"), quantity=Quantity(3), filled_at=clock.now()
    )
    assert await process_fill(app.deps, early, B) is FillOutcome.UNMATCHED

    ours_a = await _order(app, 1, "a")
    ours_b = await _order(app, 2, "b")

    assert (await _filled(app, ours_a), await _filled(app, ours_b)) == (0, 3)
    async with app.db.connect() as connection:
        rows = (await connection.execute(select(t.fills.c.broker_account))).scalars().all()
    assert rows == [B]


async def test_the_same_number_on_another_day_is_another_order(
    app: App, broker: InProcessBroker, clock: FakeClock
) -> None:
    yesterdays = await _order(app, 1, "a")
    clock.advance(DAY)
    today = a_fill_notice(broker_order_id=SAME, fill_id=FillId("a-2"), filled_at=clock.now())

    outcome = await process_fill(app.deps, today, A)

    assert outcome is FillOutcome.UNMATCHED
    assert await _filled(app, yesterdays) == 0


async def test_an_orphan_of_another_day_is_not_adopted(app: App, clock: FakeClock) -> None:
    yesterday = a_fill_notice(broker_order_id=SAME, fill_id=FillId("a-0"), filled_at=clock.now())
    assert await process_fill(app.deps, yesterday, A) is FillOutcome.UNMATCHED
    clock.advance(DAY)

    todays = await _order(app, 1, "a")

    assert await _filled(app, todays) == 0


async def test_a_fill_the_sync_brings_keeps_its_broker_account(
    app: App, broker_b: InProcessBroker
) -> None:
    ours_a = await _order(app, 1, "a")
    ours_b = await _order(app, 2, "b")
    broker_b.fill(SAME, 4, notify=False)  # the notice is lost: the broker's list tells

    synced = await sync_order_status(app.deps)

    assert synced.changed == [ours_b]
    assert (await _filled(app, ours_a), await _filled(app, ours_b)) == (0, 4)
    async with app.db.connect() as connection:
        query = select(t.fills.c.order_id, t.fills.c.broker_account)
        rows = (await connection.execute(query)).all()
    assert [tuple(row) for row in rows] == [(ours_b, B)]


class SentAcrossMidnight:
    """Broker A, whose answer comes after Seoul midnight, and whose list of the day before
    holds another order (not ours, filled) with the number it gives ours."""

    def __init__(self, inner: InProcessBroker, clock: FakeClock, day_before: date) -> None:
        self._inner, self._clock, self._day_before = inner, clock, day_before

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    async def place_order(self, order: BrokerOrder) -> BrokerOrderId:
        self._clock.advance(10)
        return await self._inner.place_order(order)

    async def orders_of_day(self, day: date | None = None) -> list[BrokerOrderReport]:
        reports = await self._inner.orders_of_day(day)
        if day != self._day_before:
            return reports
        at = datetime.combine(day, time(10), tzinfo=SEOUL)
        price = Price(70_000)
        stranger = BrokerOrderReport(
            SAME, Symbol("005930"), Side.BUY, OrderType.LIMIT, Quantity(10), price,
            Quantity(10), price, BrokerOrderState.FILLED, at,
        )  # fmt: skip
        return [stranger, *reports]


async def test_the_sync_takes_the_report_of_the_day_the_order_got_its_number(
    make: Callable[[Broker, Broker], Awaitable[App]],
    broker: InProcessBroker,
    broker_b: InProcessBroker,
    clock: FakeClock,
) -> None:
    before_midnight = datetime(2026, 11, 20, 23, 59, 55, tzinfo=SEOUL)
    clock.advance((before_midnight - clock.now()).total_seconds())
    crossing = SentAcrossMidnight(broker, clock, before_midnight.date())
    app = await make(crossing, broker_b)  # type: ignore[arg-type]
    ours = await _order(app, 1, "a")  # numbered on the 21st, created on the 20th

    synced = await sync_order_status(app.deps)

    order = await queries.get_order(app.deps, ours)
    assert order is not None
    assert (order.status, order.filled_quantity, synced.changed) == (OrderStatus.SENT, 0, [])
    assert before_midnight + timedelta(seconds=10) == clock.now()


# --- one fill id at two broker accounts --------------------------------------------------
# KIS builds a notice's fill id from the day, order number, second, quantity and price: one
# signal trading two accounts can give both the same id, as the two brokers here do.


async def _fills(app: App) -> list[tuple[Any, ...]]:
    columns = t.fills.c
    query = select(columns.order_id, columns.broker_account, columns.quantity).order_by(
        columns.broker_account
    )
    async with app.db.connect() as connection:
        return [
            (row[0], row[1], Decimal(row[2])) for row in (await connection.execute(query)).all()
        ]


async def test_the_same_fill_id_at_two_broker_accounts_fills_each_order_once(
    app: App, broker: InProcessBroker, broker_b: InProcessBroker
) -> None:
    ours_a, ours_b = await _order(app, 1, "a"), await _order(app, 2, "b")
    notice_a, notice_b = broker.fill(SAME, 3), broker_b.fill(SAME, 3)
    assert notice_a.fill_id == notice_b.fill_id

    first = [await process_fill(app.deps, notice_a, A), await process_fill(app.deps, notice_b, B)]
    again = [await process_fill(app.deps, notice_a, A), await process_fill(app.deps, notice_b, B)]

    assert first == [FillOutcome.APPLIED, FillOutcome.APPLIED]
    assert again == [FillOutcome.DUPLICATE, FillOutcome.DUPLICATE]
    assert (await _filled(app, ours_a), await _filled(app, ours_b)) == (3, 3)
    assert await _fills(app) == [(ours_a, A, 3), (ours_b, B, 3)]


async def test_orphans_with_one_fill_id_at_two_broker_accounts_are_each_adopted_by_their_own(
    app: App, clock: FakeClock
) -> None:
    early = a_fill_notice(broker_order_id=SAME, fill_id=FillId("x-1"), filled_at=clock.now())
    first = [
        await process_fill(app.deps, dataclasses.replace(early, quantity=Quantity(2)), A),
        await process_fill(app.deps, dataclasses.replace(early, quantity=Quantity(3)), B),
        await process_fill(app.deps, dataclasses.replace(early, quantity=Quantity(3)), B),
    ]

    ours_a, ours_b = await _order(app, 1, "a"), await _order(app, 2, "b")

    assert first == [FillOutcome.UNMATCHED, FillOutcome.UNMATCHED, FillOutcome.DUPLICATE]
    assert (await _filled(app, ours_a), await _filled(app, ours_b)) == (2, 3)
    assert await _fills(app) == [(ours_a, A, 2), (ours_b, B, 3)]


async def test_the_sync_catches_up_lost_fills_with_one_number_at_two_broker_accounts(
    app: App, broker: InProcessBroker, broker_b: InProcessBroker
) -> None:
    ours_a, ours_b = await _order(app, 1, "a"), await _order(app, 2, "b")
    broker.fill(SAME, 4, notify=False)
    broker_b.fill(SAME, 4, notify=False)

    synced = await sync_order_status(app.deps)

    assert sorted(synced.changed) == sorted([ours_a, ours_b])
    assert await _fills(app) == [(ours_a, A, 4), (ours_b, B, 4)]


async def test_the_sync_catches_up_one_number_of_one_account_on_two_days(
    make: Callable[[Broker, Broker], Awaitable[App]],
    broker: InProcessBroker,
    broker_b: InProcessBroker,
    clock: FakeClock,
) -> None:
    app = await make(broker, broker_b)
    yesterdays = await _order(app, 1, "a")
    broker.fill(SAME, 4, notify=False)
    await sync_order_status(app.deps)
    clock.advance(DAY)
    next_day = InProcessBroker(clock)  # KIS numbers each day's orders afresh
    app = await make(next_day, broker_b)
    todays = await _order(app, 1, "b")
    next_day.fill(SAME, 4, notify=False)

    synced = await sync_order_status(app.deps)

    assert synced.changed == [todays]
    assert await _fills(app) == [(yesterdays, A, 4), (todays, A, 4)]


async def test_a_sell_fill_keeps_its_own_accounts_realized_pnl_and_problem(
    app: App, clock: FakeClock
) -> None:
    await hold(app, 10, 60_000, account=1)
    await hold(app, 10, 65_000, account=2)
    sell = {"side": Side.SELL, "quantity": Quantity(5)}
    ours_a, ours_b = await _order(app, 1, "a", **sell), await _order(app, 2, "b", **sell)
    notice = a_fill_notice(broker_order_id=SAME, side=Side.SELL, filled_at=clock.now())

    def fill(fill_id: str, quantity: int) -> FillNotice:
        return dataclasses.replace(notice, fill_id=FillId(fill_id), quantity=Quantity(quantity))

    outcomes = [
        await process_fill(app.deps, fill("x-1", 3), A),
        await process_fill(app.deps, fill("x-1", 3), B),
        await process_fill(app.deps, fill("x-2", 2), B),
        await process_fill(app.deps, fill("x-2", 9), A),  # more than A's order: kept, flagged
    ]

    columns = t.fills.c
    query = select(columns.order_id, columns.fill_id, columns.realized_pnl, columns.problem)
    async with app.db.connect() as connection:
        rows = (await connection.execute(query.order_by(columns.id))).all()
    assert outcomes == [FillOutcome.APPLIED] * 3 + [FillOutcome.NOT_APPLIED]
    assert [(r[0], r[1], r[2] and Decimal(r[2]), r[3] is not None) for r in rows] == [
        (ours_a, "x-1", Decimal(30_000), False),
        (ours_b, "x-1", Decimal(15_000), False),
        (ours_b, "x-2", Decimal(10_000), False),
        (ours_a, "x-2", None, True),
    ]
