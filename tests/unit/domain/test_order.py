from decimal import Decimal

import pytest

from hantu.domain.enums import OrderStatus, OrderType
from hantu.domain.errors import InvalidTransition, InvalidValue, OverFill
from hantu.domain.events import (
    OrderCanceled,
    OrderCreated,
    OrderRefused,
    OrderRejected,
    OrderSent,
    OrderUnconfirmed,
)
from hantu.domain.order import Order
from hantu.domain.values import BrokerOrderId, OrderId, Price, Quantity
from tests.builders import T0, a_fill, a_sent_order, an_order, an_order_request


def test_order_create_records_order_created() -> None:
    order = Order.create(OrderId("o1"), an_order_request(), T0)
    assert order.status is OrderStatus.NEW
    assert [type(e) for e in order.pop_events()] == [OrderCreated]


def test_order_sent_keeps_broker_id() -> None:
    order = a_sent_order("0000099999")
    assert order.status is OrderStatus.SENT
    assert order.broker_order_id == "0000099999"
    assert order.previous_status is OrderStatus.NEW


def test_order_partial_then_full_fill_accumulates() -> None:
    order = a_sent_order(quantity=Quantity(10))
    order.apply(a_fill(order, 4, 70_000))
    assert order.status is OrderStatus.PARTIAL
    order.apply(a_fill(order, 6, 70_100))
    assert order.status is OrderStatus.FILLED
    assert order.filled_quantity == 10
    assert order.average_fill_price == Decimal("70060")


def test_order_fill_past_quantity_is_refused() -> None:
    order = a_sent_order(quantity=Quantity(5))
    order.apply(a_fill(order, 3))
    with pytest.raises(OverFill, match="would make 6 of 5"):
        order.apply(a_fill(order, 3))
    assert order.filled_quantity == 3


def test_order_duplicate_fill_id_is_ignored() -> None:
    order = a_sent_order(quantity=Quantity(10))
    fill = a_fill(order, 4, fill_id="F1")
    order.apply(fill)
    order.apply(fill)
    assert order.filled_quantity == 4
    assert order.status is OrderStatus.PARTIAL


def test_order_filled_cannot_be_canceled() -> None:
    order = a_sent_order(quantity=Quantity(1))
    order.apply(a_fill(order, 1))
    with pytest.raises(InvalidTransition, match="FILLED -> CANCELED"):
        order.apply(OrderCanceled(order_id=order.id, occurred_at=T0))


def test_order_canceled_late_fill_is_counted_and_stays_canceled() -> None:
    order = a_sent_order(quantity=Quantity(10))
    order.apply(OrderCanceled(order_id=order.id, occurred_at=T0))
    late = a_fill(order, 4, 70_000, fill_id="F1")

    order.apply(late)
    order.apply(late)

    assert order.status is OrderStatus.CANCELED
    assert order.filled_quantity == 4
    assert order.average_fill_price == Decimal("70000")
    assert order.fill_ids == {"F1"}


def test_order_canceled_late_fill_past_quantity_is_refused() -> None:
    order = a_sent_order(quantity=Quantity(5))
    order.apply(a_fill(order, 3))
    order.apply(OrderCanceled(order_id=order.id, occurred_at=T0))
    with pytest.raises(OverFill):
        order.apply(a_fill(order, 3))
    assert (order.status, order.filled_quantity) == (OrderStatus.CANCELED, 3)


def test_order_new_cannot_fill() -> None:
    order = an_order()
    with pytest.raises(InvalidTransition, match="NEW -> PARTIAL"):
        order.apply(a_fill(order, 1))


def test_order_risk_rejection_keeps_reason() -> None:
    order = an_order()
    order.apply(OrderRejected(order_id=order.id, reason="max_open_positions", occurred_at=T0))
    assert order.status is OrderStatus.REJECTED
    assert order.reason == "max_open_positions"


def test_order_unconfirmed_settles_to_sent() -> None:
    order = an_order()
    order.apply(OrderUnconfirmed(order_id=order.id, reason="timeout", occurred_at=T0))
    order.apply(OrderSent(order_id=order.id, broker_order_id=BrokerOrderId("1"), occurred_at=T0))
    assert order.status is OrderStatus.SENT
    assert order.previous_status is OrderStatus.UNCONFIRMED


def test_order_unconfirmed_settles_to_error() -> None:
    order = an_order()
    order.apply(OrderUnconfirmed(order_id=order.id, reason="timeout", occurred_at=T0))
    order.apply(OrderRefused(order_id=order.id, reason="absent at broker", occurred_at=T0))
    assert order.status is OrderStatus.ERROR


@pytest.mark.parametrize("status", [OrderStatus.REJECTED, OrderStatus.ERROR])
def test_order_terminal_state_refuses_sent(status: OrderStatus) -> None:
    order = an_order()
    if status is OrderStatus.REJECTED:
        order.apply(OrderRejected(order_id=order.id, reason="r", occurred_at=T0))
    else:
        order.apply(OrderRefused(order_id=order.id, reason="r", occurred_at=T0))
    with pytest.raises(InvalidTransition, match=f"{status.value} -> SENT"):
        order.apply(
            OrderSent(order_id=order.id, broker_order_id=BrokerOrderId("1"), occurred_at=T0)
        )


def test_order_apply_records_events_for_the_unit_of_work() -> None:
    order = a_sent_order()
    order.apply(OrderCanceled(order_id=order.id, reason="user", occurred_at=T0))
    names = [e.name for e in order.pop_events()]
    assert names == ["OrderSent", "OrderCanceled"]
    assert order.pop_events() == []


def test_order_request_limit_without_price_is_refused() -> None:
    with pytest.raises(InvalidValue, match="LIMIT order needs a positive price"):
        an_order_request(order_type=OrderType.LIMIT, price=None)


def test_order_request_market_with_price_is_refused() -> None:
    with pytest.raises(InvalidValue, match="MARKET order takes no price"):
        an_order_request(order_type=OrderType.MARKET, price=Price(70_000))


def test_order_request_zero_quantity_is_refused() -> None:
    with pytest.raises(InvalidValue, match="quantity must be positive"):
        an_order_request(quantity=Quantity(0))


def test_only_a_market_order_keeps_a_valued_price() -> None:
    market = an_order_request(order_type=OrderType.MARKET)
    limit = an_order_request(price=Price(70_000))

    valued = Order.create(OrderId("o1"), market, T0, valued_price=Price(91_000))
    priced = Order.create(OrderId("o2"), limit, T0, valued_price=Price(91_000))

    assert valued.valued_price == Price(91_000)
    assert priced.valued_price is None  # its own limit price is what counts
    assert priced.price == Price(70_000)
