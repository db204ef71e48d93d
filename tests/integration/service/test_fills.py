"""process_fill(): order, position and fill log move together; duplicates and strangers."""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal

from hantu.bootstrap import App
from hantu.domain.enums import OrderStatus, Side
from hantu.domain.values import BrokerOrderId, FillId, Price, Quantity, StrategyAccountId, Symbol
from hantu.service_layer import queries
from hantu.service_layer.fills import FillOutcome, follow_fills, process_fill
from hantu.service_layer.orders import submit
from tests.builders import a_fill_notice, an_order_request
from tests.inprocess_broker import InProcessBroker
from tests.integration.service.support import count_rows, event_names, events_named


async def _position(app: App, symbol: str = "005930") -> tuple[Decimal, Decimal, Decimal]:
    async with app.uow(read_only=True) as uow:
        position = await uow.positions.get(StrategyAccountId(1), Symbol(symbol))
    assert position is not None
    return position.quantity, position.average_price, position.realized_pnl


async def test_process_fill_partial_then_full_updates_order_and_position_average(
    app: App, broker: InProcessBroker
) -> None:
    sent = await submit(app.deps, an_order_request(quantity=Quantity(10)))
    broker_id = BrokerOrderId(sent.order.broker_order_id or "")

    first = await process_fill(app.deps, broker.fill(broker_id, 4, Decimal(70_000)))
    partial = await queries.get_order(app.deps, sent.order.id)
    second = await process_fill(app.deps, broker.fill(broker_id, 6, Decimal(70_500)))
    filled = await queries.get_order(app.deps, sent.order.id)

    assert (first, second) == (FillOutcome.APPLIED, FillOutcome.APPLIED)
    assert partial is not None
    assert partial.status is OrderStatus.PARTIAL
    assert filled is not None
    assert filled.status is OrderStatus.FILLED
    assert filled.filled_quantity == Decimal(10)
    assert filled.average_fill_price == Decimal(70_300)  # (4×70,000 + 6×70,500) / 10
    assert await _position(app) == (Decimal(10), Decimal(70_300), Decimal(0))
    assert await count_rows(app, "fills") == 2
    names = await event_names(app, sent.order.id)
    assert names.count("OrderFilled") == 2


async def test_process_fill_same_notice_twice_is_ignored(app: App, broker: InProcessBroker) -> None:
    sent = await submit(app.deps, an_order_request())
    notice = broker.fill(BrokerOrderId(sent.order.broker_order_id or ""), 3)

    assert await process_fill(app.deps, notice) is FillOutcome.APPLIED
    assert await process_fill(app.deps, notice) is FillOutcome.DUPLICATE

    order = await queries.get_order(app.deps, sent.order.id)
    assert order is not None
    assert order.filled_quantity == Decimal(3)
    assert await _position(app) == (Decimal(3), Decimal(70_000), Decimal(0))
    assert await count_rows(app, "fills") == 1


async def test_process_fill_sell_realizes_pnl_and_zero_resets_average(
    app: App, broker: InProcessBroker
) -> None:
    buy = await submit(app.deps, an_order_request(idempotency_key="buy"))
    await process_fill(app.deps, broker.fill(BrokerOrderId(buy.order.broker_order_id or ""), 10))
    sell = await submit(
        app.deps,
        an_order_request(idempotency_key="sell", side=Side.SELL, price=Price(72_000)),
    )

    await process_fill(app.deps, broker.fill(BrokerOrderId(sell.order.broker_order_id or ""), 10))

    assert await _position(app) == (Decimal(0), Decimal(0), Decimal(20_000))
    async with app.uow(read_only=True) as uow:
        today = await uow.fills.realized_pnl_since(
            StrategyAccountId(1), app.deps.trading_day_start()
        )
    assert today == Decimal(20_000)


async def test_process_fill_unknown_broker_id_is_recorded_not_lost(app: App, clock: object) -> None:
    notice = a_fill_notice(
        broker_order_id=BrokerOrderId("9999999999"), fill_id=FillId("9999999999-1")
    )

    assert await process_fill(app.deps, notice) is FillOutcome.UNMATCHED
    assert await process_fill(app.deps, notice) is FillOutcome.DUPLICATE

    [event] = await events_named(app, "FillUnmatched")
    assert event["broker_order_id"] == "9999999999"
    assert await count_rows(app, "fills") == 1


async def test_process_fill_more_than_ordered_is_not_applied_and_recorded(
    app: App, broker: InProcessBroker
) -> None:
    sent = await submit(app.deps, an_order_request(quantity=Quantity(2)))
    broker_id = BrokerOrderId(sent.order.broker_order_id or "")
    await process_fill(app.deps, broker.fill(broker_id, 2))
    extra = a_fill_notice(broker_order_id=broker_id, fill_id=FillId("bogus-3"))

    assert await process_fill(app.deps, extra) is FillOutcome.NOT_APPLIED

    order = await queries.get_order(app.deps, sent.order.id)
    assert order is not None
    assert order.filled_quantity == Decimal(2)
    assert len(await events_named(app, "FillNotApplied")) == 1


async def test_process_fill_same_notice_ten_times_at_once_applies_it_once(
    app: App, broker: InProcessBroker
) -> None:
    sent = await submit(app.deps, an_order_request())
    notice = broker.fill(BrokerOrderId(sent.order.broker_order_id or ""), 5)

    outcomes = await asyncio.gather(*(process_fill(app.deps, notice) for _ in range(10)))

    assert outcomes.count(FillOutcome.APPLIED) == 1
    assert outcomes.count(FillOutcome.DUPLICATE) == 9
    assert await _position(app) == (Decimal(5), Decimal(70_000), Decimal(0))


async def test_process_fill_ten_distinct_fills_at_once_all_count(
    app: App, broker: InProcessBroker
) -> None:
    sent = await submit(app.deps, an_order_request(quantity=Quantity(10)))
    broker_id = BrokerOrderId(sent.order.broker_order_id or "")
    notices = [broker.fill(broker_id, 1, Decimal(70_000 + 100 * i)) for i in range(10)]

    outcomes = await asyncio.gather(*(process_fill(app.deps, n) for n in notices))

    assert set(outcomes) == {FillOutcome.APPLIED}
    order = await queries.get_order(app.deps, sent.order.id)
    assert order is not None
    assert order.status is OrderStatus.FILLED
    assert order.average_fill_price == Decimal(70_450)
    assert await _position(app) == (Decimal(10), Decimal(70_450), Decimal(0))


async def test_process_fill_first_fills_of_two_orders_at_once_open_one_position(
    app: App, broker: InProcessBroker
) -> None:
    one = await submit(app.deps, an_order_request(idempotency_key="one"))
    two = await submit(app.deps, an_order_request(idempotency_key="two"))
    notices = [
        broker.fill(BrokerOrderId(sent.order.broker_order_id or ""), 10) for sent in (one, two)
    ]

    outcomes = await asyncio.gather(*(process_fill(app.deps, n) for n in notices))

    assert set(outcomes) == {FillOutcome.APPLIED}
    assert await _position(app) == (Decimal(20), Decimal(70_000), Decimal(0))


async def test_follow_fills_applies_notices_as_the_broker_streams_them(
    app: App, broker: InProcessBroker
) -> None:
    sent = await submit(app.deps, an_order_request(quantity=Quantity(10)))
    follower = asyncio.create_task(follow_fills(app.deps, broker))
    try:
        broker.fill(BrokerOrderId(sent.order.broker_order_id or ""), 10)
        for _ in range(200):
            order = await queries.get_order(app.deps, sent.order.id)
            if order is not None and order.status is OrderStatus.FILLED:
                break
            await asyncio.sleep(0.01)
    finally:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower

    assert order is not None
    assert order.status is OrderStatus.FILLED
