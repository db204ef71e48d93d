"""The composition root: `build(settings)` wires the one application every process runs on.

FastAPI's lifespan, the CLI and every later process (`hantu monitor`, `hantu worker`) call
it and stay thin. Nothing here runs at import and `build` does no I/O; `App.start()` (or
`async with`) brings the application up and `App.stop()` takes it down.

    app.py         App: database, brokers, simulator, demo, services; start/stop in order
    brokers.py     broker directories (stored accounts → KisBroker, static) and the factory
    realtime.py    callbacks the brokers' realtime streams call (ticks, status, sleep)
    monitor.py     the exit monitor: positions, ticks, VI/halt, fills, exit notices
    notifications.py  channels, the notify relay and digests, the Slack log handler
    services.py    fill pumps and the reconcile loop, as supervised services
    simulator.py   the embedded (or external) KIS simulator
    supervisor.py  restart crashed services with backoff; ordered shutdown
    telegram.py    the Telegram bot (polling or webhook) as a supervised service
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from hantu.adapters.clock import SystemClock
from hantu.adapters.db.engine import Database
from hantu.adapters.db.unit_of_work import SqlAlchemyUnitOfWorkFactory
from hantu.config import Settings
from hantu.domain.risk import RiskLimits
from hantu.domain.values import Money
from hantu.service_layer import notify_rules
from hantu.service_layer.accounts import Hasher
from hantu.service_layer.deps import Deps
from hantu.service_layer.messagebus import EventBus
from hantu.service_layer.outbox import DurableEvents
from hantu.service_layer.ports import Broker, BrokerDirectory, Clock

from .app import App, secrets_box
from .brokers import AccountBrokers, KisBrokers, StaticBrokerDirectory
from .realtime import RealtimeCallbacks
from .supervisor import CrashHook, Supervisor

Application = App

__all__ = [
    "AccountBrokers",
    "App",
    "Application",
    "RealtimeCallbacks",
    "StaticBrokerDirectory",
    "Supervisor",
    "build",
    "risk_limits",
    "secrets_box",
]


def risk_limits(settings: Settings) -> RiskLimits:
    """The risk rules' limits from settings (unset switches a rule off)."""
    return RiskLimits(
        daily_loss_limit=_money(settings.daily_loss_limit),
        max_symbol_exposure=_money(settings.max_symbol_exposure),
        max_open_positions=settings.max_open_positions,
    )


def _money(value: object) -> Money | None:
    return None if value is None else Money(value)


def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    brokers: BrokerDirectory | Broker | None = None,
    hasher: Hasher | None = None,
    simulator_options: dict[str, Any] | None = None,
    on_crash: CrashHook | None = None,
    telegram_options: dict[str, Any] | None = None,
) -> App:
    """Wire the application from settings; pass a clock or brokers to replace the real ones,
    and `on_crash` to be told (alerted) of every background service that crashed.

    Without `brokers`, every stored broker account trades through a `KisBroker` (against
    the simulator on SIMULATOR, started in-process unless an external one is configured).
    """
    clock = clock or SystemClock()
    realtime = RealtimeCallbacks()
    kis: KisBrokers | None = None
    if brokers is None:
        kis = KisBrokers(settings, clock, realtime.handlers_for)
        directory: BrokerDirectory = AccountBrokers(kis)
    else:
        directory = _directory(brokers)
    db = Database(settings.effective_database_url)
    bus, durable = EventBus(), DurableEvents()
    notify_rules.register(durable)
    uow = SqlAlchemyUnitOfWorkFactory(db, clock, bus=bus, durable=durable)
    deps = Deps(
        uow=uow,
        brokers=directory,
        clock=clock,
        risk_limits=risk_limits(settings),
        order_timeout=settings.order_timeout_seconds,
        order_queue_timeout=settings.order_queue_seconds,
        unconfirmed_grace=timedelta(seconds=settings.unconfirmed_grace_seconds),
    )
    return App(
        settings,
        db=db,
        uow=uow,
        clock=clock,
        brokers=directory,
        deps=deps,
        bus=bus,
        durable=durable,
        kis=kis,
        realtime=realtime,
        hasher=hasher,
        simulator_options=simulator_options,
        supervisor=Supervisor(on_crash=on_crash),
        telegram_options=telegram_options,
    )


def _directory(brokers: BrokerDirectory | Broker) -> BrokerDirectory:
    if hasattr(brokers, "broker_for"):
        return cast(BrokerDirectory, brokers)
    return StaticBrokerDirectory(brokers)
