"""The periodic sync's patience follows the notice stream: no stream, no notice to wait for;
an order sent before the stream's notices began may have filled while none could come."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hantu.bootstrap import App
from hantu.domain.enums import OrderStatus
from hantu.domain.values import BrokerOrderId, Quantity
from hantu.service_layer import queries
from hantu.service_layer.fill_gaps import FillGaps
from hantu.service_layer.orders import submit
from hantu.service_layer.reconciliation import sync_order_status
from tests.builders import an_order_request
from tests.fakes import FakeClock
from tests.inprocess_broker import InProcessBroker

EARLIER = datetime(2020, 1, 1, tzinfo=UTC)


class _Streams:
    """Since when strategy accounts' notices flow (None: down); the sync asks per order."""

    def __init__(self, *, up: bool, since: datetime = EARLIER) -> None:
        self.up = up
        self.since = since
        self.asked: list[int] = []

    def __call__(self, strategy_account_id: int) -> datetime | None:
        self.asked.append(strategy_account_id)
        return self.since if self.up else None


async def test_sync_with_stream_down_takes_a_fill_gap_from_the_report_at_once(
    app: App, broker: InProcessBroker
) -> None:
    sent = await submit(app.deps, an_order_request(quantity=Quantity(10)))
    broker.fill(BrokerOrderId(sent.order.broker_order_id or ""), 4, notify=False)
    streams = _Streams(up=False)
    gaps = FillGaps(patience=timedelta(seconds=30), notices_since=streams)

    report = await sync_order_status(app.deps, gaps)

    assert report.changed == [sent.order.id]
    assert streams.asked == [int(sent.order.strategy_account_id)]
    order = await queries.get_order(app.deps, sent.order.id)
    assert order is not None
    assert order.status is OrderStatus.PARTIAL
    assert order.filled_quantity == Decimal(4)


async def test_sync_with_stream_up_keeps_its_patience(app: App, broker: InProcessBroker) -> None:
    sent = await submit(app.deps, an_order_request(quantity=Quantity(10)))
    broker.fill(BrokerOrderId(sent.order.broker_order_id or ""), 4, notify=False)
    gaps = FillGaps(patience=timedelta(seconds=30), notices_since=_Streams(up=True))

    report = await sync_order_status(app.deps, gaps)

    assert report.waiting == [sent.order.id]
    assert report.changed == []


async def test_sync_with_stream_going_down_takes_the_gap_after_the_short_patience(
    app: App, broker: InProcessBroker, clock: FakeClock
) -> None:
    sent = await submit(app.deps, an_order_request(quantity=Quantity(10)))
    broker.fill(BrokerOrderId(sent.order.broker_order_id or ""), 4, notify=False)
    streams = _Streams(up=True)
    gaps = FillGaps(
        patience=timedelta(seconds=30),
        notices_since=streams,
        patience_while_down=timedelta(seconds=2),
    )
    first = await sync_order_status(app.deps, gaps)

    streams.up = False  # the stream drops: the notice will never come
    clock.advance(2)
    second = await sync_order_status(app.deps, gaps)

    assert first.waiting == [sent.order.id]
    assert second.changed == [sent.order.id]


async def test_an_order_sent_before_the_notices_began_gets_the_short_patience(
    app: App, broker: InProcessBroker, clock: FakeClock
) -> None:
    # Sent at start-up, before the notice subscription's ack, and filled then: that notice
    # was never sent. The stream is up by the sync, but only since after the order.
    sent = await submit(app.deps, an_order_request(quantity=Quantity(10)))
    broker.fill(BrokerOrderId(sent.order.broker_order_id or ""), 4, notify=False)
    clock.advance(1)
    streams = _Streams(up=True, since=clock.now())
    gaps = FillGaps(
        patience=timedelta(seconds=30),
        notices_since=streams,
        patience_while_down=timedelta(seconds=2),
    )
    first = await sync_order_status(app.deps, gaps)
    clock.advance(2)
    second = await sync_order_status(app.deps, gaps)

    assert first.waiting == [sent.order.id]  # a notice just received is still applied first
    assert second.changed == [sent.order.id]
    order = await queries.get_order(app.deps, sent.order.id)
    assert order is not None
    assert order.filled_quantity == Decimal(4)


async def test_an_order_sent_after_the_notices_began_keeps_the_long_patience(
    app: App, broker: InProcessBroker, clock: FakeClock
) -> None:
    streams = _Streams(up=True, since=clock.now())
    clock.advance(1)
    sent = await submit(app.deps, an_order_request(quantity=Quantity(10)))
    broker.fill(BrokerOrderId(sent.order.broker_order_id or ""), 4, notify=False)
    gaps = FillGaps(
        patience=timedelta(seconds=30),
        notices_since=streams,
        patience_while_down=timedelta(seconds=2),
    )
    await sync_order_status(app.deps, gaps)
    clock.advance(2)
    second = await sync_order_status(app.deps, gaps)

    assert second.waiting == [sent.order.id]  # its notice can still come: wait for it
    assert second.changed == []
