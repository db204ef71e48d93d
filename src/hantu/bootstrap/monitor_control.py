"""The monitor's control and schedule wired to the application: feeds read off each
account's `KisBroker`, the KRX calendar, the daily summary through the notification service,
and the local admin token the CLI presents over loopback."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

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
from hantu.service_layer.daily_summary import send_daily_summary
from hantu.service_layer.exit_monitor import ExitMonitor
from hantu.service_layer.monitor_control import MonitorControl
from hantu.service_layer.monitor_schedule import MonitorSchedule, run_always
from hantu.service_layer.ports import BrokerDirectory, Clock
from hantu.service_layer.symbol_names import SymbolNames

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


class SummaryToNotifications:
    """The `SummaryNotifier` port: the day's summary through the notification service."""

    def __init__(self, notifications: Notifications | None) -> None:
        self._notifications = notifications

    async def tell(self, user_id: int, day: date, title: str, body: str) -> None:
        if self._notifications is None:
            log.info("daily summary of user %s: no notifications configured", user_id)
            return
        notification = Notification.of(
            EventKind.DAILY_SUMMARY, Recipient(str(user_id)), title, body, day.isoformat()
        )
        await self._notifications.service.notify(notification)


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
    control = MonitorControl(monitor, BrokerFeeds(brokers), SqlMonitorPositions(db), clock)
    token = write_local_token(settings.data_dir)
    if not scheduled(settings):

        async def always() -> None:
            await run_always(control)

        return MonitorRuntime(control, always, token)
    notifier = SummaryToNotifications(notifications)
    results = SqlDayResults(db)
    calendar = KrxCalendar()

    async def on_close(day: date) -> None:
        next_open = calendar.next_open(clock.now())
        told = await send_daily_summary(results, names, notifier, day, next_open)
        log.info("daily summary of %s told to %s users", day, told)

    schedule = MonitorSchedule(control, calendar, clock, on_close)
    return MonitorRuntime(control, schedule.run, token)
