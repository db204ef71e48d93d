"""The monitor on the KRX calendar: started at each trading day's open, stopped at its close.

Driven by the injected clock, in steps of at most `step` seconds, so a suspended machine or a
changed system time is noticed within a step and a fake clock can walk over a holiday. A
person's stop holds until the next open; a person's start outside the session runs until the
next close. `on_open` hears each start the schedule makes (the opening notice). At the close
the monitor unsubscribes (its stop unwatches every symbol), disconnects the realtime sessions
until the next start (a planned disconnect: no reconnect, no sleep-mode alert; fills of the
closing auction come by the REST sync and the exit fill waits' broker checks) and `on_close`
sends the day's summary, once per trading day.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from hantu.service_layer.calendar_ports import MarketCalendar
from hantu.service_layer.monitor_control import Actor, MonitorControl
from hantu.service_layer.ports import Clock

SEOUL = ZoneInfo("Asia/Seoul")
STEP_SECONDS = 60.0
OnClose = Callable[[date], Awaitable[None]]
OnOpen = Callable[[date], None]  # told synchronously; long work belongs in its own task
log = logging.getLogger(__name__)


class MonitorSchedule:
    """A supervised service: runs the monitor during KRX sessions only."""

    def __init__(
        self,
        control: MonitorControl,
        calendar: MarketCalendar,
        clock: Clock,
        on_close: OnClose,
        *,
        on_open: OnOpen | None = None,
        step: float = STEP_SECONDS,
    ) -> None:
        self._control = control
        self._calendar = calendar
        self._clock = clock
        self._on_close = on_close
        self._on_open = on_open
        self._step = step
        self.closed_days: list[date] = []  # the sessions closed (and summarised) so far

    async def run(self) -> None:
        while True:
            now = self._clock.now()
            if self._calendar.is_open(now):
                await self._session(now)
            else:
                opens = self._calendar.next_open(now)
                log.info("monitor waits for the KRX open at %s", opens.isoformat())
                await self._sleep_until(opens)

    async def _session(self, now: datetime) -> None:
        closes = self._calendar.next_close(now)
        if not self._control.stopped_by_person and not self._control.running:
            await self._control.start(Actor.SCHEDULE)
            if self._on_open is not None:
                self._on_open(closes.astimezone(SEOUL).date())
        await self._sleep_until(closes)
        await self._close(closes.astimezone(SEOUL).date())

    async def _close(self, day: date) -> None:
        log.info("KRX close: monitor unsubscribes, disconnects and stops")
        await self._control.end_session()
        if day in self.closed_days:
            return
        self.closed_days = [*self.closed_days[-9:], day]  # bounded: the last ten
        try:
            await self._on_close(day)
        except Exception:  # the summary must not keep the monitor from its next session
            log.exception("the daily summary of %s could not be sent", day)

    async def _sleep_until(self, when: datetime) -> None:
        while (left := (when - self._clock.now()).total_seconds()) > 0:
            await self._clock.sleep(min(left, self._step))


async def run_always(control: MonitorControl) -> None:
    """Without a schedule (the simulator trades around the clock): start once, keep running."""
    await control.start(Actor.STARTUP)
    await asyncio.Event().wait()
