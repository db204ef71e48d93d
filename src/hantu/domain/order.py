"""The Order aggregate: an explicit transition table and one mutator, `apply(event)`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from hantu.domain.enums import OrderStatus, OrderType, Side
from hantu.domain.errors import InvalidValue, OverFill
from hantu.domain.events import (
    Event,
    OrderCanceled,
    OrderCreated,
    OrderEvent,
    OrderFilled,
    OrderRefused,
    OrderRejected,
    OrderSent,
    OrderUnconfirmed,
)
from hantu.domain.fsm import TransitionTable
from hantu.domain.values import (
    BrokerOrderId,
    FillId,
    OrderId,
    Price,
    Quantity,
    StrategyAccountId,
    Symbol,
)

S = OrderStatus
ORDER_TRANSITIONS: TransitionTable[OrderStatus] = TransitionTable(
    "order",
    {
        S.NEW: {S.SENT, S.REJECTED, S.ERROR, S.UNCONFIRMED},
        S.SENT: {S.PARTIAL, S.FILLED, S.CANCELED, S.ERROR},
        S.PARTIAL: {S.PARTIAL, S.FILLED, S.CANCELED},
        S.UNCONFIRMED: {S.SENT, S.PARTIAL, S.FILLED, S.ERROR, S.CANCELED},
        # A fill executed just before a cancel took effect and reported after it: the shares
        # did move, so the order counts the fill and stays canceled.
        S.CANCELED: {S.CANCELED},
    },
)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What a signal source asks for; becomes an `Order` once it passes the pipeline."""

    idempotency_key: str
    strategy_account_id: StrategyAccountId
    symbol: Symbol
    side: Side
    order_type: OrderType
    quantity: Quantity
    price: Price | None = None
    source: str = "api"

    def __post_init__(self) -> None:
        if not self.idempotency_key or len(self.idempotency_key) > 200:
            raise InvalidValue("idempotency key must be 1..200 characters")
        if self.quantity <= 0:
            raise InvalidValue(f"quantity must be positive, got {self.quantity}")
        if self.order_type is OrderType.LIMIT and (self.price is None or self.price <= 0):
            raise InvalidValue("a LIMIT order needs a positive price")
        if self.order_type is OrderType.MARKET and self.price is not None:
            raise InvalidValue("a MARKET order takes no price")


@dataclass(eq=False)
class Order:
    id: OrderId
    idempotency_key: str
    strategy_account_id: StrategyAccountId
    symbol: Symbol
    side: Side
    order_type: OrderType
    quantity: Quantity
    price: Price | None
    created_at: datetime
    source: str = "api"
    # What a market buy counts for the exposure limit per share while open (it has no price
    # of its own; KIS reserves its cash at the upper price limit). None for limit orders.
    valued_price: Price | None = None
    status: OrderStatus = OrderStatus.NEW
    previous_status: OrderStatus | None = None
    broker_order_id: BrokerOrderId | None = None
    filled_quantity: Quantity = field(default_factory=Quantity)
    average_fill_price: Price | None = None
    fill_ids: set[FillId] = field(default_factory=set)
    reason: str | None = None
    updated_at: datetime | None = None
    version: int = 0
    events: list[Event] = field(default_factory=list, repr=False)

    @classmethod
    def create(
        cls,
        order_id: OrderId,
        request: OrderRequest,
        now: datetime,
        *,
        valued_price: Price | None = None,
    ) -> Order:
        """Build a NEW order from a request and record `OrderCreated`."""
        order = cls(
            id=order_id,
            idempotency_key=request.idempotency_key,
            strategy_account_id=request.strategy_account_id,
            symbol=request.symbol,
            side=request.side,
            order_type=request.order_type,
            quantity=request.quantity,
            price=request.price,
            valued_price=valued_price if request.price is None else None,
            created_at=now,
            updated_at=now,
            source=request.source,
        )
        order.events.append(
            OrderCreated(
                order_id=order_id,
                symbol=request.symbol,
                side=request.side,
                quantity=request.quantity,
                occurred_at=now,
            )
        )
        return order

    @property
    def remaining_quantity(self) -> Quantity:
        return Quantity(self.quantity - self.filled_quantity)

    def apply(self, event: OrderEvent) -> None:
        """Change state by applying an event; the only way status changes."""
        match event:
            case OrderSent(broker_order_id=broker_id):
                self._move(OrderStatus.SENT)
                self.broker_order_id = broker_id
            case OrderFilled() as fill:
                if fill.fill_id in self.fill_ids:
                    return  # a fill notice seen twice changes nothing
                self._fill(fill)
            case OrderRejected(reason=reason) | OrderUnconfirmed(reason=reason):
                target = S.REJECTED if isinstance(event, OrderRejected) else S.UNCONFIRMED
                self._move(target)
                self.reason = reason
            case OrderRefused(reason=reason):
                self._move(OrderStatus.ERROR)
                self.reason = reason
            case OrderCanceled(reason=reason):
                self._move(OrderStatus.CANCELED)
                self.reason = reason or self.reason
            case _:
                raise InvalidValue(f"order cannot apply {event.name}")
        self.updated_at = event.occurred_at
        self.events.append(event)

    def _move(self, target: OrderStatus) -> None:
        ORDER_TRANSITIONS.check(self.status, target)
        self.previous_status, self.status = self.status, target

    def _fill(self, fill: OrderFilled) -> None:
        if fill.quantity <= 0:
            raise InvalidValue(f"fill quantity must be positive, got {fill.quantity}")
        total = self.filled_quantity + fill.quantity
        if total > self.quantity:
            raise OverFill(
                f"order {self.id}: fill of {fill.quantity} would make {total} "
                f"of {self.quantity} ordered"
            )
        self._move(self._after_fill(total))
        previous_value = (self.average_fill_price or Decimal(0)) * self.filled_quantity
        self.average_fill_price = Price((previous_value + fill.price * fill.quantity) / total)
        self.filled_quantity = Quantity(total)
        self.fill_ids.add(fill.fill_id)

    def _after_fill(self, total: Decimal) -> OrderStatus:
        if self.status is OrderStatus.CANCELED:
            return OrderStatus.CANCELED
        return OrderStatus.FILLED if total == self.quantity else OrderStatus.PARTIAL

    def pop_events(self) -> list[Event]:
        events, self.events = self.events, []
        return events
