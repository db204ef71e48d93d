"""Ports of the ALERT-mode use cases: the alert store, the quote and the order submitter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from hantu.domain.alerts import Alert, AlertId, AlertStatus
from hantu.domain.events import Event
from hantu.domain.order import OrderRequest
from hantu.service_layer.webhooks import AccountResult


class AlertStore(Protocol):
    async def add(self, alert: Alert) -> tuple[Alert, bool]:
        """Insert, or return the alert already stored under its idempotency key (False)."""
        ...

    async def get(self, alert_id: AlertId) -> Alert | None: ...

    async def claim(
        self, alert_id: AlertId, user_id: int, now: datetime, order_id: str | None = None
    ) -> Alert | None:
        """ONE conditional UPDATE PENDING→APPROVING (not expired, this user's), linking the
        order about to be placed (so its fill notice finds the alert at once); the claimed
        alert, or None when another press, the sweeper or a rejection came first."""
        ...

    async def decide(self, alert_id: AlertId, source: AlertStatus, alert: Alert) -> Alert | None:
        """Write `alert`'s decision if the row is still in `source`; None when it is not."""
        ...

    async def due(self, now: datetime) -> list[Alert]: ...

    async def pending_for(self, user_id: int) -> list[Alert]: ...

    async def decided_for(self, user_id: int, limit: int) -> list[Alert]: ...

    async def set_message(self, alert_id: AlertId, chat_id: int, message_id: int) -> None: ...

    async def set_second_message(self, alert_id: AlertId, message_id: int) -> int | None:
        """Remember the question asked again after a price move; the one it replaces."""
        ...

    async def pop_second_message(self, alert_id: AlertId) -> int | None:
        """Take (and forget) the question asked again; None when there is none (any more)."""
        ...

    async def set_fill_line(self, alert_id: AlertId, line: str) -> bool:
        """Store the fill line its message shows; False when it showed that line already."""
        ...

    async def awaiting_follow_up(self, decided_before: datetime, since: datetime) -> list[Alert]:
        """Executed alerts with an order, decided in (since, decided_before], whose fill
        follow-up is not done."""
        ...

    async def mark_followed_up(self, alert_id: AlertId, now: datetime) -> bool:
        """Record the follow-up once; False when it was recorded already."""
        ...

    async def by_order(self, order_id: str) -> Alert | None:
        """The alert whose approval placed this order."""
        ...


Quote = Callable[[int, str], Awaitable[Decimal | None]]
"""(strategy account id, symbol) → the current price, or None when it cannot be read."""

Submit = Callable[[OrderRequest, str | None], Awaitable[AccountResult]]
"""The one order pipeline (webhooks' `SubmitFn`)."""

Publish = Callable[[Iterable[Event]], None]
