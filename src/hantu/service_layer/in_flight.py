"""The orders this process is sending right now, so a repeated key can wait for the first
delivery's answer instead of answering "no answer yet" while the broker is still asked."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from hantu.domain.values import OrderId


class Sending:
    """One submit's handle: it announces its order once stored, and is done on leaving."""

    def __init__(self, registry: dict[OrderId, asyncio.Event], order_id: OrderId) -> None:
        self._registry = registry
        self._order_id = order_id
        self._done: asyncio.Event | None = None

    def announce(self) -> None:
        """Say this submit created the order (call before its commit makes it visible)."""
        self._done = self._registry.setdefault(self._order_id, asyncio.Event())

    def finish(self) -> None:
        if self._done is not None:
            self._registry.pop(self._order_id, None)
            self._done.set()


class InFlight:
    """One `asyncio.Event` per order this process created and is sending, set once its
    answer is stored (or the submit failed)."""

    def __init__(self) -> None:
        self._sending: dict[OrderId, asyncio.Event] = {}

    @contextmanager
    def sending(self, order_id: OrderId) -> Iterator[Sending]:
        """A submit of `order_id`; only the one that announces it sets the event on leaving."""
        handle = Sending(self._sending, order_id)
        try:
            yield handle
        finally:
            handle.finish()

    def first(self, order_id: OrderId) -> asyncio.Event | None:
        """The event of the submit here that created `order_id`, while it is being sent."""
        return self._sending.get(order_id)
