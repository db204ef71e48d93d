"""Start, stop, restart and look at the running monitor (web, API, CLI and the schedule).

One `MonitorControl` per process owns the monitor's running flag; every caller goes through
it, so the schedule and a person cannot both start it. `status()` reads the state of spec
002's diagram off the monitor's snapshot and its brokers' feeds (`derive_state`), never from a
copy kept here that could drift.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from hantu.domain.monitor_state import MonitorState
from hantu.domain.monitor_status import (
    FeedFacts,
    Protection,
    Subscriptions,
    derive_state,
    protection_of,
    subscriptions_of,
)
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.service_layer.monitor_ports import MonitorPositions, MonitorSnapshot
from hantu.service_layer.ports import Clock

log = logging.getLogger(__name__)


class MonitorEngine(Protocol):
    """The monitor itself (`ExitMonitor`)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def snapshot(self) -> MonitorSnapshot: ...


class FeedProbe(Protocol):
    """The realtime feeds behind the monitored accounts."""

    async def feeds(self, accounts: Iterable[StrategyAccountId]) -> list[FeedFacts]: ...

    async def streamed(self, account: StrategyAccountId, symbol: Symbol) -> bool:
        """Whether this symbol's trades flow in for this account's broker now."""
        ...

    async def wake(self, accounts: Iterable[StrategyAccountId]) -> None:
        """Wake sleeping feeds at once (a restart ends the sleep mode)."""
        ...

    async def disconnect(self) -> None:
        """Close every realtime session until `connect` (the close), reporting no failure."""
        ...

    async def connect(self) -> None:
        """Open again the sessions `disconnect` closed (an open, a person's start)."""
        ...


class Actor(StrEnum):
    SCHEDULE = "schedule"
    PERSON = "person"
    STARTUP = "startup"


OnChange = Callable[[bool, Actor], None]  # (running now, by whom); told synchronously


@dataclass(frozen=True, slots=True)
class PositionStatus:
    strategy_account_id: int
    symbol: str
    quantity: Decimal
    average_price: Decimal
    protection: Protection
    last_tick_age_s: float | None  # None: no tick seen yet
    best_bid: Decimal | None = None  # the book path's best bid (None: no book, or no bid)
    best_bid_age_s: float | None = None  # None: no book seen (not on the book path)
    refused: str | None = None  # KIS's answer when it refused to stream the symbol


@dataclass(frozen=True, slots=True)
class MonitorStatus:
    state: MonitorState
    running: bool
    subscriptions: Subscriptions
    positions: tuple[PositionStatus, ...]
    changed_at: datetime | None  # last start or stop
    changed_by: Actor | None
    halted: tuple[str, ...] = ()

    @property
    def subscribing(self) -> bool:
        return self.running and not self.subscriptions.complete


class MonitorControl:
    """Start / stop / restart / status over one engine; safe against concurrent callers."""

    def __init__(
        self,
        engine: MonitorEngine,
        probe: FeedProbe,
        positions: MonitorPositions,
        clock: Clock,
        on_change: OnChange | None = None,
    ) -> None:
        self._engine = engine
        self._on_change = on_change
        self._positions = positions
        self._probe = probe
        self._clock = clock
        self._running = False
        self._lock = asyncio.Lock()
        self._changed_at: datetime | None = None
        self._changed_by: Actor | None = None
        self._held = False  # a person stopped it: the schedule leaves it off this session

    @property
    def running(self) -> bool:
        return self._running

    @property
    def changed_at(self) -> datetime | None:
        return self._changed_at

    @property
    def stopped_by_person(self) -> bool:
        """A person stopped it this session (the schedule leaves it off until the next open)."""
        return self._held

    async def start(self, by: Actor = Actor.PERSON) -> MonitorStatus:
        async with self._lock:
            if not self._running:
                await self._probe.connect()
                await self._engine.start()
                self._mark(True, by)
        return await self.status()

    async def stop(self, by: Actor = Actor.PERSON) -> MonitorStatus:
        async with self._lock:
            if self._running:
                await self._engine.stop()
                self._mark(False, by)
            if by is Actor.PERSON:
                self._held = True
        return await self.status()

    async def end_session(self) -> None:
        """The close: stop (unsubscribe), disconnect the realtime sessions until the next
        start, and let go of a person's stop so the next open starts again. Exit orders
        still resting are settled by the fill waits' broker checks, fills of the closing
        auction by the reconciliation's REST sync, which does not wait for notices while
        the stream is down."""
        await self.stop(Actor.SCHEDULE)
        async with self._lock:
            if not self._running:  # unless a person started it again meanwhile
                await self._probe.disconnect()
        self._held = False

    async def restart(self, by: Actor = Actor.PERSON) -> MonitorStatus:
        """Stop, wake sleeping feeds (the way out of the sleep mode), start again."""
        async with self._lock:
            accounts = _accounts(self._engine.snapshot())
            if self._running:
                await self._engine.stop()
                self._running = False  # so a start that fails leaves it shown as stopped
            await self._probe.connect()
            await self._probe.wake(accounts)
            await self._engine.start()
            self._mark(True, by)
        return await self.status()

    def _mark(self, running: bool, by: Actor) -> None:
        self._running = running
        if running:
            self._held = False
        self._changed_at = self._clock.now()
        self._changed_by = by
        log.info("monitor %s by %s", "started" if running else "stopped", by.value)
        if self._on_change is not None:
            self._on_change(running, by)

    async def status(self) -> MonitorStatus:
        snapshot = self._engine.snapshot()
        running = self._running
        feeds = await self._probe.feeds(_accounts(snapshot)) if running else []
        now = self._clock.now()
        # Stopped, the engine forgets its positions; the open ones are listed, unprotected.
        watched = snapshot.positions if running else await self._positions.open_positions()
        positions = []
        for position in watched:
            streamed = running and await self._probe.streamed(
                position.strategy_account_id, position.symbol
            )
            last = snapshot.last_tick_at.get(position.symbol)
            bid = snapshot.best_bids.get(position.symbol) if running else None
            positions.append(
                PositionStatus(
                    strategy_account_id=int(position.strategy_account_id),
                    symbol=position.symbol.code,
                    quantity=position.quantity,
                    average_price=position.average_price,
                    protection=protection_of(running, streamed, position.symbol in snapshot.polled),
                    last_tick_age_s=_age(now, last),
                    best_bid=None if bid is None or bid.price <= 0 else bid.price,
                    best_bid_age_s=None if bid is None else _age(now, bid.at),
                    refused=snapshot.refused.get(position.symbol) if running else None,
                )
            )
        return MonitorStatus(
            state=derive_state(
                running, feeds, snapshot.placing, len(snapshot.paused), snapshot.awaiting_fill
            ),
            running=running,
            subscriptions=subscriptions_of(feeds),
            positions=tuple(positions),
            changed_at=self._changed_at,
            changed_by=self._changed_by,
            halted=tuple(sorted(s.code for s in snapshot.paused)),
        )


def _age(now: datetime, at: datetime | None) -> float | None:
    return None if at is None else max(0.0, (now - at).total_seconds())


def _accounts(snapshot: MonitorSnapshot) -> list[StrategyAccountId]:
    return sorted({p.strategy_account_id for p in snapshot.positions})
