"""Domain events: facts in the past tense, each with when it happened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from hantu.domain.enums import OrderStatus, Side
from hantu.domain.values import BrokerOrderId, FillId, OrderId, StrategyAccountId, Symbol


@dataclass(frozen=True, kw_only=True)
class Event:
    occurred_at: datetime

    @property
    def name(self) -> str:
        return type(self).__name__


@dataclass(frozen=True, kw_only=True)
class OrderEvent(Event):
    order_id: OrderId


@dataclass(frozen=True, kw_only=True)
class OrderCreated(OrderEvent):
    symbol: Symbol
    side: Side
    quantity: Decimal


@dataclass(frozen=True, kw_only=True)
class OrderSent(OrderEvent):
    broker_order_id: BrokerOrderId


@dataclass(frozen=True, kw_only=True)
class OrderUnconfirmed(OrderEvent):
    """The broker did not answer in time: the order may or may not exist there."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class OrderFilled(OrderEvent):
    fill_id: FillId
    quantity: Decimal
    price: Decimal


@dataclass(frozen=True, kw_only=True)
class OrderRejected(OrderEvent):
    """Refused by our own risk rules before reaching the broker."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class OrderRefused(OrderEvent):
    """Definitively refused by the broker (or proven never to have reached it)."""

    reason: str
    broker_error: str | None = None


@dataclass(frozen=True, kw_only=True)
class OrderCanceled(OrderEvent):
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class RiskViolated(Event):
    strategy_account_id: StrategyAccountId
    symbol: Symbol
    rule: str
    detail: str


@dataclass(frozen=True, kw_only=True)
class HoldingAdopted(Event):
    """Shares the broker held but hantu had not bought joined a position, so it may sell them."""

    strategy_account_id: StrategyAccountId
    symbol: Symbol
    quantity: Decimal
    average_price: Decimal  # the broker's purchase average (KIS pchs_avg_pric)
    broker_quantity: Decimal  # what the broker held of the symbol when asked
    idempotency_key: str  # the sell that needed them


@dataclass(frozen=True, kw_only=True)
class BrokerStateDiffered(OrderEvent):
    """Reconciliation found the broker disagreeing with us; the broker's state was taken."""

    ours: OrderStatus
    theirs: OrderStatus
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class FailedOrderSaved(Event):
    failed_order_id: int | None
    order_id: OrderId | None
    reason: str


@dataclass(frozen=True, kw_only=True)
class FailedOrderRemoved(Event):
    """A person hid a failed order from the list (the row stays for audit)."""

    failed_order_id: int
    strategy_account_id: StrategyAccountId


@dataclass(frozen=True, kw_only=True)
class AlertCreated(Event):
    alert_id: str
    user_id: int
    strategy_id: int


@dataclass(frozen=True, kw_only=True)
class AlertDecided(Event):
    alert_id: str
    user_id: int
    status: str
    via: str
    order_id: str | None = None
