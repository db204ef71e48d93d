"""Live changes between processes on PostgreSQL: NOTIFY what this process committed, LISTEN
for what the others did, over one dedicated connection.

Every process on PostgreSQL (web, worker, monitor, CLI) sends, after each commit its bus
publishes, the small `LiveChange`s of those events on `hantu_live`, batched into payloads
under PostgreSQL's 8000-byte limit and tagged with this process's origin; a web process
hands every change from another origin to its live feed, which makes the very notices its
own bus would have made (its own come back tagged with its origin and are dropped).

A notice is only a hint; the database stays the truth, and a page told to resync reloads it.
So when this connection was lost, receivers are told to resync (changes may have passed
unheard), and a sender that lost changes on the way says so with a `gap` payload.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Callable, Coroutine
from typing import Any, Final

import asyncpg
from sqlalchemy import URL

from hantu.adapters.db.pg_listen import keep_listening, listening
from hantu.domain.events import Event
from hantu.service_layer.live_changes import LIVE_EVENTS, LiveChange, describe
from hantu.service_layer.messagebus import EventBus

log = logging.getLogger(__name__)

CHANNEL: Final = "hantu_live"
APPLICATION_NAME: Final = "hantu-live-channel"  # how the connection shows in pg_stat_activity
WHAT = "live channel"
MAX_PAYLOAD: Final = 7900  # bytes; PostgreSQL refuses a NOTIFY payload of 8000 or more
MAX_PENDING: Final = 10_000  # changes waiting to be sent; beyond this they are dropped (gap)
_NOTIFY: Final = "SELECT pg_notify($1, $2)"

Receiver = Callable[[LiveChange], Coroutine[Any, Any, None]]
Gap = Callable[[], None]


class PgLiveChannel:
    """`attach(bus)` to send, `deliver_to(...)` to receive, `run()` until cancelled."""

    def __init__(self, url: URL, *, origin: str | None = None, reconnect_delay: float = 1.0):
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.origin = origin or secrets.token_hex(8)
        self._reconnect_delay = reconnect_delay
        self._pending: list[LiveChange] = []
        self._wake = asyncio.Event()
        self._dropped = False  # changes were lost before they were sent: send a gap
        self._receivers: list[tuple[Receiver, Gap]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._listened = False  # a LISTEN was in place before (a reconnect may have missed some)
        self.listening = asyncio.Event()
        self.sent = 0  # payloads sent (for tests and the bench)

    def attach(self, bus: EventBus) -> None:
        for event_type in LIVE_EVENTS:
            bus.subscribe(event_type, self.on_event)

    def deliver_to(self, receiver: Receiver, gap: Gap) -> None:
        """Hand other processes' changes to `receiver`; call `gap` when some may be lost."""
        self._receivers.append((receiver, gap))

    async def on_event(self, event: Event) -> None:
        change = describe(event)
        if change is None:
            return
        if len(self._pending) >= MAX_PENDING:
            self._dropped = True
            return
        self._pending.append(change)
        self._wake.set()

    async def run(self) -> None:
        # pages resync once we are back
        await keep_listening(self._session, self.listening, self._reconnect_delay, WHAT)

    async def _session(self) -> None:
        async with listening(self._dsn, APPLICATION_NAME, CHANNEL, self._on_notify) as session:
            if self._listened:
                self._gap()  # whatever others committed while we were not listening
            self._listened = True
            self.listening.set()
            await self._send_until_lost(*session)

    async def _send_until_lost(self, connection: asyncpg.Connection, lost: asyncio.Event) -> None:
        while not lost.is_set():
            if not self._pending and not self._dropped:
                await _first_of(self._wake, lost)
                continue
            self._wake.clear()
            batch, self._pending = self._pending, []
            payloads = _payloads(self.origin, batch, gap=self._dropped)
            self._dropped = True  # until every payload is out
            for payload in payloads:
                await connection.execute(_NOTIFY, CHANNEL, payload)
                self.sent += 1
            self._dropped = False

    def _on_notify(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            body = json.loads(payload)
        except ValueError:
            return
        if not isinstance(body, dict) or body.get("o") == self.origin:
            return
        if body.get("gap") is True:
            self._gap()
        changes = body.get("c")
        for data in changes if isinstance(changes, list) else ():
            change = LiveChange.from_dict(data)
            if change is None:
                continue
            for receiver, _gap in self._receivers:
                task = asyncio.create_task(receiver(change), name=f"live {change.event}")
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    def _gap(self) -> None:
        for _receiver, gap in self._receivers:
            gap()


async def _first_of(*events: asyncio.Event) -> None:
    """Wait until one of `events` is set; leave no waiter behind, even when cancelled."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)


def _payloads(origin: str, changes: list[LiveChange], *, gap: bool) -> list[str]:
    """JSON payloads of at most MAX_PAYLOAD bytes, the changes in their order."""
    head: dict[str, Any] = {"o": origin, **({"gap": True} if gap else {})}
    payloads: list[str] = []
    batch: list[dict[str, Any]] = []
    size = len(_encode({**head, "c": []}))
    for change in changes:
        item = change.as_dict()
        item_size = len(_encode(item)) + 1  # and its comma
        if batch and size + item_size > MAX_PAYLOAD:
            payloads.append(_encode({**head, "c": batch}))
            head, batch = {"o": origin}, []
            size = len(_encode({**head, "c": []}))
        batch.append(item)
        size += item_size
    if batch or gap:
        payloads.append(_encode({**head, "c": batch}))
    return payloads


def _encode(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=True, separators=(",", ":"))
