"""The exit monitor wired to the application: positions from the database, symbols watched
on each account's broker stream (and polled over REST when that stream does not carry
them), ticks, books (their best bid prices exits) and market status from the realtime
callbacks, fills from the event bus, and the stop-loss / take-profit notice and the
unfilled-exit warning through the notification service. A symbol subscription KIS refused
moves that symbol to REST polling and frees its registrations for the next symbol."""

from __future__ import annotations

import logging
from decimal import Decimal

from hantu.adapters.db.engine import Database
from hantu.adapters.db.monitor_positions import SqlMonitorPositions
from hantu.adapters.kis.environments import profile_for
from hantu.adapters.kis.realtime import NOTICE_TRS, MarketStatus, OrderBook
from hantu.adapters.kis.realtime_types import Subscription
from hantu.config import Settings
from hantu.domain.events import BrokerStateDiffered, OrderFilled
from hantu.domain.exits import ExitPricing, ExitRules, ExitTrigger
from hantu.domain.notifications import EventKind, Notification, Recipient
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.service_layer.deps import Deps
from hantu.service_layer.exit_monitor import ExitMonitor
from hantu.service_layer.exit_rules_ports import RulesSource
from hantu.service_layer.messagebus import EventBus
from hantu.service_layer.monitor_ports import MonitorOptions, PartialPolicy, StreamState
from hantu.service_layer.ports import BrokerDirectory
from hantu.service_layer.symbol_names import SymbolNames

from .late_ticks import LateTickTeller
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


def monitor_options(settings: Settings) -> MonitorOptions:
    """The fill wait, partial-fill policy, polling pace and WebSocket budget of the monitor.

    A streamed symbol costs as many registrations as the environment streams per symbol
    (KIS real: trades and market status); polling never takes more than half of KIS's REST
    limit, so orders always find room.
    """
    # Only the static facts of the profile are read; the simulator's own URLs do not matter.
    profile = profile_for(settings.kis_environment, rest_base_url=_ANY, ws_url=_ANY_WS)
    limit = settings.kis_rest_rate_limit or profile.requests_per_second
    per_second = min(settings.monitor_poll_per_second, limit / 2)
    return MonitorOptions(
        fill_wait_seconds=settings.exit_fill_wait_seconds,
        partial_policy=PartialPolicy(settings.exit_partial_policy),
        reorder_max=settings.exit_reorder_max,
        poll_per_second=per_second,
        trade_cost=len(profile.symbol_tr_ids),
        max_bid_gap_ticks=settings.exit_max_bid_gap_ticks,
        retry_attempts=settings.exit_retry_attempts,
        retry_backoff_seconds=settings.exit_retry_backoff_seconds,
    )


class BrokerWatch:
    """Watch a symbol on the stream of the broker behind a strategy account; brokers
    without a realtime stream (in-process test brokers) are skipped."""

    def __init__(self, brokers: BrokerDirectory) -> None:
        self._brokers = brokers

    async def watch(
        self, account: StrategyAccountId, symbol: Symbol, *, order_book: bool = False
    ) -> None:
        broker = await self._brokers.broker_for(int(account))
        if callable(start := getattr(broker, "watch", None)) and _streams(broker):
            start(symbol, order_book=order_book)

    async def unwatch(self, account: StrategyAccountId, symbol: Symbol) -> None:
        broker = await self._brokers.broker_for(int(account))
        if callable(stop := getattr(broker, "unwatch", None)) and _streams(broker):
            stop(symbol)

    async def streaming(self, account: StrategyAccountId, symbol: Symbol) -> StreamState | None:
        """Whether the symbol's trades flow on its broker's stream now, on which session
        (None: the broker has no stream)."""
        broker = await self._brokers.broker_for(int(account))
        realtime = getattr(broker, "realtime", None)
        receiving = getattr(realtime, "receiving", None)
        if not callable(receiving):
            return None
        up = bool(receiving(TRADES_TR, symbol.code))
        return StreamState(up, int(getattr(realtime, "connections", 0)))


TRADES_TR = "H0STCNT0"  # the trades of a symbol, in every KIS environment
_ANY, _ANY_WS = "http://127.0.0.1", "ws://127.0.0.1"


def _streams(broker: object) -> bool:
    return getattr(broker, "realtime", None) is not None


class ServiceNotifier:
    """Tell an exit fill to the order's owner through the notification service."""

    def __init__(self, notifications: Notifications | None) -> None:
        self._notifications = notifications

    async def exit_filled(self, order_id: str, kind: str, title: str, body: str) -> None:
        if (notifications := self._notifications) is None:
            log.info("exit of order %s filled; no notifications configured", order_id)
            return
        event_kind = _KIND.get(kind, EventKind.STOP_LOSS_FILLED)
        await _to_owner(notifications, event_kind, order_id, title, body)

    async def exit_unfilled(self, order_id: str, title: str, body: str) -> None:
        """Spec 002 §4-1's "체결 미확인" warning, to the exit order's owner."""
        if (notifications := self._notifications) is None:
            log.warning("exit order %s not filled in time; no notifications configured", order_id)
            return
        kind = EventKind.ORDER_UNCONFIRMED
        await _to_owner(notifications, kind, order_id, title, body, "unfilled")

    async def exit_unprotected(self, order_id: str, title: str, body: str) -> None:
        """An exit sell refused for good (after its re-placements): the owner must act."""
        if (notifications := self._notifications) is None:
            log.error("exit order %s refused for good; no notifications configured", order_id)
            return
        kind = EventKind.EXIT_UNPROTECTED
        await _to_owner(notifications, kind, order_id, title, body, "unprotected")


async def _to_owner(
    notifications: Notifications,
    kind: EventKind,
    order_id: str,
    title: str,
    body: str,
    what: str | None = None,
) -> None:
    context = await notifications.store.order_context(order_id)
    if context is None:
        return
    recipient = Recipient(str(context.user_id))
    key = order_id if what is None else f"{order_id}:{what}"  # the dedupe key
    notification = Notification.of(kind, recipient, title, body, key)
    await notifications.service.notify(notification)


def build_monitor(
    settings: Settings,
    db: Database,
    deps: Deps,
    bus: EventBus,
    realtime: RealtimeCallbacks,
    notifications: Notifications | None,
    rules_for: RulesSource | None = None,
    names: SymbolNames | None = None,
) -> ExitMonitor:
    """The monitor, already listening to fills, ticks and market status; run `.run()`."""
    watch = BrokerWatch(deps.brokers)
    notifier = ServiceNotifier(notifications)
    monitor = ExitMonitor(
        deps,
        SqlMonitorPositions(db),
        watch,
        notifier,
        exit_rules(settings),
        stream=watch,
        warnings=notifier,
        unprotected=notifier,
        options=monitor_options(settings),
        rules_for=rules_for,
        late=LateTickTeller(notifications, names),
    )
    hear(monitor, bus, realtime)
    return monitor


def hear(monitor: ExitMonitor, bus: EventBus, realtime: RealtimeCallbacks) -> None:
    """Feed the monitor fills from the bus and ticks, market status, books, refused
    subscriptions and new stream sessions from the realtime callbacks."""
    bus.subscribe(OrderFilled, monitor.on_filled)
    bus.subscribe(BrokerStateDiffered, monitor.late_refusals.on_state_differed)
    realtime.on_tick(monitor.on_tick)

    def status(change: MarketStatus) -> None:
        monitor.on_market_status(change.halted or change.vi_active, change.symbol)

    realtime.on_market_status(status)

    def book(change: OrderBook) -> None:
        monitor.on_best_bid(change.symbol, change.bids[0].price if change.bids else Decimal(0))

    realtime.on_order_book(book)

    def refused(sub: Subscription, reason: str) -> None:
        if sub.tr_id not in NOTICE_TRS:  # a symbol's trades, status or book
            monitor.planner.on_refused(Symbol(sub.tr_key), reason)

    realtime.on_subscription_refused(refused)
    realtime.on_session(monitor.planner.on_new_session)
