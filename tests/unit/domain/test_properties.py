"""Property tests: position arithmetic and the order state table hold for any input."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hantu.domain.enums import OrderStatus, Side
from hantu.domain.errors import InsufficientHolding, InvalidTransition, OverFill
from hantu.domain.events import (
    OrderCanceled,
    OrderEvent,
    OrderFilled,
    OrderRefused,
    OrderRejected,
    OrderSent,
    OrderUnconfirmed,
)
from hantu.domain.order import ORDER_TRANSITIONS, Order
from hantu.domain.values import BrokerOrderId, Quantity
from tests.builders import T0, a_fill, a_position, a_sent_order, an_order

quantities = st.integers(min_value=1, max_value=1_000)
prices = st.integers(min_value=1, max_value=2_000_000)
trades = st.lists(st.tuples(st.sampled_from(Side), quantities, prices), max_size=40)


@given(trades)
def test_position_quantity_is_buys_minus_accepted_sells(ops: list[tuple[Side, int, int]]) -> None:
    position = a_position()
    expected = 0
    for side, qty, price in ops:
        try:
            position.apply_fill(side, Decimal(qty), Decimal(price))
        except InsufficientHolding:
            assert side is Side.SELL
            assert qty > expected
            continue
        expected += qty if side is Side.BUY else -qty
    assert position.quantity == expected
    assert position.quantity >= 0
    if position.quantity == 0:
        assert position.average_price == 0


@given(st.lists(st.tuples(quantities, prices), min_size=1, max_size=20))
def test_position_average_lies_between_buy_prices(buys: list[tuple[int, int]]) -> None:
    position = a_position()
    for qty, price in buys:
        position.apply_fill(Side.BUY, Decimal(qty), Decimal(price))
    low = min(p for _, p in buys)
    high = max(p for _, p in buys)
    assert low <= position.average_price <= high
    assert abs(position.cost_basis - sum(Decimal(q * p) for q, p in buys)) < 1


@given(quantities, quantities, prices, prices)
def test_position_round_trip_realizes_price_difference(
    qty: int, extra: int, buy: int, sell: int
) -> None:
    position = a_position()
    position.apply_fill(Side.BUY, Decimal(qty + extra), Decimal(buy))
    realized = position.apply_fill(Side.SELL, Decimal(qty), Decimal(sell))
    assert realized == (sell - buy) * qty
    assert position.quantity == extra


@given(st.integers(min_value=1, max_value=500), st.lists(quantities, max_size=30))
def test_order_fills_never_exceed_quantity(size: int, fills: list[int]) -> None:
    order = a_sent_order(quantity=Quantity(size))
    for qty in fills:
        before = order.filled_quantity
        try:
            order.apply(a_fill(order, qty))
        except (OverFill, InvalidTransition):
            assert before + qty > size or order.status is OrderStatus.FILLED
            assert order.filled_quantity == before
        assert order.filled_quantity <= size
    expected = OrderStatus.FILLED if order.filled_quantity == size else None
    if expected:
        assert order.status is expected


def _event_for(order: Order, target: OrderStatus) -> OrderEvent:
    match target:
        case OrderStatus.SENT:
            return OrderSent(order_id=order.id, broker_order_id=BrokerOrderId("1"), occurred_at=T0)
        case OrderStatus.REJECTED:
            return OrderRejected(order_id=order.id, reason="r", occurred_at=T0)
        case OrderStatus.ERROR:
            return OrderRefused(order_id=order.id, reason="r", occurred_at=T0)
        case OrderStatus.UNCONFIRMED:
            return OrderUnconfirmed(order_id=order.id, reason="r", occurred_at=T0)
        case OrderStatus.CANCELED:
            return OrderCanceled(order_id=order.id, occurred_at=T0)
        case OrderStatus.PARTIAL:
            return a_fill(order, 1)
        case _:
            return a_fill(order, max(1, int(order.remaining_quantity)))


@given(st.lists(st.sampled_from([s for s in OrderStatus if s is not OrderStatus.NEW]), max_size=12))
def test_order_only_table_edges_are_ever_taken(targets: list[OrderStatus]) -> None:
    order = an_order(quantity=Quantity(100))
    for target in targets:
        source = order.status
        if target is OrderStatus.PARTIAL and order.remaining_quantity <= 1:
            continue
        event = _event_for(order, target)
        if source is OrderStatus.CANCELED and isinstance(event, OrderFilled):
            if order.remaining_quantity == 0:
                continue  # an over-fill, covered by the test above
            target = OrderStatus.CANCELED  # a late fill is counted; the order stays canceled
        if ORDER_TRANSITIONS.allows(source, target):
            order.apply(event)
            assert order.status is target
            assert order.previous_status is source
        else:
            refused = (
                (InvalidTransition, OverFill) if source is OrderStatus.FILLED else InvalidTransition
            )
            with pytest.raises(refused):
                order.apply(event)
            assert order.status is source
