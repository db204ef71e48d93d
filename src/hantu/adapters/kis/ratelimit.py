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

An order may bring a deadline: the latest moment it may still be let out. If the queue ahead
means its turn would come later, it is refused at once (`NotSentRateLimited`) instead of
waiting in vain; if the wait runs past the deadline anyway, it is refused then. Either way
the request never left, so the order is definitively not at the broker.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from hantu.errors import NotSentRateLimited
from hantu.service_layer.ports import Clock

WINDOW_SECONDS = 1.0


@dataclass(slots=True)
class Slot:
    """One request's place in the window; `done_at` is None while it is in flight."""

    done_at: int | None = None
    taken_at: int = 0


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
        # A heap of (lane, rank, arrival): lane 0 = urgent; rank = deadline, else arrival time.
        self._queue: list[tuple[int, int, int]] = []
        self._arrivals = itertools.count()
        self._moved = asyncio.Event()  # set (and replaced) whenever the queue's head may change
        self._released = asyncio.Event()
        self._answer = 0  # a running estimate of how long an answer takes, in microseconds
        self.throttled = 0
        self.refused = 0  # requests refused because their deadline could not be met

    @property
    def per_second(self) -> int:
        return self._per_window

    @asynccontextmanager
    async def slot(
        self, *, urgent: bool = False, deadline: datetime | None = None
    ) -> AsyncIterator[Slot]:
        """Hold a slot for the duration of one request and its answer."""
        slot = await self.acquire(urgent=urgent, deadline=deadline)
        try:
            yield slot
        finally:
            self.release(slot)

    async def acquire(self, *, urgent: bool = False, deadline: datetime | None = None) -> Slot:
        """Wait until one more request fits in the window; `release` it once answered.

        Waiters are served urgent first, then earliest deadline first (an order's hashkey and
        the order itself, or its re-send after EGW00201, share one deadline, so an order that
        began does not starve behind orders that came after it), then in arrival order. With
        a `deadline`, raise `NotSentRateLimited` at once if the turn would come later, or when
        the wait reaches it.
        """
        now = self._micros()
        limit = None if deadline is None else self._micros(deadline)
        rank = now if limit is None else limit
        if limit is not None and urgent and self._turn_of_next_urgent(now, rank) > limit:
            self._refuse("the orders queued ahead would hold it past its deadline")
        ticket = (0 if urgent else 1, rank, next(self._arrivals))
        heapq.heappush(self._queue, ticket)
        try:
            while True:
                while self._queue[0] != ticket:
                    await self._until(self._moved, limit)
                now = self._micros()
                wait = self._wait_needed(now)
                if wait == 0:
                    slot = Slot(taken_at=now)
                    self._slots.append(slot)
                    return slot
                if limit is not None and (now >= limit or now + (wait or 0) > limit):
                    self._refuse("its turn did not come before its deadline")
                if wait is None:  # every slot is in flight: wait for an answer
                    self._released.clear()
                    await self._until(self._released, limit)
                else:  # an urgent request arriving meanwhile takes the head from us
                    await self._clock.sleep(wait / 1_000_000)
        finally:
            self._queue.remove(ticket)
            heapq.heapify(self._queue)
            self._head_may_have_changed()

    async def _until(self, event: asyncio.Event, limit: int | None) -> None:
        if limit is None:
            await event.wait()
            return
        try:
            await asyncio.wait_for(event.wait(), max(0, limit - self._micros()) / 1_000_000)
        except TimeoutError:
            self._refuse("its turn did not come before its deadline")

    def _refuse(self, why: str) -> NoReturn:
        self.refused += 1
        raise NotSentRateLimited(
            f"not sent: {why} ({self._per_window} requests per second)",
            per_second=self._per_window,
        )

    def _turn_of_next_urgent(self, now: int, rank: int) -> int:
        """When an urgent request of this rank would be let through, if every request ahead
        of it (those holding slots, the urgent ones queued before it) is answered as fast as
        usual."""
        window, hold = self._window, self._answer + self._window
        frees = [
            (max(now, s.taken_at + self._answer) if s.done_at is None else s.done_at) + window
            for s in self._slots
            if s.done_at is None or now - s.done_at < window
        ]
        heapq.heapify(frees)
        ahead = sum(1 for lane, other, _ in self._queue if lane == 0 and other <= rank)
        turn = max(now, self._blocked_until)
        for _ in range(ahead + 1):
            while len(frees) >= self._per_window:
                turn = max(turn, heapq.heappop(frees))
            heapq.heappush(frees, turn + hold)
        return turn

    def _head_may_have_changed(self) -> None:
        self._moved.set()
        self._moved = asyncio.Event()

    def release(self, slot: Slot) -> None:
        """The request's answer is back (or it failed): its window starts now."""
        if slot.done_at is None:
            slot.done_at = self._micros()
            self._answer = (3 * self._answer + slot.done_at - slot.taken_at) // 4
            self._released.set()

    def record(self) -> None:
        """Count a request that was sent without a slot of its own."""
        now = self._micros()
        self._slots.append(Slot(now, now))
        self._released.set()

    def penalize(self) -> None:
        """KIS answered EGW00201: hold every request back for a full window."""
        self.throttled += 1
        self._blocked_until = self._micros() + self._window

    def _micros(self, when: datetime | None = None) -> int:
        return ((when or self._clock.now()) - self._origin) // timedelta(microseconds=1)

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
