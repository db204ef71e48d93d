"""The market calendar port: when KRX trades, so the monitor starts and stops on time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Session:
    """One trading day's regular session as aware instants."""

    day: date
    opens_at: datetime
    closes_at: datetime


class MarketCalendar(Protocol):
    def is_trading_day(self, day: date) -> bool: ...

    def session(self, day: date) -> Session | None:
        """The regular session on this day, None when the market is closed."""
        ...

    def is_open(self, at: datetime) -> bool: ...

    def next_open(self, at: datetime) -> datetime:
        """The first session opening strictly after `at`."""
        ...

    def next_close(self, at: datetime) -> datetime:
        """The first session close strictly after `at` (the current one while open)."""
        ...
