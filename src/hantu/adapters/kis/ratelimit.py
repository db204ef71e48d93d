"""A per-app-key request limiter: at most N requests in any sliding second (reference §5.1).

KIS counts requests per app key per second (20 real, 2 paper) and answers EGW00201 beyond
that. A sliding log of send times keeps every one-second window under the limit, whichever
way the server aligns its windows; a small margin absorbs network jitter between our send
time and its arrival time. After an EGW00201 the limiter holds everyone back for a whole
window.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque
from datetime import timedelta

from hantu.service_layer.ports import Clock

WINDOW_SECONDS = 1.0


class RateLimiter:
    """Paces requests for one app key; share one instance between every client of that key."""

    def __init__(self, clock: Clock, per_second: float, *, margin: float = 0.1) -> None:
        if per_second <= 0:
            raise ValueError("rate limit must be positive")
        self._clock = clock
        self._origin = clock.now()
        self._per_window = max(1, int(per_second))
        window = WINDOW_SECONDS * max(1.0, int(per_second) / per_second) + margin
        # Integer microseconds: float epoch seconds are too coarse to compare windows exactly.
        self._window = round(window * 1_000_000)
        self._sent: deque[int] = deque()
        self._blocked_until = 0
        self._lock = asyncio.Lock()
        self.throttled = 0

    @property
    def per_second(self) -> int:
        return self._per_window

    async def acquire(self) -> None:
        """Wait until one more request fits in the window, then count it as sent."""
        async with self._lock:
            while True:
                now = self._micros()
                wait = self._wait_needed(now)
                if wait <= 0:
                    self._sent.append(now)
                    return
                await self._clock.sleep(wait / 1_000_000)

    def _micros(self) -> int:
        return (self._clock.now() - self._origin) // timedelta(microseconds=1)

    def _wait_needed(self, now: int) -> int:
        if now < self._blocked_until:
            return self._blocked_until - now
        while self._sent and now - self._sent[0] >= self._window:
            self._sent.popleft()
        if len(self._sent) < self._per_window:
            return 0
        return self._sent[0] + self._window - now

    def penalize(self) -> None:
        """KIS answered EGW00201: hold every request back for a full window."""
        self.throttled += 1
        self._blocked_until = self._micros() + self._window


class RateLimiters:
    """One limiter per app key in this process, so every client of a key shares its budget."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._by_key: dict[str, RateLimiter] = {}

    def for_key(self, app_key: str, per_second: float) -> RateLimiter:
        """The limiter of an app key (created on first use with this rate)."""
        digest = hashlib.sha256(app_key.encode()).hexdigest()
        limiter = self._by_key.get(digest)
        if limiter is None:
            limiter = self._by_key[digest] = RateLimiter(self._clock, per_second)
        return limiter
