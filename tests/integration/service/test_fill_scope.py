"""A KIS order number is unique per broker account and trading day only: a fill notice finds
its order, and an orphan fill its adopter, within the same broker account and Seoul day."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from hantu.adapters.db import tables as t
from hantu.adapters.inprocess_broker import InProcessBroker
from hantu.bootstrap import App, StaticBrokerDirectory, build
from hantu.config import Settings
from hantu.domain.values import BrokerOrderId, FillId, OrderId, Quantity, StrategyAccountId
from hantu.service_layer import queries
from hantu.service_layer.fills import FillOutcome, process_fill
from hantu.service_layer.orders import submit
from tests.builders import a_fill_notice, an_order_request
from tests.fakes import FakeClock

A, B = "default", "static:2"  # strategy account 1 trades through broker A, 2 through B
SAME = BrokerOrderId("0000000001")  # each broker numbers its own orders from 1
DAY = 86_400


@pytest.fixture
def broker_b(clock: FakeClock) -> InProcessBroker:
    return InProcessBroker(clock)


@pytest.fixture
async def app(
    database_url: str,
    tmp_path: Path,
    clock: FakeClock,
    broker: InProcessBroker,
    broker_b: InProcessBroker,
) -> AsyncIterator[App]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=database_url, data_dir=tmp_path, order_timeout_seconds=5
    )
    directory = StaticBrokerDirectory(broker, {2: broker_b})
    built = build(settings, clock=clock, brokers=directory)
    await built.start()
    yield built
    await built.close()


async def _order(app: App, account: int, key: str) -> OrderId:
    request = an_order_request(idempotency_key=key, strategy_account_id=StrategyAccountId(account))
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
