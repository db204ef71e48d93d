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
    def is_open(self) -> bool:
        """Live at the broker (or possibly so): may still fill."""
        return self in OPEN_STATUSES

    @property
    def is_live(self) -> bool:
        """Known to be at the broker and not done: can fill, be synced or be canceled."""
        return self in LIVE_STATUSES

    @property
    def is_unsettled(self) -> bool:
        """Sent (or about to be) with no answer known: settled against the broker, never
        retried or resent meanwhile."""
        return self in UNSETTLED_STATUSES


LIVE_STATUSES = (OrderStatus.SENT, OrderStatus.PARTIAL)
UNSETTLED_STATUSES = (OrderStatus.NEW, OrderStatus.UNCONFIRMED)
OPEN_STATUSES = frozenset({*LIVE_STATUSES, OrderStatus.UNCONFIRMED})


class FailedOrderStatus(StrEnum):
    PENDING_RETRY = "pending_retry"
    RESOLVED = "resolved"
    REMOVED = "removed"
