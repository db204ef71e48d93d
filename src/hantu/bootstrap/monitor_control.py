"""The monitor's control and schedule wired to the application: feeds read off each
account's `KisBroker`, the KRX calendar, the daily summary through the notification service,
and the local admin token the CLI presents over loopback."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from hantu.adapters.db.day_results import SqlDayResults
from hantu.adapters.db.engine import Database
from hantu.adapters.db.monitor_positions import SqlMonitorPositions
from hantu.adapters.kis.broker import KisBroker
from hantu.adapters.kis.realtime_types import State
from hantu.adapters.kis.websocket import KisRealtimeClient
from hantu.adapters.krx_calendar import KrxCalendar
from hantu.adapters.local_token import write_local_token
from hantu.config import KisEnvironment, Settings
from hantu.domain.errors import HantuError
from hantu.domain.monitor_status import FeedFacts, FeedState
from hantu.domain.notifications import EventKind, Notification, Recipient
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.service_layer.exit_monitor import ExitMonitor
from hantu.service_layer.monitor_control import Actor, MonitorControl
from hantu.service_layer.monitor_notices import (
    send_daily_summary,
    send_opening_notice,
    send_stopped_notice,
)
from hantu.service_layer.monitor_schedule import MonitorSchedule, run_always
from hantu.service_layer.ports import BrokerDirectory, Clock
from hantu.service_layer.symbol_names import SymbolNames

from .brokers import MadeBrokers
from .notifications import Notifications
from .supervisor import Service

_FEED_STATE = {
    State.IDLE: FeedState.IDLE,
    State.CONNECTING: FeedState.CONNECTING,
    State.CONNECTED: FeedState.CONNECTED,
    State.BACKING_OFF: FeedState.BACKING_OFF,
    State.SLEEPING: FeedState.SLEEPING,
    State.CLOSED: FeedState.CLOSED,
}
STARTED = EventKind.MONITORING_STARTED
STOPPED = EventKind.MONITORING_STOPPED
SEOUL = ZoneInfo("Asia/Seoul")
OPENING_WAIT_SECONDS = 30.0
OPENING_POLL_SECONDS = 0.5
NOTICE_GRACE_SECONDS = 5.0
log = logging.getLogger(__name__)


class BrokerFeeds:
    """The `FeedProbe` port over the KIS brokers; test brokers without a stream have none."""

    def __init__(self, brokers: BrokerDirectory) -> None:
        self._brokers = brokers

    async def _broker(self, account: StrategyAccountId) -> KisBroker | None:
        try:
            broker = await self._brokers.broker_for(int(account))
        except HantuError:
            return None
        return broker if isinstance(broker, KisBroker) and broker.realtime else None

    async def _streams(self, accounts: Iterable[StrategyAccountId]) -> list[KisRealtimeClient]:
        found: dict[int, KisRealtimeClient] = {}
        for account in accounts:
            broker = await self._broker(account)
            if broker is not None and broker.realtime is not None:
                found[id(broker.realtime)] = broker.realtime
        return list(found.values())

    async def feeds(self, accounts: Iterable[StrategyAccountId]) -> list[FeedFacts]:
        facts = []
        for realtime in await self._streams(accounts):
            wanted = set(realtime.subscriptions)
            facts.append(
                FeedFacts(
                    _FEED_STATE[realtime.state], len(wanted), len(wanted & realtime.acknowledged)
                )
            )
        return facts

    async def streamed(self, account: StrategyAccountId, symbol: Symbol) -> bool:
        broker = await self._broker(account)
        if broker is None or broker.realtime is None:
            return False
        trades = broker.rest.profile.symbol_tr_ids[0]
        return broker.realtime.receiving(trades, symbol.code)

    async def wake(self, accounts: Iterable[StrategyAccountId]) -> None:
        for realtime in await self._streams(accounts):
            realtime.wake()

    async def disconnect(self) -> None:
        """Suspend every broker's stream (each drains its unsubscribes first)."""
        await asyncio.gather(*(realtime.suspend() for realtime in self._every_stream()))

    async def connect(self) -> None:
        for realtime in self._every_stream():
            realtime.resume()

    def _every_stream(self) -> list[KisRealtimeClient]:
        made = self._brokers.made() if isinstance(self._brokers, MadeBrokers) else []
        return [b.realtime for b in made if isinstance(b, KisBroker) and b.realtime is not None]


class SummaryToNotifications:
    """The `SummaryNotifier` port: the day's summary (or the opening notice, by `kind`)
    through the notification service, once per user and key."""

    def __init__(
        self, notifications: Notifications | None, kind: EventKind = EventKind.DAILY_SUMMARY
    ) -> None:
        self._notifications = notifications
        self._kind = kind

    async def tell(self, user_id: int, key: str, title: str, body: str) -> None:
        if self._notifications is None:
            log.info("daily summary of user %s: no notifications configured", user_id)
            return
        notification = Notification.of(self._kind, Recipient(str(user_id)), title, body, key)
        await self._notifications.service.notify(notification)


class OpeningNotice:
    """At the open, once the subscriptions are acked (or after a while anyway), tell each
    holder that the monitor protects them. Real-time waits: a scheduler tick, not domain time."""

    def __init__(
        self,
        control: MonitorControl,
        results: SqlDayResults,
        notifier: SummaryToNotifications,
        notices: Notices,
    ) -> None:
        self._control = control
        self._results = results
        self._notifier = notifier
        self._notices = notices

    def tell(self, day: date) -> None:
        self._notices.spawn(self._tell(day), "hantu:monitor-opening-notice")

    async def _tell(self, day: date) -> None:
        status = await self._control.status()
        for _ in range(int(OPENING_WAIT_SECONDS / OPENING_POLL_SECONDS)):
            if status.subscriptions.complete or not status.running:
                break
            await asyncio.sleep(OPENING_POLL_SECONDS)
            status = await self._control.status()
        subs = status.subscriptions
        try:
            await send_opening_notice(self._results, self._notifier, day, subs.done, subs.total)
        except Exception:
            log.exception("the opening notice of %s could not be sent", day)


class StopWarning:
    """When a person stops the monitor, warn every holder (from a task: the control tells
    synchronously)."""

    def __init__(
        self,
        results: SqlDayResults,
        notifier: SummaryToNotifications,
        clock: Clock,
        notices: Notices,
    ) -> None:
        self._results = results
        self._notifier = notifier
        self._clock = clock
        self._notices = notices

    def changed(self, running: bool, by: Actor) -> None:
        if not running and by is Actor.PERSON:
            self._notices.spawn(self._warn(), "hantu:monitor-stop-warning")

    async def _warn(self) -> None:
        now = self._clock.now()
        try:
            await send_stopped_notice(
                self._results, self._notifier, now, now.astimezone(SEOUL).date()
            )
        except Exception:
            log.exception("the monitor-stopped warning could not be sent")


def scheduled(settings: Settings) -> bool:
    """Whether the monitor follows the KRX calendar: on KIS (paper or real) unless told
    otherwise; not on the simulator, which trades around the clock."""
    if settings.monitor_schedule == "krx":
        return True
    if settings.monitor_schedule == "always":
        return False
    return settings.kis_environment is not KisEnvironment.SIMULATOR


@dataclass(frozen=True, slots=True)
class MonitorRuntime:
    control: MonitorControl
    service: Service  # supervised as "exit-monitor": the schedule, or start-and-keep
    local_token: str  # what `hantu monitor ...` presents over loopback
    notices: Notices

    async def drain(self) -> None:
        """Let notices being sent finish (the application's shutdown, before the database)."""
        await self.notices.drain()


class Notices:
    """The notice tasks in flight (the control and the schedule tell synchronously)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, grace: float = NOTICE_GRACE_SECONDS) -> None:
        """Wait a little for notices on their way, then cancel the rest (an opening notice
        may still be waiting for its subscriptions)."""
        if not self._tasks:
            return
        _, late = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)


def build_control(
    settings: Settings,
    db: Database,
    monitor: ExitMonitor,
    brokers: BrokerDirectory,
    clock: Clock,
    notifications: Notifications | None,
    names: SymbolNames,
) -> MonitorRuntime:
    """The control over the monitor and the supervised service that runs it."""
    results = SqlDayResults(db)
    notices = Notices()
    stopped = SummaryToNotifications(notifications, STOPPED)
    warning = StopWarning(results, stopped, clock, notices)
    control = MonitorControl(
        monitor, BrokerFeeds(brokers), SqlMonitorPositions(db), clock, warning.changed
    )
    token = write_local_token(settings.data_dir)
    if not scheduled(settings):

        async def always() -> None:
            await run_always(control)

        return MonitorRuntime(control, _with_loops(monitor, always), token, notices)
    notifier = SummaryToNotifications(notifications)
    calendar = KrxCalendar()

    async def on_close(day: date) -> None:
        next_open = calendar.next_open(clock.now())
        told = await send_daily_summary(results, names, notifier, day, next_open)
        log.info("daily summary of %s told to %s users", day, told)

    started = SummaryToNotifications(notifications, STARTED)
    opening = OpeningNotice(control, results, started, notices)
    schedule = MonitorSchedule(control, calendar, clock, on_close, on_open=opening.tell)

    async def on_the_calendar() -> None:
        # The XKRX days off come from a child process (krx_calendar): ask for them in a
        # thread, so the event loop, which may already be streaming ticks, never waits.
        await asyncio.to_thread(calendar.is_trading_day, clock.now().astimezone(SEOUL).date())
        await schedule.run()

    return MonitorRuntime(control, _with_loops(monitor, on_the_calendar), token, notices)


def _with_loops(monitor: ExitMonitor, service: Service) -> Service:
    """The supervised service: the schedule (or start-and-keep) beside the monitor's REST
    poller and fill waits; one crashing takes the other down, and the supervisor restarts
    both."""

    async def supervised() -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(monitor.loops(), name="exit monitor loops")
            group.create_task(service(), name="exit monitor schedule")

    return supervised
