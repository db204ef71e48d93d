"""The exit monitor wired to the application: positions from the database, symbols watched
on each account's broker stream, ticks and market status from the realtime callbacks, fills
from the event bus, and the stop-loss / take-profit notice through the notification service."""

from __future__ import annotations

import logging

from hantu.adapters.db.engine import Database
from hantu.adapters.db.monitor_positions import SqlMonitorPositions
from hantu.adapters.kis.realtime import MarketStatus
from hantu.config import Settings
from hantu.domain.events import OrderFilled
from hantu.domain.exits import ExitPricing, ExitRules, ExitTrigger
from hantu.domain.notifications import EventKind, Notification, Recipient
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.service_layer.deps import Deps
from hantu.service_layer.exit_monitor import ExitMonitor
from hantu.service_layer.exit_rules_ports import RulesSource
from hantu.service_layer.messagebus import EventBus
from hantu.service_layer.ports import BrokerDirectory

from .notifications import Notifications
from .realtime import RealtimeCallbacks

_KIND = {
    ExitTrigger.STOP_LOSS.value: EventKind.STOP_LOSS_FILLED,
    ExitTrigger.TRAILING.value: EventKind.STOP_LOSS_FILLED,
    ExitTrigger.TAKE_PROFIT.value: EventKind.TAKE_PROFIT_FILLED,
}
log = logging.getLogger(__name__)


def exit_rules(settings: Settings) -> ExitRules:
    """The default exit rules of every position (per-strategy rules are still to come)."""
    return ExitRules(
        stop_loss_pct=settings.exit_stop_loss_pct,
        take_profit_pct=settings.exit_take_profit_pct,
        trailing_pct=settings.exit_trailing_pct,
        pricing=ExitPricing(settings.exit_pricing),
        ticks_through=settings.exit_ticks_through,
    )


class BrokerWatch:
    """Watch a symbol on the stream of the broker behind a strategy account; brokers
    without a realtime stream (in-process test brokers) are skipped."""

    def __init__(self, brokers: BrokerDirectory) -> None:
        self._brokers = brokers

    async def watch(self, account: StrategyAccountId, symbol: Symbol) -> None:
        broker = await self._brokers.broker_for(int(account))
        if callable(start := getattr(broker, "watch", None)) and _streams(broker):
            start(symbol)

    async def unwatch(self, account: StrategyAccountId, symbol: Symbol) -> None:
        broker = await self._brokers.broker_for(int(account))
        if callable(stop := getattr(broker, "unwatch", None)) and _streams(broker):
            stop(symbol)


def _streams(broker: object) -> bool:
    return getattr(broker, "realtime", None) is not None


class ServiceNotifier:
    """Tell an exit fill to the order's owner through the notification service."""

    def __init__(self, notifications: Notifications | None) -> None:
        self._notifications = notifications

    async def exit_filled(self, order_id: str, kind: str, title: str, body: str) -> None:
        if self._notifications is None:
            log.info("exit of order %s filled; no notifications configured", order_id)
            return
        context = await self._notifications.store.order_context(order_id)
        if context is None:
            return
        event_kind = _KIND.get(kind, EventKind.STOP_LOSS_FILLED)
        recipient = Recipient(str(context.user_id))
        notification = Notification.of(event_kind, recipient, title, body, order_id)
        await self._notifications.service.notify(notification)


def build_monitor(
    settings: Settings,
    db: Database,
    deps: Deps,
    bus: EventBus,
    realtime: RealtimeCallbacks,
    notifications: Notifications | None,
    rules_for: RulesSource | None = None,
) -> ExitMonitor:
    """The monitor, already listening to fills, ticks and market status; run `.run()`."""
    monitor = ExitMonitor(
        deps,
        SqlMonitorPositions(db),
        BrokerWatch(deps.brokers),
        ServiceNotifier(notifications),
        exit_rules(settings),
        rules_for=rules_for,
    )
    bus.subscribe(OrderFilled, monitor.on_filled)
    realtime.on_tick(monitor.on_tick)

    def status(change: MarketStatus) -> None:
        monitor.on_market_status(change.halted or change.vi_active, change.symbol)

    realtime.on_market_status(status)
    return monitor
