"""A failed order: kept for a human to retry (at most five times) or remove (soft)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hantu.domain.enums import FailedOrderStatus, OrderType, Side
from hantu.domain.errors import RetryNotAllowed
from hantu.domain.masking import sanitize
from hantu.domain.values import OrderId, Price, Quantity, StrategyAccountId, Symbol

MAX_RETRIES = 5
REASON_LIMIT = 100
BROKER_ERROR_LIMIT = 500


@dataclass(eq=False)
class FailedOrder:
    strategy_account_id: StrategyAccountId
    symbol: Symbol
    side: Side
    order_type: OrderType
    quantity: Quantity
    price: Price | None
    reason: str
    broker_error: str | None
    order_params: dict[str, str]
    created_at: datetime
    updated_at: datetime
    order_id: OrderId | None = None
    webhook_id: str | None = None
    status: FailedOrderStatus = FailedOrderStatus.PENDING_RETRY
    retry_count: int = 0
    last_retry_order_id: OrderId | None = None
    id: int | None = None

    @classmethod
    def record(
        cls,
        *,
        strategy_account_id: StrategyAccountId,
        symbol: Symbol,
        side: Side,
        order_type: OrderType,
        quantity: Quantity,
        price: Price | None,
        reason: str,
        broker_error: str | None,
        order_params: dict[str, str],
        now: datetime,
        order_id: OrderId | None = None,
        webhook_id: str | None = None,
    ) -> FailedOrder:
        """Build a failed order with its reason cut short and its broker error masked."""
        return cls(
            strategy_account_id=strategy_account_id,
            symbol=symbol,
            side=side,
            order_type=order_type,
            quantity=quantity,
            price=price,
            reason=sanitize(reason, REASON_LIMIT) or "",
            broker_error=sanitize(broker_error, BROKER_ERROR_LIMIT),
            order_params=dict(order_params),
            created_at=now,
            updated_at=now,
            order_id=order_id,
            webhook_id=webhook_id,
        )

    def check_retryable(self, *, retry_in_flight: bool) -> None:
        """Raise `RetryNotAllowed` unless a retry may be sent now."""
        if self.status is FailedOrderStatus.REMOVED:
            raise RetryNotAllowed("removed")
        if self.status is FailedOrderStatus.RESOLVED:
            raise RetryNotAllowed("resolved")
        if retry_in_flight:
            raise RetryNotAllowed("unconfirmed")
        if self.retry_count >= MAX_RETRIES:
            raise RetryNotAllowed("limit")

    def retry_key(self) -> str:
        """The idempotency key of the next attempt: stable per failed order and attempt."""
        return f"retry:{self.id}:{self.retry_count + 1}"

    def attempted(self, order_id: OrderId, now: datetime) -> None:
        """Count an attempt that reached the broker (accepted, refused or unanswered)."""
        self.retry_count += 1
        self.last_retry_order_id = order_id
        self.updated_at = now

    def resolve(self, now: datetime) -> None:
        """The retry reached the broker and was accepted: nothing is left to retry."""
        self.status = FailedOrderStatus.RESOLVED
        self.updated_at = now

    def refused_again(self, reason: str, broker_error: str | None, now: datetime) -> None:
        self.reason = sanitize(reason, REASON_LIMIT) or ""
        self.broker_error = sanitize(broker_error, BROKER_ERROR_LIMIT)
        self.updated_at = now

    def remove(self, now: datetime) -> None:
        """Hide from the default list; the row stays for audit."""
        self.status = FailedOrderStatus.REMOVED
        self.updated_at = now
