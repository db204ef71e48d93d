"""A bounded per-symbol buffer of the last minute of ticks (spec 002 §5.1, memory).

Bounded both by age and by count so a burst cannot grow memory; the age of the newest
tick tells the monitor whether a symbol's feed went quiet.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

DEFAULT_WINDOW = timedelta(minutes=1)
DEFAULT_CAP = 600


@dataclass(frozen=True, slots=True)
class BufferedTick:
    at: datetime
    price: Decimal
    volume: Decimal


class TickBuffer:
    """Ticks per symbol, oldest dropped first when older than the window or over the cap."""

    def __init__(self, window: timedelta = DEFAULT_WINDOW, cap: int = DEFAULT_CAP) -> None:
        if cap < 1:
            raise ValueError(f"cap must be at least 1, got {cap}")
        self._window = window
        self._cap = cap
        self._ticks: dict[str, deque[BufferedTick]] = {}

    def add(self, symbol: str, tick: BufferedTick) -> int:
        """Store a tick; return how many old ticks were dropped (for the cleanup log)."""
        ticks = self._ticks.setdefault(symbol, deque(maxlen=self._cap))
        dropped = 1 if len(ticks) == self._cap else 0
        ticks.append(tick)
        return dropped + self._expire(ticks, tick.at)

    def prune(self, now: datetime) -> int:
        """Drop ticks older than the window for every symbol; return how many went."""
        return sum(self._expire(ticks, now) for ticks in self._ticks.values())

    def _expire(self, ticks: deque[BufferedTick], now: datetime) -> int:
        cutoff = now - self._window
        dropped = 0
        while ticks and ticks[0].at < cutoff:
            ticks.popleft()
            dropped += 1
        return dropped

    def ticks(self, symbol: str) -> list[BufferedTick]:
        return list(self._ticks.get(symbol, ()))

    def last_tick_age(self, symbol: str, now: datetime) -> timedelta | None:
        ticks = self._ticks.get(symbol)
        return now - ticks[-1].at if ticks else None

    def forget(self, symbol: str) -> None:
        self._ticks.pop(symbol, None)

    def __len__(self) -> int:
        return sum(len(ticks) for ticks in self._ticks.values())
