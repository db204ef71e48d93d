"""The in-process event bus: what must happen *after* a commit, without holding up the caller.

Use cases stay direct async calls that return results (a webhook answers within 3 s); the
unit of work hands the bus exactly the events it committed, once the commit returned. Each
matching handler then runs as its own task on the loop, so a slow handler delays no other
and the use case waits for none of them. A failing handler is logged with the event's name
and counted in `failures`; it never undoes or blocks what was committed. `drain()` waits for
the handlers still running (shutdown, tests).

What must not be lost across a crash does not belong here but in the outbox (see `outbox`),
written in the committing transaction itself; this bus is best effort by design.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar, cast

from hantu.domain.events import Event

log = logging.getLogger(__name__)

Handler = Callable[[Event], Awaitable[None]]
E = TypeVar("E", bound=Event)


class EventBus:
    """Subscribe handlers to event types (a handler of `OrderEvent` sees every order event);
    `publish` schedules them and returns at once."""

    def __init__(self) -> None:
        self._handlers: defaultdict[type[Event], list[Handler]] = defaultdict(list)
        self._running: set[asyncio.Task[None]] = set()
        self.handled: Counter[str] = Counter()  # event name -> handler runs that succeeded
        self.failures: Counter[str] = Counter()  # event name -> handler runs that raised

    def subscribe(self, event_type: type[E], handler: Callable[[E], Awaitable[None]]) -> None:
        """Run `handler` for every committed event of `event_type` or a subclass of it."""
        self._handlers[event_type].append(cast(Handler, handler))  # called with those only

    def handlers_for(self, event: Event) -> list[Handler]:
        return [h for cls in type(event).__mro__ for h in self._handlers.get(cls, ())]

    def publish(self, events: Iterable[Event]) -> None:
        """Schedule every handler of every event; the caller does not wait for them."""
        for event in events:
            for handler in self.handlers_for(event):
                task = asyncio.create_task(self._run(handler, event), name=f"on {event.name}")
                self._running.add(task)
                task.add_done_callback(self._running.discard)

    async def drain(self, grace: float | None = None) -> None:
        """Wait until no handler is running, including those scheduled by handlers; after
        `grace` seconds (shutdown) cancel the ones still running."""
        try:
            async with asyncio.timeout(grace):
                while self._running:
                    await asyncio.gather(*self._running, return_exceptions=True)
        except TimeoutError:
            log.warning("cancelling %s event handlers still running at shutdown", self.pending)
            for task in list(self._running):
                task.cancel()
            await asyncio.gather(*self._running, return_exceptions=True)

    @property
    def pending(self) -> int:
        return len(self._running)

    async def _run(self, handler: Handler, event: Event) -> None:
        try:
            await handler(event)
        except Exception:
            self.failures[event.name] += 1
            log.exception(
                "event handler %s failed on %s",
                getattr(handler, "__qualname__", handler),
                event.name,
            )
        else:
            self.handled[event.name] += 1
