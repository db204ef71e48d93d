"""Object mothers: valid domain objects with defaults, overridable by keyword."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hantu.domain.enums import OrderType, Side
from hantu.domain.events import OrderFilled, OrderSent, RiskViolated
from hantu.domain.failed_order import FailedOrder
from hantu.domain.order import Order, OrderRequest
from hantu.domain.position import Position
from hantu.domain.reports import FillNotice
from hantu.domain.values import (
    BrokerOrderId,
    FillId,
    OrderId,
    Price,
    Quantity,
    StrategyAccountId,
    Symbol,
)

T0 = datetime(2026, 11, 20, 0, 30, tzinfo=UTC)


def an_order_request(**overrides: Any) -> OrderRequest:
    fields: dict[str, Any] = {
        "idempotency_key": "key-1",
        "strategy_account_id": StrategyAccountId(1),
        "symbol": Symbol("005930"),
        "side": Side.BUY,
        "order_type": OrderType.LIMIT,
        "quantity": Quantity(10),
        "price": Price(70_000),
    }
    fields.update(overrides)
    if fields["order_type"] is OrderType.MARKET and "price" not in overrides:
        fields["price"] = None
    return OrderRequest(**fields)


def an_order(*, order_id: str = "ord-1", at: datetime = T0, **overrides: Any) -> Order:
    order = Order.create(OrderId(order_id), an_order_request(**overrides), at)
    order.pop_events()
    return order


def a_sent_order(broker_order_id: str = "0000012345", **overrides: Any) -> Order:
    order = an_order(**overrides)
    order.apply(
        OrderSent(order_id=order.id, broker_order_id=BrokerOrderId(broker_order_id), occurred_at=T0)
    )
    return order


def a_fill(
    order: Order, quantity: int, price: int = 70_000, fill_id: str | None = None
) -> OrderFilled:
    return OrderFilled(
        order_id=order.id,
        fill_id=FillId(fill_id or f"{order.id}-{len(order.fill_ids) + 1}"),
        quantity=Quantity(quantity),
        price=Price(price),
        occurred_at=T0,
    )


def a_position(**overrides: Any) -> Position:
    fields: dict[str, Any] = {
        "strategy_account_id": StrategyAccountId(1),
        "symbol": Symbol("005930"),
    }
    fields.update(overrides)
    return Position(**fields)


def a_failed_order(**overrides: Any) -> FailedOrder:
    fields: dict[str, Any] = {
        "strategy_account_id": StrategyAccountId(1),
        "symbol": Symbol("005930"),
        "side": Side.BUY,
        "order_type": OrderType.LIMIT,
        "quantity": Quantity(10),
        "price": Price(70_000),
        "reason": "주문가능금액 부족",
        "broker_error": "[APBK0952] 주문가능금액을 초과 했습니다",
        "order_params": {"symbol": "005930", "side": "BUY", "quantity": "10"},
        "now": T0,
    }
    fields.update(overrides)
    return FailedOrder.record(**fields)


def a_fill_notice(**overrides: Any) -> FillNotice:
    fields: dict[str, Any] = {
        "broker_order_id": BrokerOrderId("0000012345"),
        "fill_id": FillId("0000012345-1"),
        "symbol": Symbol("005930"),
        "side": Side.BUY,
        "quantity": Quantity(1),
        "price": Price(70_000),
        "filled_at": T0,
    }
    fields.update(overrides)
    return FillNotice(**fields)


def a_risk_violation(**overrides: Any) -> RiskViolated:
    fields: dict[str, Any] = {
        "strategy_account_id": StrategyAccountId(1),
        "symbol": Symbol("005930"),
        "rule": "daily_loss",
        "detail": "",
        "occurred_at": T0,
    }
    fields.update(overrides)
    return RiskViolated(**fields)
