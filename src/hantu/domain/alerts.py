"""ALERT mode: a strategy's signal waits for its owner's approval before it becomes an order.

Pure: the lifecycle's transition table and the alert record; storage and clocks live elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, NewType

from hantu.domain.enums import OrderType, Side
from hantu.domain.fsm import TransitionTable

AlertId = NewType("AlertId", str)


class StrategyMode(StrEnum):
    AUTO = "AUTO"
    ALERT = "ALERT"


class AlertStatus(StrEnum):
    PENDING = "PENDING"
    APPROVING = "APPROVING"
    EXECUTED = "EXECUTED"
    FAILED = "FAILED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"


ALERT_TRANSITIONS: TransitionTable[AlertStatus] = TransitionTable(
    "alert",
    {
        AlertStatus.PENDING: {AlertStatus.APPROVING, AlertStatus.REJECTED, AlertStatus.EXPIRED},
        AlertStatus.APPROVING: {AlertStatus.EXECUTED, AlertStatus.FAILED},
    },
)

TERMINAL = frozenset(
    {AlertStatus.EXECUTED, AlertStatus.FAILED, AlertStatus.REJECTED, AlertStatus.EXPIRED}
)

SECRET_FIELDS = frozenset({"token", "secret", "password", "app_key", "app_secret"})


def strip_secrets(payload: dict[str, Any]) -> dict[str, Any]:
    """The webhook's details as stored on the alert: never its token."""
    return {k: v for k, v in payload.items() if str(k).lower() not in SECRET_FIELDS}


def moved_beyond(created: Decimal, current: Decimal, tolerance_pct: Decimal) -> bool:
    """True when `current` differs from `created` by more than `tolerance_pct` percent."""
    if created <= 0:
        return False
    return abs(current - created) * 100 / created > tolerance_pct


@dataclass(frozen=True, slots=True)
class Alert:
    id: AlertId
    user_id: int
    strategy_id: int
    strategy_account_ids: tuple[int, ...]
    symbol: str
    side: Side
    quantity: Decimal
    price_at_creation: Decimal | None
    order_type: OrderType
    limit_price: Decimal | None
    created_at: datetime
    expires_at: datetime
    status: AlertStatus = AlertStatus.PENDING
    idempotency_key: str | None = None
    signal: dict[str, Any] = field(default_factory=dict)
    chat_id: int | None = None
    message_id: int | None = None
    decided_by: int | None = None
    decided_via: str | None = None  # "telegram" | "web" | "system"
    decided_at: datetime | None = None
    order_id: str | None = None
    failure_reason: str | None = None
    tolerance_pct: Decimal = Decimal("1")
    second_message_id: int | None = None  # the question asked again after a price move
    fill_line: str | None = None  # the latest fill line its message shows
    followed_up_at: datetime | None = None  # when the fill follow-up (spec 000 §6.3) was done

    @property
    def strategy_account_id(self) -> int:
        return self.strategy_account_ids[0]

    def is_due(self, now: datetime) -> bool:
        return self.status is AlertStatus.PENDING and self.expires_at <= now

    def moved_to(self, status: AlertStatus, **changes: Any) -> Alert:
        """A copy in `status`, refusing edges the table does not allow."""
        ALERT_TRANSITIONS.check(self.status, status)
        return replace(self, status=status, **changes)
