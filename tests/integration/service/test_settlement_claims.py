"""The user's scenario: twin orders, lost requests, slow answers and retries, settled against
the broker's day list. The books must end as the broker's: one hantu order per broker order."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from hantu.adapters.db import tables as t
from hantu.bootstrap import App
from hantu.domain.reports import BrokerOrderState
from hantu.domain.values import BrokerOrderId, Quantity, StrategyAccountId, Symbol
from hantu.entrypoints.web.outcomes import http_status
from hantu.service_layer import failed_orders, queries
from hantu.service_layer.deps import SEOUL as SEOUL_TZ
from hantu.service_layer.fills import process_fill
from hantu.service_layer.orders import SubmitOutcome, submit
from hantu.service_layer.ports import BrokerOrder
from hantu.service_layer.reconciliation import reconcile_with_broker
from tests.builders import an_order_request
from tests.fakes import FakeClock
from tests.inprocess_broker import Drop, InProcessBroker, LoseAnswer
from tests.integration.service.conftest import MakeApp

SYMBOL = Symbol("005930")


class SlowAnswer:
    """The in-process broker, except that one chosen answer waits until `answer()`."""

    def __init__(self, inner: InProcessBroker) -> None:
        self._inner = inner
        self.hold_next = False
        self.held = asyncio.Event()
        self._open = asyncio.Event()

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    async def place_order(self, order: BrokerOrder) -> BrokerOrderId:
        broker_id = await self._inner.place_order(order)
        if self.hold_next:
            self.hold_next = False
            self.held.set()
            await self._open.wait()
        return broker_id

    def answer(self) -> None:
        self._open.set()

    def reset(self) -> None:
        self.held.clear()
        self._open.clear()


@pytest.fixture
async def app(make_app: MakeApp) -> App:
    return await make_app(order_timeout_seconds=10)


async def _fill_everything(app: App, broker: InProcessBroker) -> None:
    for report in broker.placed:
        if report.state is BrokerOrderState.OPEN:
            await process_fill(app.deps, broker.fill(report.broker_order_id, report.quantity))


async def _one_round(app: App, broker: InProcessBroker, slow: SlowAnswer, k: int) -> None:
    def request(name: str):  # type: ignore[no-untyped-def]
        return an_order_request(idempotency_key=f"{name}{k}", quantity=Quantity(1))

    broker.script(Drop())
    await submit(app.deps, request("lost"))  # never reached KIS: unconfirmed
    app.clock.advance(1)  # type: ignore[attr-defined]
    slow.hold_next = True
    later = asyncio.create_task(submit(app.deps, request("slow")))
    await slow.held.wait()  # placed at the broker, its answer still on the way
    await reconcile_with_broker(app.deps)
    slow.answer()
    await later
    slow.reset()
    broker.script(LoseAnswer())
    await submit(app.deps, request("unanswered"))  # placed, answer lost: unconfirmed
    await submit(app.deps, request("plain-a"))
    await submit(app.deps, request("plain-b"))
    await _fill_everything(app, broker)
    app.clock.advance(5)  # type: ignore[attr-defined]


async def _figures(app: App, broker: InProcessBroker) -> dict[str, Decimal | int]:
    async with app.db.connect() as connection:
        placed = await connection.execute(
            select(func.count()).where(t.orders.c.broker_order_id.is_not(None))
        )
        orphans = await connection.execute(
            select(func.count()).select_from(t.fills).where(t.fills.c.order_id.is_(None))
        )
    async with app.uow(read_only=True) as uow:
        position = await uow.positions.get(StrategyAccountId(1), SYMBOL)
    holding = next(h.quantity for h in (await broker.balance()).holdings if h.symbol == SYMBOL)
    return {
        "hantu_placed": int(placed.scalar_one()),
        "broker_placed": len(broker.placed),
        "hantu_position": Decimal(position.quantity if position else 0),
        "broker_holding": Decimal(holding),
        "orphan_fills": int(orphans.scalar_one()),
    }


async def test_settlement_twin_orders_lost_and_retried_books_equal_the_broker(
    app: App, broker: InProcessBroker, clock: FakeClock
) -> None:
    slow = SlowAnswer(broker)
    app.brokers.default = slow  # type: ignore[attr-defined]
    for k in range(5):
        await _one_round(app, broker, slow, k)
    clock.advance(31)
    await reconcile_with_broker(app.deps)
    for failed in await queries.list_failed_orders(app.deps):
        await failed_orders.retry(app.deps, failed.id)
    await _fill_everything(app, broker)
    clock.advance(31)
    await reconcile_with_broker(app.deps)

    figures = await _figures(app, broker)

    assert figures == {
        "hantu_placed": 25,
        "broker_placed": 25,
        "hantu_position": Decimal(25),
        "broker_holding": Decimal(25),
        "orphan_fills": 0,
    }


async def test_submit_answer_with_a_broker_order_claimed_by_another_order_is_unconfirmed(
    app: App, broker: InProcessBroker
) -> None:
    broker.script(Drop())
    other = await submit(app.deps, an_order_request(idempotency_key="settled-onto-it"))
    async with app.uow() as uow:  # as if settlement had taken the next broker order for it
        day = app.clock.now().astimezone(SEOUL_TZ).date()
        await uow.orders.claim_broker_order(
            "default", day, BrokerOrderId("0000000001"), other.order.id
        )
        await uow.commit()

    result = await submit(app.deps, an_order_request(idempotency_key="its-own-answer"))

    assert result.outcome is SubmitOutcome.UNCONFIRMED
    assert http_status(result) == 408
    stored = await queries.get_order(app.deps, result.order.id)
    assert stored is not None
    assert stored.broker_order_id is None


async def test_settle_order_unconfirmed_for_days_skips_broker_orders_claimed_on_its_day(
    app: App, broker: InProcessBroker, clock: FakeClock
) -> None:
    await submit(app.deps, an_order_request(idempotency_key="answered"))  # claims #1
    broker.script(Drop())
    lost = await submit(app.deps, an_order_request(idempotency_key="lost"))
    clock.advance(3 * 24 * 3600)  # nobody settled it for three days

    report = await reconcile_with_broker(app.deps)

    assert report[0].absent == [lost.order.id]
