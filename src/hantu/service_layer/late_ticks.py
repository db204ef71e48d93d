"""The alarm for trades that arrive very late (spec 002: more than 5 s is alerted).

A tick 5 s old means every stop-loss of its symbol is judged on a stale price, so a person
is told at once (a high-priority notice). A slow feed stays slow for a while: one notice per
symbol per `ALARM_EVERY`, kept here, and a dedupe key naming the window it fell in, so a
redelivery or a restart within it tells nothing twice. The monitor calls `check` from its
synchronous tick callback; the telling runs in a task so the realtime loop never waits.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Protocol

from hantu.domain.values import Symbol

ALARM_EVERY = timedelta(minutes=5)
LATE = timedelta(seconds=1)  # spec 002: a tick later than this is logged
VERY_LATE = timedelta(seconds=5)  # ... and later than this is alerted
LATE_LOG_EVERY = timedelta(minutes=1)  # per symbol, so a slow feed does not flood the log
log = logging.getLogger(__name__)


class LateTickNotifier(Protocol):
    async def tick_late(self, symbol: Symbol, delay: timedelta, key: str) -> None:
        """Tell that the trades of `symbol` arrive `delay` late; once per `key`."""
        ...


def window_key(symbol: Symbol, now: datetime, every: timedelta = ALARM_EVERY) -> str:
    """`005930:2026-12-02T09:05:00+00:00`: the symbol and the start of `now`'s window."""
    step = int(every.total_seconds())
    start = int(now.timestamp()) // step * step
    return f"{symbol.code}:{datetime.fromtimestamp(start, now.tzinfo).isoformat()}"


class LateTickAlarm:
    """At most one late-tick notice per symbol per `every`."""

    def __init__(self, notifier: LateTickNotifier | None, every: timedelta = ALARM_EVERY) -> None:
        self._notifier = notifier
        self._every = every
        self._told: dict[Symbol, datetime] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def check(self, symbol: Symbol, delay: timedelta, now: datetime) -> bool:
        """Tell about a very late tick unless this symbol was told within `every`; True
        when a notice was started."""
        told = self._told.get(symbol)
        if self._notifier is None or (told is not None and now - told < self._every):
            return False
        self._told[symbol] = now
        telling = self._tell(self._notifier, symbol, delay, window_key(symbol, now, self._every))
        task = asyncio.create_task(telling, name=f"late ticks {symbol}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _tell(
        self, notifier: LateTickNotifier, symbol: Symbol, delay: timedelta, key: str
    ) -> None:
        try:
            await notifier.tick_late(symbol, delay, key)
        except Exception:  # a failed notice must not break the tick callback's loop
            log.exception("could not tell that the ticks of %s arrive late", symbol)

    async def drain(self) -> None:
        """Wait for notices still being told (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


class TickLag:
    """Judges each tick's delay: over `LATE` a log line (once a minute per symbol), over
    `VERY_LATE` an ERROR line and the alarm's notice."""

    def __init__(self, alarm: LateTickAlarm) -> None:
        self.alarm = alarm
        self._logged: dict[Symbol, datetime] = {}

    def check(self, symbol: Symbol, at: datetime, now: datetime) -> None:
        lag = now - at
        if lag <= LATE:
            return
        if lag > VERY_LATE:
            self.alarm.check(symbol, lag, now)
        logged = self._logged.get(symbol)
        if logged is not None and now - logged < LATE_LOG_EVERY:
            return
        self._logged[symbol] = now
        level = logging.ERROR if lag > VERY_LATE else logging.WARNING
        log.log(level, "tick of %s arrived %.1f s late", symbol, lag.total_seconds())
