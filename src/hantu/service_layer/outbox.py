"""The durable outbox: work that must survive a crash, delivered at least once.

How an entry is born: either a use case calls `uow.outbox.add(kind, dedupe_key, payload)`,
or a committed event matches a rule registered in `DurableEvents` (event type -> outbox
message). Both are written by the unit of work in the very transaction that commits the
change, so a crash loses neither the change nor its consequence, and gets neither alone.

How it is delivered: an `OutboxRelay` claims due entries of the kinds it has consumers for,
hands each to its consumer, and marks it delivered; a failure is recorded (masked) and the
entry retried with backoff, and after `max_attempts` it is `dead` (undeliverable, for a
person to see). Delivery is at least once: a relay killed between delivering and marking
delivers that entry again after its lease ends; consumers use the dedupe key to make the
repeat harmless where the far side allows it.

Several processes on PostgreSQL: each kind is consumed by one role (whichever processes run
a relay for it); claims skip rows another relay holds, and a claim is a lease, so two relays
never deliver one entry at the same time. A NOTIFY sent inside the committing transaction
wakes the relays at once; the poll interval is the backstop that catches a missed notify.
On SQLite everything runs in one process and the unit of work wakes the relay directly.

An event another process must act on travels the same way: a rule turns it into an entry of
a kind that process's relay consumes (one kind per consuming role). What is not provided is
fan-out of one event to *every* process of a role; that would read the `events` rows named
by a NOTIFY, and must not page by id alone (ids are taken at insert, not at commit).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol, TypeVar, cast

from hantu.domain.events import Event
from hantu.domain.masking import sanitize
from hantu.service_layer.lanes import Lanes
from hantu.service_layer.ports import Clock

log = logging.getLogger(__name__)

ERROR_LIMIT = 500  # characters of the last error kept (masked)
KIND_LIMIT, KEY_LIMIT = 64, 200


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """An entry to write: `kind` picks the consumer, `dedupe_key` makes a repeat a no-op."""

    kind: str
    dedupe_key: str
    payload: Mapping[str, Any]

    def __post_init__(self) -> None:
        # The columns' limits, checked here so both databases refuse alike, and before the
        # commit rather than by it.
        if not 0 < len(self.kind) <= KIND_LIMIT:
            raise ValueError(f"outbox kind must be 1-{KIND_LIMIT} characters: {self.kind!r}")
        if not 0 < len(self.dedupe_key) <= KEY_LIMIT:
            raise ValueError(f"outbox dedupe key must be 1-{KEY_LIMIT} characters")


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A claimed entry, as handed to its consumer (`attempts` counts this one)."""

    id: int
    kind: str
    dedupe_key: str
    payload: Mapping[str, Any]
    attempts: int
    created_at: datetime


class Undeliverable(Exception):
    """Raised by a consumer for an entry no retry can deliver (nobody to send it to): the
    relay marks it dead at once, with this message as its (masked) last error."""


class OutboxConsumer(Protocol):
    """Delivers entries of one kind. It may also define `async lane(entry) -> str`: entries
    of one lane (one chat) are delivered in order, lanes concurrently; without it every
    entry of the kind shares one lane."""

    async def deliver(self, entry: OutboxEntry) -> None:
        """Deliver the entry or raise; raising schedules a retry."""
        ...


class OutboxStore(Protocol):
    """The relay's side of the outbox table."""

    async def claim(
        self,
        kinds: Sequence[str],
        now: datetime,
        lease_until: datetime,
        limit: int,
        *,
        exclude: Collection[int] = (),
    ) -> list[OutboxEntry]:
        """Take due pending entries, hiding them from other relays until `lease_until`;
        never those in `exclude` (the caller is still delivering them)."""
        ...

    async def delivered(self, entry: OutboxEntry, now: datetime) -> None: ...

    async def failed(self, entry: OutboxEntry, error: str, retry_at: datetime | None) -> None:
        """Record the (masked) error; retry at `retry_at`, or mark dead when it is None."""
        ...

    async def release(self, entries: Sequence[OutboxEntry], now: datetime) -> None:
        """Give back claimed entries not attempted after all: due now, attempt uncounted."""
        ...


class Listener(Protocol):
    """Sets the relay's wake when another process commits entries (PostgreSQL LISTEN)."""

    async def run(self) -> None: ...


Rule = Callable[[Event], OutboxMessage | None]
E = TypeVar("E", bound=Event)


class Wake:
    """Wakes a waiting relay early: set by the unit of work after a commit that wrote
    entries, and on PostgreSQL by a NOTIFY from any process. One per relay: a wake set
    while its relay is busy stays set for that relay's next wait."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait(self, seconds: float) -> bool:
        """True when woken, False when `seconds` passed first."""
        try:
            async with asyncio.timeout(seconds):
                await self._event.wait()
        except TimeoutError:
            return False
        finally:
            self._event.clear()
        return True


@dataclass
class DurableEvents:
    """Which committed events become outbox entries, and the wake for their relay.

    Rules run inside the commit, so one that raises fails the commit: keep them pure
    mappings from an event to a message."""

    _rules: defaultdict[type[Event], list[Rule]] = field(default_factory=lambda: defaultdict(list))
    _wakes: list[Wake] = field(default_factory=list)

    def new_wake(self) -> Wake:
        """A wake for one relay of this process, set by every commit that wrote entries."""
        wake = Wake()
        self._wakes.append(wake)
        return wake

    def wake_all(self) -> None:
        for wake in self._wakes:
            wake.set()

    def register(self, event_type: type[E], rule: Callable[[E], OutboxMessage | None]) -> None:
        """Write `rule(event)` (unless None) for every event of `event_type` or a subclass."""
        self._rules[event_type].append(cast(Rule, rule))  # called with `event_type`s only

    def messages_for(self, events: Iterable[Event]) -> list[OutboxMessage]:
        messages = []
        for event in events:
            for cls in type(event).__mro__:
                for rule in self._rules.get(cls, ()):
                    message = rule(event)
                    if message is not None:
                        messages.append(message)
        return messages


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff between attempts: `first` seconds, doubling up to `longest`."""

    max_attempts: int = 8
    first: float = 5.0
    longest: float = 300.0

    def retry_at(self, attempts: int, now: datetime) -> datetime | None:
        if attempts >= self.max_attempts:
            return None
        return now + timedelta(seconds=min(self.first * 2 ** (attempts - 1), self.longest))


class OutboxRelay:
    """Claims due entries of its kinds and hands each to its consumer."""

    def __init__(
        self,
        store: OutboxStore,
        consumers: Mapping[str, OutboxConsumer],
        clock: Clock,
        wake: Wake,
        *,
        poll_interval: float = 5.0,
        lease: float = 60.0,
        batch: int = 50,
        retry: RetryPolicy | None = None,
        listener: Listener | None = None,
    ) -> None:
        self._store = store
        self._consumers = dict(consumers)
        self._clock = clock
        self._wake = wake
        self._poll_interval = poll_interval
        self._lease = lease
        self._batch = batch
        self._retry = retry or RetryPolicy()
        self._listener = listener
        self._lanes = Lanes("outbox")
        # Claimed and not finished: even if the lease runs out (a clock that jumps), this
        # relay does not claim them again while its own delivery may still succeed.
        self._in_flight: set[int] = set()

    async def run_once(self) -> int:
        """Deliver what is due now, oldest first, and wait for it; return how many entries
        were claimed."""
        claimed = await self._claim_and_start()
        await self._lanes.join()
        return claimed

    async def run(self) -> None:
        """Deliver until cancelled (with the listener, if any, running alongside)."""
        try:
            if self._listener is None:
                await self._relay()
                return
            async with asyncio.TaskGroup() as group:
                group.create_task(self._listener.run())
                group.create_task(self._relay())
        finally:
            await self._lanes.aclose()

    async def _relay(self) -> None:
        # After each pass, wait for a wake or the poll interval, unless the batch was full.
        # A pass does not wait for its deliveries: a lane still busy (a chat that hangs)
        # keeps its entries leased while the next pass serves every other lane.
        while True:
            try:
                claimed = await self._claim_and_start()
            except Exception:
                log.exception("outbox relay pass failed; will retry")
                claimed = 0
            if claimed == 0 or self._lanes.pending >= self._batch:
                await self._wake.wait(self._poll_interval)

    async def _claim_and_start(self) -> int:
        room = self._batch - self._lanes.pending
        if room <= 0:
            return 0
        now = self._clock.now()
        entries = await self._store.claim(
            list(self._consumers),
            now,
            now + timedelta(seconds=self._lease),
            room,
            exclude=self._in_flight,
        )
        # Every entry is delivered within half the lease, so none is still being delivered
        # when another relay may claim it again; one whose lane is too busy to reach it in
        # time goes back. Lanes (chats) run side by side, each in claim order.
        deadline = asyncio.get_running_loop().time() + self._lease / 2
        for entry in entries:
            self._in_flight.add(entry.id)
            lane = await self._lane_of(entry)
            self._lanes.submit((entry.kind, lane), partial(self._in_lane, entry, deadline))
        return len(entries)

    async def _lane_of(self, entry: OutboxEntry) -> str:
        lane = getattr(self._consumers[entry.kind], "lane", None)
        if lane is None:
            return ""
        try:
            return str(await lane(entry))
        except Exception:
            log.exception(
                "outbox %s #%s: no lane; delivering in the common one", entry.kind, entry.id
            )
            return ""

    async def _in_lane(self, entry: OutboxEntry, deadline: float) -> None:
        try:
            budget = deadline - asyncio.get_running_loop().time()
            if budget < self._lease / 4:
                await self._store.release([entry], self._clock.now())
                return
            await self._deliver(entry, budget)
        finally:
            self._in_flight.discard(entry.id)

    async def _deliver(self, entry: OutboxEntry, budget: float) -> None:
        try:
            async with asyncio.timeout(budget):
                await self._consumers[entry.kind].deliver(entry)
        except Exception as exc:
            error = sanitize(f"{type(exc).__name__}: {exc}", ERROR_LIMIT) or type(exc).__name__
            retry_at = self._retry.retry_at(entry.attempts, self._clock.now())
            if isinstance(exc, Undeliverable):
                error, retry_at = sanitize(str(exc), ERROR_LIMIT) or error, None
            log.warning(
                "outbox %s #%s attempt %s failed%s: %s",
                entry.kind,
                entry.id,
                entry.attempts,
                "" if retry_at else " for the last time",
                error,
            )
            await self._store.failed(entry, error, retry_at)
        else:
            await self._store.delivered(entry, self._clock.now())
