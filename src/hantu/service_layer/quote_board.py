"""A few seconds of memory for broker reads a page makes on every load.

KIS counts every request against one per-second budget (20 real, 2 paper) that orders
share, so a positions page reloaded by each live update must not ask for the balance and
every quote each time. Reads of one key are shared while in flight (a slow broker is asked
once, not once per waiting page) and answers are kept for `ttl` seconds of the clock.
A caller that stops waiting leaves the read running: its answer still lands in the board.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from hantu.service_layer.ports import Clock

T = TypeVar("T")


@dataclass
class QuoteBoard:
    """Short-lived answers by key; `ttl` in seconds (0 keeps nothing)."""

    ttl: float = 3.0
    _answers: dict[Hashable, tuple[datetime, Any]] = field(default_factory=dict)
    _reading: dict[Hashable, asyncio.Task[Any]] = field(default_factory=dict)

    async def read(
        self,
        key: Hashable,
        fetch: Callable[[], Awaitable[T]],
        clock: Clock,
        patience: float,
        *,
        ttl: float | None = None,
    ) -> T:
        """The answer of `fetch` under `key`: kept, shared or new. Raises TimeoutError after
        `patience` seconds, and whatever `fetch` raises; `ttl` overrides the board's."""
        kept = self._answers.get(key)
        if kept is not None and clock.now() < kept[0]:
            value: T = kept[1]
            return value
        task = self._reading.get(key)
        if task is None:
            keep = timedelta(seconds=self.ttl if ttl is None else ttl)
            task = asyncio.ensure_future(self._fetch(key, fetch, clock, keep))
            self._reading[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        return await asyncio.wait_for(asyncio.shield(task), max(patience, 0.0))

    async def _fetch(
        self, key: Hashable, fetch: Callable[[], Awaitable[T]], clock: Clock, keep: timedelta
    ) -> T:
        value = await fetch()
        now = clock.now()
        # Expired answers go as new ones come, so keys that are never asked again (old
        # holdings, sold symbols) cannot pile up.
        self._answers = {k: kept for k, kept in self._answers.items() if kept[0] > now}
        if keep > timedelta(0):
            self._answers[key] = (now + keep, value)
        return value

    def _finished(self, key: Hashable, task: asyncio.Task[Any]) -> None:
        if self._reading.get(key) is task:
            del self._reading[key]
        if not task.cancelled():
            with contextlib.suppress(Exception):
                task.exception()  # retrieved: an error nobody waited for is not an alarm

    def forget(self) -> None:
        """Drop every kept answer (a fill changed the holdings)."""
        self._answers.clear()
