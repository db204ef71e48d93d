"""A per-app-key request limiter: at most N requests in any sliding second (reference §5.1).

KIS counts requests per app key per second (20 real, 2 paper) and answers EGW00201 beyond
that, counting when a request *arrives*, which we cannot see. So a request holds its slot
from the moment it is let through until its answer is back, and the slot frees one
window later: the answer comes after the arrival, so N requests can never arrive within
one window, whatever the network and the event loop delay between our send and KIS's
count. After an EGW00201 the limiter holds everyone back for a whole window.

Orders go first: a request marked `urgent` (an order, or its hashkey) waits only behind
other urgent ones and the requests already sent, never behind queued reads. On a paper
account (2 requests/s) a background sync paging through the day's orders would otherwise
hold a webhook's order back for seconds, past TradingView's 3 s.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from hantu.service_layer.ports import Clock

WINDOW_SECONDS = 1.0


@dataclass(slots=True)
class Slot:
    """One request's place in the window; `done_at` is None while it is in flight."""

    done_at: int | None = None


class RateLimiter:
    """Paces requests for one app key; share one instance between every client of that key."""

    def __init__(self, clock: Clock, per_second: float, *, margin: float = 0.05) -> None:
        if per_second <= 0:
            raise ValueError("rate limit must be positive")
        self._clock = clock
        self._origin = clock.now()
        self._per_window = max(1, int(per_second))
        window = WINDOW_SECONDS * max(1.0, int(per_second) / per_second) + margin
        # Integer microseconds: float epoch seconds are too coarse to compare windows exactly.
        self._window = round(window * 1_000_000)
        self._slots: list[Slot] = []
        self._blocked_until = 0
        self._queue: list[tuple[int, int]] = []  # (lane, arrival): lane 0 = urgent, a heap
        self._arrivals = itertools.count()
        self._moved = asyncio.Event()  # set (and replaced) whenever the queue's head may change
        self._released = asyncio.Event()
        self.throttled = 0

    @property
    def per_second(self) -> int:
        return self._per_window

    @asynccontextmanager
    async def slot(self, *, urgent: bool = False) -> AsyncIterator[Slot]:
        """Hold a slot for the duration of one request and its answer."""
        slot = await self.acquire(urgent=urgent)
        try:
            yield slot
        finally:
            self.release(slot)

    async def acquire(self, *, urgent: bool = False) -> Slot:
        """Wait until one more request fits in the window; `release` it once answered.

        Waiters are served urgent first, then in arrival order."""
        ticket = (0 if urgent else 1, next(self._arrivals))
        heapq.heappush(self._queue, ticket)
        try:
            while True:
                while self._queue[0] != ticket:
                    await self._moved.wait()
                wait = self._wait_needed(self._micros())
                if wait == 0:
                    slot = Slot()
                    self._slots.append(slot)
                    return slot
                if wait is None:  # every slot is in flight: wait for an answer
                    self._released.clear()
                    await self._released.wait()
                else:  # an urgent request arriving meanwhile takes the head from us
                    await self._clock.sleep(wait / 1_000_000)
        finally:
            self._queue.remove(ticket)
            heapq.heapify(self._queue)
            self._head_may_have_changed()

    def _head_may_have_changed(self) -> None:
        self._moved.set()
        self._moved = asyncio.Event()

    def release(self, slot: Slot) -> None:
        """The request's answer is back (or it failed): its window starts now."""
        if slot.done_at is None:
            slot.done_at = self._micros()
            self._released.set()

    def record(self) -> None:
        """Count a request that was sent without a slot of its own."""
        self._slots.append(Slot(self._micros()))
        self._released.set()

    def penalize(self) -> None:
        """KIS answered EGW00201: hold every request back for a full window."""
        self.throttled += 1
        self._blocked_until = self._micros() + self._window

    def _micros(self) -> int:
        return (self._clock.now() - self._origin) // timedelta(microseconds=1)

    def _wait_needed(self, now: int) -> int | None:
        if now < self._blocked_until:
            return self._blocked_until - now
        if len(self._slots) < self._per_window:
            return 0  # fewer slots than the limit even counting expired ones: no need to prune
        window = self._window
        self._slots = [s for s in self._slots if s.done_at is None or now - s.done_at < window]
        if len(self._slots) < self._per_window:
            return 0
        done = [s.done_at for s in self._slots if s.done_at is not None]
        return min(done) + window - now if done else None


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
