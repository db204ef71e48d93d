"""The periodic sync's patience follows the notice stream: no stream, no notice to wait for."""

from __future__ import annotations

from datetime import timedelta
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


class _Streams:
    """Which strategy accounts' notice streams are up; the sync asks per order."""

    def __init__(self, *, up: bool) -> None:
        self.up = up
        self.asked: list[int] = []

    def __call__(self, strategy_account_id: int) -> bool:
        self.asked.append(strategy_account_id)
        return self.up


async def test_sync_with_stream_down_takes_a_fill_gap_from_the_report_at_once(
    app: App, broker: InProcessBroker
) -> None:
    sent = await submit(app.deps, an_order_request(quantity=Quantity(10)))
    broker.fill(BrokerOrderId(sent.order.broker_order_id or ""), 4, notify=False)
    streams = _Streams(up=False)
    gaps = FillGaps(patience=timedelta(seconds=30), stream_up=streams)

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
    gaps = FillGaps(patience=timedelta(seconds=30), stream_up=_Streams(up=True))

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
        stream_up=streams,
        patience_while_down=timedelta(seconds=2),
    )
    first = await sync_order_status(app.deps, gaps)

    streams.up = False  # the stream drops: the notice will never come
    clock.advance(2)
    second = await sync_order_status(app.deps, gaps)

    assert first.waiting == [sent.order.id]
    assert second.changed == [sent.order.id]
