"""cancel(): live orders are canceled through the broker; anything else gets a clear error."""

from __future__ import annotations

import pytest

from hantu.bootstrap import App
from hantu.domain.enums import OrderStatus
from hantu.domain.errors import NotFound
from hantu.domain.reports import BrokerOrderState
from hantu.domain.values import BrokerOrderId, StrategyAccountId, Symbol
from hantu.errors import BrokerRejected
from hantu.service_layer import queries
from hantu.service_layer.errors import OrderNotCancelable
from hantu.service_layer.fills import FillOutcome, process_fill
from hantu.service_layer.order_cancel import cancel
from hantu.service_layer.orders import submit
from hantu.service_layer.reconciliation import sync_order_status
from tests.builders import a_fill_notice, an_order_request
from tests.inprocess_broker import InProcessBroker
from tests.integration.service.support import count_rows, event_names


async def test_cancel_sent_order_is_canceled_at_broker_and_here(
    app: App, broker: InProcessBroker
) -> None:
    sent = await submit(app.deps, an_order_request())

    view = await cancel(app.deps, sent.order.id)

    assert view.status is OrderStatus.CANCELED
    broker_id = BrokerOrderId(sent.order.broker_order_id or "")
    assert broker.book[broker_id].state is BrokerOrderState.CANCELED
    assert "OrderCanceled" in await event_names(app, sent.order.id)


async def test_cancel_partially_filled_order_is_canceled(app: App, broker: InProcessBroker) -> None:
    sent = await submit(app.deps, an_order_request())
    await process_fill(app.deps, broker.fill(BrokerOrderId(sent.order.broker_order_id or ""), 3))

    view = await cancel(app.deps, sent.order.id)

    assert view.status is OrderStatus.CANCELED
    assert view.filled_quantity == 3


async def test_cancel_filled_order_raises_not_cancelable(app: App, broker: InProcessBroker) -> None:
    sent = await submit(app.deps, an_order_request())
    await process_fill(app.deps, broker.fill(BrokerOrderId(sent.order.broker_order_id or ""), 10))

    with pytest.raises(OrderNotCancelable, match="FILLED"):
        await cancel(app.deps, sent.order.id)

    assert broker.book[BrokerOrderId(sent.order.broker_order_id or "")].state is (
        BrokerOrderState.FILLED
    )


async def test_cancel_refused_by_broker_leaves_order_unchanged(
    app: App, broker: InProcessBroker
) -> None:
    sent = await submit(app.deps, an_order_request())
    broker.fill(BrokerOrderId(sent.order.broker_order_id or ""), 10, notify=False)

    with pytest.raises(BrokerRejected):
        await cancel(app.deps, sent.order.id)

    order = await queries.get_order(app.deps, sent.order.id)
    assert order is not None
    assert order.status is OrderStatus.SENT


async def test_cancel_unknown_order_raises_not_found(app: App) -> None:
    with pytest.raises(NotFound):
        await cancel(app.deps, "o-missing")


async def test_fill_reported_after_cancel_moves_the_position_not_the_order(
    app: App, broker: InProcessBroker
) -> None:
    sent = await submit(app.deps, an_order_request())
    broker_id = BrokerOrderId(sent.order.broker_order_id or "")
    late = broker.fill(broker_id, 4)  # executed at the broker, notice still on its way
    await cancel(app.deps, sent.order.id)

    first = await process_fill(app.deps, late)
    again = await process_fill(app.deps, late)

    assert (first, again) == (FillOutcome.LATE, FillOutcome.DUPLICATE)
    order = await queries.get_order(app.deps, sent.order.id)
    assert order is not None
    assert order.status is OrderStatus.CANCELED
    assert order.filled_quantity == 4
    async with app.uow(read_only=True) as uow:
        position = await uow.positions.get(StrategyAccountId(1), Symbol("005930"))
    assert position is not None
    assert position.quantity == 4
    assert await count_rows(app, "fills") == 1


async def test_fill_on_an_order_the_broker_rejected_is_kept_for_a_human(
    app: App, broker: InProcessBroker
) -> None:
    sent = await submit(app.deps, an_order_request())
    broker_id = BrokerOrderId(sent.order.broker_order_id or "")
    broker.book[broker_id].state = BrokerOrderState.REJECTED
    await sync_order_status(app.deps)

    outcome = await process_fill(app.deps, a_fill_notice(broker_order_id=broker_id))

    assert outcome is FillOutcome.NOT_APPLIED
    order = await queries.get_order(app.deps, sent.order.id)
    assert order is not None
    assert (order.status, order.filled_quantity) == (OrderStatus.ERROR, 0)
    [problem] = await queries.fills_to_check(app.deps, [1])
    assert problem.order_id == sent.order.id
    assert problem.problem.startswith("끝난 주문(ERROR)에 온 체결입니다: 체결 1주")
    async with app.uow(read_only=True) as uow:
        assert await uow.positions.get(StrategyAccountId(1), Symbol("005930")) is None
