"""When a fill the broker reports but no notice brought may be taken from the report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from hantu.domain.order import Order
from hantu.domain.reports import BrokerOrderReport
from hantu.domain.values import OrderId


@dataclass
class FillGaps:
    """Fill gaps earlier syncs saw, so a periodic sync closes a gap only once it has lasted.

    KIS notices carry no cumulative quantity, so a fill taken from the broker's report and
    the notice of that same fill, still on its way, would count twice. A gap (the broker
    reports more filled than we know) is closed from the report only when the same gap has
    outlived `patience`; a notice arrives within moments, a lost one never does. While the
    order's notice stream is down (`notices_since(strategy_account_id)` None) no notice can
    come, so `patience_while_down` applies instead and the broker's fills land at once. The
    same holds for an order sent before the stream's notices last began (at start-up, before
    the notice subscription's ack, or before a reconnect): it may have filled while none
    could be sent, and KIS never sends a missed notice again.
    """

    patience: timedelta
    first_seen: dict[tuple[OrderId, Decimal], datetime] = field(default_factory=dict)
    notices_since: Callable[[int], datetime | None] | None = None
    patience_while_down: timedelta = timedelta(0)

    def ripe(self, order: Order, report: BrokerOrderReport, now: datetime) -> bool:
        if report.filled_quantity <= order.filled_quantity:
            return True  # no fill to take: a state change (cancel, reject) applies at once
        first = self.first_seen.setdefault((order.id, report.filled_quantity), now)
        return now - first >= self._patience(order)

    def _patience(self, order: Order) -> timedelta:
        if self.notices_since is None:
            return self.patience
        since = self.notices_since(int(order.strategy_account_id))
        if since is None or order.created_at < since:
            return self.patience_while_down
        return self.patience

    def forget_except(self, open_ids: set[OrderId]) -> None:
        self.first_seen = {k: v for k, v in self.first_seen.items() if k[0] in open_ids}
