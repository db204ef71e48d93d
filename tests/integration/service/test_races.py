"""Races around one submit: a fill notice before the broker's answer, a concurrent writer.

The brokers here do database work while "at the broker", so they get a generous timeout.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from hantu.adapters.db import tables as t
from hantu.bootstrap import App
from hantu.domain.enums import OrderStatus
from hantu.domain.values import BrokerOrderId
from hantu.service_layer import queries
from hantu.service_layer.fills import FillOutcome, process_fill
from hantu.service_layer.orders import SubmitOutcome, order_id_for, submit
from hantu.service_layer.ports import BrokerOrder
from tests.builders import an_order_request
from tests.inprocess_broker import InProcessBroker
from tests.integration.service.conftest import MakeApp
from tests.integration.service.support import events_named


@pytest.fixture
async def app(make_app: MakeApp) -> App:
    return await make_app(order_timeout_seconds=10)


async def test_submit_fill_notice_before_the_answer_is_adopted_with_the_order(
    app: App, broker: InProcessBroker
) -> None:
    outcomes: list[FillOutcome] = []

    class FastFill:
        """KIS market orders can fill, and notify, before the order call returns."""

        async def place_order(self, order: BrokerOrder) -> BrokerOrderId:
            broker_id = await broker.place_order(order)
            outcomes.append(await process_fill(app.deps, broker.fill(broker_id, 10)))
            return broker_id

    app.brokers.default = FastFill()  # type: ignore[attr-defined]

    result = await submit(app.deps, an_order_request())

    assert outcomes == [FillOutcome.UNMATCHED]
    order = await queries.get_order(app.deps, result.order.id)
    assert order is not None
    assert order.status is OrderStatus.FILLED
    assert order.filled_quantity == Decimal(10)
    assert len(await events_named(app, "FillUnmatched")) == 1


async def test_submit_order_changed_while_at_the_broker_is_reread_before_recording(
    app: App, broker: InProcessBroker
) -> None:
    key = "raced"

    class Meddler:
        """Another writer touches the stored order while the broker is deciding."""

        async def place_order(self, order: BrokerOrder) -> BrokerOrderId:
            async with app.db.begin() as connection:
                await connection.execute(
                    update(t.orders)
                    .where(t.orders.c.id == order_id_for(key))
                    .values(version=t.orders.c.version + 1)
                )
            return await broker.place_order(order)

    app.brokers.default = Meddler()  # type: ignore[attr-defined]

    result = await submit(app.deps, an_order_request(idempotency_key=key))

    assert result.outcome is SubmitOutcome.ACCEPTED
    stored = await queries.get_order(app.deps, result.order.id)
    assert stored is not None
    assert stored.status is OrderStatus.SENT


async def test_submit_fill_notices_racing_the_answers_are_each_linked_once(
    app: App, broker: InProcessBroker
) -> None:
    notices: list[asyncio.Task[FillOutcome]] = []

    class RacingFill:
        """The fill notice is processed while the answer is being recorded, as on KIS."""

        async def place_order(self, order: BrokerOrder) -> BrokerOrderId:
            broker_id = await broker.place_order(order)
            notice = broker.fill(broker_id, order.quantity)
            notices.append(asyncio.create_task(process_fill(app.deps, notice)))
            await asyncio.sleep(0)  # let the notice's transaction start first
            return broker_id

    app.brokers.default = RacingFill()  # type: ignore[attr-defined]

    results = await asyncio.gather(
        *(submit(app.deps, an_order_request(idempotency_key=f"race-{i}")) for i in range(20))
    )
    await asyncio.gather(*notices)

    async with app.db.connect() as connection:
        fills = (await connection.execute(select(t.fills.c.order_id))).scalars().all()
    orders = [await queries.get_order(app.deps, r.order.id) for r in results]
    assert len(fills) == 20  # one real fill, one row
    assert None not in fills  # none left as an orphan
    assert [o.status if o else None for o in orders] == [OrderStatus.FILLED] * 20
