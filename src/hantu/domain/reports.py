"""What the broker tells us about our orders: its order rows and its fill notices (pure).

They live in the domain because settling an order against the broker (`reconcile`) reads
them; the broker port returns them and the KIS adapter builds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hantu.domain.enums import OrderType, Side
from hantu.domain.values import BrokerOrderId, FillId, Price, Quantity, Symbol


class BrokerOrderState(StrEnum):
    OPEN = "OPEN"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"


@dataclass(frozen=True, slots=True)
class BrokerOrderReport:
    """One row of the broker's orders of the day."""

    broker_order_id: BrokerOrderId
    symbol: Symbol
    side: Side
    order_type: OrderType
    quantity: Quantity
    price: Price | None
    filled_quantity: Quantity
    average_fill_price: Price | None
    state: BrokerOrderState
    ordered_at: datetime
    original_broker_order_id: BrokerOrderId | None = None


@dataclass(frozen=True, slots=True)
class FillNotice:
    """A broker execution notice (KIS H0STCNI0/9 with the fill flag set)."""

    broker_order_id: BrokerOrderId
    fill_id: FillId
    symbol: Symbol
    side: Side
    quantity: Quantity
    price: Price
    filled_at: datetime
