"""settle_unconfirmed() both ways, orphan fills, and sync_order_status() with the broker winning."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from hantu.bootstrap import App
from hantu.domain.enums import OrderStatus
from hantu.domain.order import Order
from hantu.domain.values import BrokerOrderId, Quantity, StrategyAccountId, Symbol
from hantu.errors import ConfigError
from hantu.service_layer import queries
from hantu.service_layer.fill_gaps import FillGaps
from hantu.service_layer.fills import FillOutcome, process_fill
from hantu.service_layer.orders import order_id_for, submit
from hantu.service_layer.ports import BrokerOrder
from hantu.service_layer.reconciliation import (
    reconcile_with_broker,
    settle_unconfirmed,
    sync_order_status,
)
from tests.builders import an_order_request
from tests.fakes import FakeClock
from tests.inprocess_broker import Drop, Hang, InProcessBroker
from tests.integration.service.support import count_rows, events_named


async def test_settle_unconfirmed_order_found_at_broker_becomes_sent(
    app: App, broker: InProcessBroker
) -> None:
    broker.script(Hang())
    result = await submit(app.deps, an_order_request())

    report = await settle_unconfirmed(app.deps)

    order = await queries.get_order(app.deps, result.order.id)
    assert report.found == [result.order.id]
    assert order is not None
    assert order.status is OrderStatus.SENT
    assert order.broker_order_id == broker.placed[0].broker_order_id
    assert await count_rows(app, "failed_orders") == 0


async def test_settle_unconfirmed_order_found_partly_filled_applies_the_fills(
    app: App, broker: InProcessBroker
) -> None:
    broker.script(Hang())
    result = await submit(app.deps, an_order_request(quantity=Quantity(10)))
    broker_id = broker.placed[0].broker_order_id
    notice = broker.fill(broker_id, 4, Decimal(70_000))
    assert await process_fill(app.deps, notice) is FillOutcome.UNMATCHED  # not ours yet
    broker.fill(broker_id, 2, Decimal(71_000), notify=False)  # a notice we never got

    await settle_unconfirmed(app.deps)

    order = await queries.get_order(app.deps, result.order.id)
    assert order is not None
    assert order.status is OrderStatus.PARTIAL
    assert order.filled_quantity == Decimal(6)
    assert order.average_fill_price is not None
    assert order.average_fill_price.quantize(Decimal("0.01")) == Decimal("70333.33")
    async with app.uow(read_only=True) as uow:
        position = await uow.positions.get(StrategyAccountId(1), Symbol("005930"))
    assert position is not None
    assert position.quantity == Decimal(6)


async def test_settle_unconfirmed_order_absent_after_grace_becomes_error_with_failed_order(
    app: App, broker: InProcessBroker, clock: FakeClock
) -> None:
    broker.script(Drop())
    result = await submit(app.deps, an_order_request())
    clock.advance(31)

    report = await settle_unconfirmed(app.deps)

    order = await queries.get_order(app.deps, result.order.id)
    assert report.absent == [result.order.id]
    assert order is not None
    assert order.status is OrderStatus.ERROR
    [failed] = await queries.list_failed_orders(app.deps)
    assert failed.order_id == result.order.id
    assert failed.retry_count == 0


async def test_settle_unconfirmed_order_absent_within_grace_waits(
    app: App, broker: InProcessBroker, clock: FakeClock
) -> None:
    broker.script(Drop())
    result = await submit(app.deps, an_order_request())
    clock.advance(5)

    report = await settle_unconfirmed(app.deps)

    order = await queries.get_order(app.deps, result.order.id)
    assert report.waiting == [result.order.id]
    assert order is not None
    assert order.status is OrderStatus.UNCONFIRMED
    assert await count_rows(app, "failed_orders") == 0


async def test_settle_does_not_take_a_broker_order_claimed_by_another_order(
    app: App, broker: InProcessBroker, clock: FakeClock
) -> None:
    await submit(app.deps, an_order_request(idempotency_key="first"))  # SENT, claims #1
    broker.script(Drop())
    twin = await submit(app.deps, an_order_request(idempotency_key="twin"))  # identical params
    clock.advance(31)

    report = await settle_unconfirmed(app.deps)

    assert report.absent == [twin.order.id]
    order = await queries.get_order(app.deps, twin.order.id)
    assert order is not None
    assert order.status is OrderStatus.ERROR


async def test_settle_two_identical_unconfirmed_orders_take_one_broker_order_each(
    app: App, broker: InProcessBroker, clock: FakeClock
) -> None:
    broker.script(Hang(), Hang())
    first = await submit(app.deps, an_order_request(idempotency_key="a"))
    second = await submit(app.deps, an_order_request(idempotency_key="b"))

    report = await settle_unconfirmed(app.deps)

    a = await queries.get_order(app.deps, first.order.id)
    b = await queries.get_order(app.deps, second.order.id)
    assert sorted(report.found) == sorted([first.order.id, second.order.id])
    assert a is not None
    assert b is not None
    assert {a.broker_order_id, b.broker_order_id} == {p.broker_order_id for p in broker.placed}


async def test_sync_order_status_takes_broker_cancel_and_records_the_difference(
    app: App, broker: InProcessBroker
) -> None:
    sent = await submit(app.deps, an_order_request())
    broker.cancel_at_broker(BrokerOrderId(sent.order.broker_order_id or ""))

    report = await sync_order_status(app.deps)

    order = await queries.get_order(app.deps, sent.order.id)
    assert report.changed == [sent.order.id]
    assert order is not None
    assert order.status is OrderStatus.CANCELED
    [diff] = await events_named(app, "BrokerStateDiffered")
    assert (diff["ours"], diff["theirs"]) == ("SENT", "CANCELED")


async def test_sync_order_status_applies_fills_the_notices_missed(
    app: App, broker: InProcessBroker
) -> None:
    sent = await submit(app.deps, an_order_request(quantity=Quantity(10)))
    broker.fill(BrokerOrderId(sent.order.broker_order_id or ""), 10, notify=False)

    await sync_order_status(app.deps)

    order = await queries.get_order(app.deps, sent.order.id)
    assert order is not None
    assert order.status is OrderStatus.FILLED
    assert order.filled_quantity == Decimal(10)
    assert order.average_fill_price == Decimal(70_000)


async def test_sync_order_status_in_agreement_changes_nothing(
    app: App, broker: InProcessBroker
) -> None:
    await submit(app.deps, an_order_request())

    report = await sync_order_status(app.deps)

    assert report.changed == []
    assert await events_named(app, "BrokerStateDiffered") == []


async def _stored_new_order(app: App, key: str) -> str:
    """An order stored as NEW whose broker answer was never recorded (a crash mid-submit)."""
    order = Order.create(order_id_for(key), an_order_request(idempotency_key=key), app.clock.now())
    async with app.uow() as uow:
        assert await uow.orders.add(order)
        await uow.commit()
    return order.id


async def test_settle_stale_new_order_the_broker_has_becomes_sent(
    app: App, broker: InProcessBroker, clock: FakeClock
) -> None:
    order_id = await _stored_new_order(app, "crashed-after-send")
    request = an_order_request()
    await broker.place_order(
        BrokerOrder(
            request.symbol, request.side, request.order_type, request.quantity, request.price
        )
    )
    clock.advance(31)

    report = await settle_unconfirmed(app.deps)

    order = await queries.get_order(app.deps, order_id)
    assert report.found == [order_id]
    assert order is not None
    assert order.status is OrderStatus.SENT


async def test_settle_stale_new_order_the_broker_lacks_becomes_failed(
    app: App, broker: InProcessBroker, clock: FakeClock
) -> None:
    order_id = await _stored_new_order(app, "crashed-before-send")
    clock.advance(5)
    early = await settle_unconfirmed(app.deps)  # too young: its send may still be under way
    clock.advance(26)

    report = await settle_unconfirmed(app.deps)

    assert early.absent == []
    assert early.waiting == []
    assert report.absent == [order_id]
    [failed] = await queries.list_failed_orders(app.deps)
    assert failed.order_id == order_id


async def test_sync_order_status_missing_at_broker_is_reported_and_left_alone(
    app: App, broker: InProcessBroker
) -> None:
    sent = await submit(app.deps, an_order_request())
    del broker.book[BrokerOrderId(sent.order.broker_order_id or "")]  # e.g. yesterday's order

    report = await sync_order_status(app.deps)

    assert report.unknown_at_broker == [sent.order.id]
    order = await queries.get_order(app.deps, sent.order.id)
    assert order is not None
    assert order.status is OrderStatus.SENT


async def test_settle_unconfirmed_order_from_yesterday_asks_its_own_day(
    app: App, broker: InProcessBroker, clock: FakeClock
) -> None:
    broker.script(Hang())
    result = await submit(app.deps, an_order_request())
    clock.advance(24 * 3600)  # the order was placed yesterday; today's list lacks it

    report = await settle_unconfirmed(app.deps)

    order = await queries.get_order(app.deps, result.order.id)
    assert report.found == [result.order.id]
    assert order is not None
    assert order.status is OrderStatus.SENT
    assert await count_rows(app, "failed_orders") == 0
    assert len(broker.placed) == 1


class _BrokenDirectory:
    """Account 2's broker cannot be built (say, its keys were refused); account 1's can."""

    def __init__(self, broker: InProcessBroker) -> None:
        self._broker = broker

    async def broker_for(self, strategy_account_id: int) -> InProcessBroker:
        if strategy_account_id == 2:
            raise ConfigError("HANTU_KIS_APP_KEY refused (EGW02004)")
        return self._broker

    async def account_of(self, strategy_account_id: int) -> str:
        await self.broker_for(strategy_account_id)
        return "default"


async def test_settle_unconfirmed_one_broken_account_does_not_stall_the_others(
    app: App, broker: InProcessBroker
) -> None:
    broker.script(Hang(), Hang())
    first = await submit(app.deps, an_order_request(idempotency_key="a1"))
    second = await submit(
        app.deps, an_order_request(idempotency_key="a2", strategy_account_id=StrategyAccountId(2))
    )
    deps = replace(app.deps, brokers=_BrokenDirectory(broker))

    report = await settle_unconfirmed(deps)

    assert report.found == [first.order.id]
    assert report.waiting == [second.order.id]
    waiting = await queries.get_order(app.deps, second.order.id)
    assert waiting is not None
    assert waiting.status is OrderStatus.UNCONFIRMED


async def test_sync_order_status_periodic_waits_before_taking_a_fill_from_the_report(
    app: App, broker: InProcessBroker, clock: FakeClock
) -> None:
    sent = await submit(app.deps, an_order_request(quantity=Quantity(10)))
    broker_id = BrokerOrderId(sent.order.broker_order_id or "")
    notice = broker.fill(broker_id, 4, notify=False)  # its notice is still on its way
    gaps = FillGaps(patience=timedelta(seconds=30))

    first = await sync_order_status(app.deps, gaps)
    await process_fill(app.deps, notice)  # the notice arrives
    clock.advance(31)
    second = await sync_order_status(app.deps, gaps)

    assert first.waiting == [sent.order.id]
    assert second.changed == []
    order = await queries.get_order(app.deps, sent.order.id)
    assert order is not None
    assert order.filled_quantity == Decimal(4)  # counted once


async def test_sync_order_status_periodic_takes_a_lasting_gap_from_the_report(
    app: App, broker: InProcessBroker, clock: FakeClock
) -> None:
    sent = await submit(app.deps, an_order_request(quantity=Quantity(10)))
    broker.fill(BrokerOrderId(sent.order.broker_order_id or ""), 4, notify=False)  # lost
    gaps = FillGaps(patience=timedelta(seconds=30))

    await sync_order_status(app.deps, gaps)
    clock.advance(31)
    report = await sync_order_status(app.deps, gaps)

    assert report.changed == [sent.order.id]
    order = await queries.get_order(app.deps, sent.order.id)
    assert order is not None
    assert order.status is OrderStatus.PARTIAL
    assert order.filled_quantity == Decimal(4)


async def test_reconcile_with_broker_asks_each_day_list_once_for_settle_and_sync(
    app: App, broker: InProcessBroker
) -> None:
    open_order = await submit(app.deps, an_order_request(idempotency_key="open"))
    broker.script(Hang())
    unconfirmed = await submit(app.deps, an_order_request(idempotency_key="late"))
    broker.fill(BrokerOrderId(open_order.order.broker_order_id or ""), 10, notify=False)

    settled, synced = await reconcile_with_broker(app.deps)

    assert settled.found == [unconfirmed.order.id]
    assert open_order.order.id in synced.changed
    assert broker.day_list_calls == 1
