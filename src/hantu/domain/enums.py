"""Enumerations shared across the domain."""

from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    LIMIT = "LIMIT"
    MARKET = "MARKET"


class OrderStatus(StrEnum):
    NEW = "NEW"
    SENT = "SENT"
    PARTIAL = "PARTIAL"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"
    ERROR = "ERROR"
    UNCONFIRMED = "UNCONFIRMED"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def is_open(self) -> bool:
        """Live at the broker (or possibly so): may still fill."""
        return self in _OPEN


_TERMINAL = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.ERROR}
)
_OPEN = frozenset({OrderStatus.SENT, OrderStatus.PARTIAL, OrderStatus.UNCONFIRMED})


class FailedOrderStatus(StrEnum):
    PENDING_RETRY = "pending_retry"
    RESOLVED = "resolved"
    REMOVED = "removed"
