"""The composition root: `build(settings)` wires storage, clock, brokers and risk limits.

FastAPI's lifespan and the CLI both call it. Nothing here runs at import; `build` only
constructs objects, `App.start()` touches the database (migrations) and `App.close()`
releases it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Self, cast

from hantu.adapters.clock import SystemClock
from hantu.adapters.db.engine import Database, upgrade
from hantu.adapters.db.outbox import SqlOutboxStore
from hantu.adapters.db.outbox_listener import PgOutboxListener
from hantu.adapters.db.unit_of_work import SqlAlchemyUnitOfWorkFactory
from hantu.adapters.inprocess_broker import InProcessBroker
from hantu.config import KisEnvironment, Settings
from hantu.domain.risk import RiskLimits
from hantu.domain.values import Money
from hantu.errors import ConfigError
from hantu.service_layer import notify_rules
from hantu.service_layer.deps import Deps
from hantu.service_layer.messagebus import EventBus
from hantu.service_layer.outbox import DurableEvents, OutboxConsumer, OutboxRelay
from hantu.service_layer.ports import DEFAULT_BROKER_ACCOUNT, Broker, BrokerDirectory, Clock


class StaticBrokerDirectory:
    """Every strategy account trades through one broker unless mapped to another."""

    def __init__(self, default: Broker, accounts: Mapping[int, Broker] | None = None) -> None:
        self.default = default
        self._accounts = dict(accounts or {})

    async def broker_for(self, strategy_account_id: int) -> Broker:
        return self._accounts.get(strategy_account_id, self.default)

    async def account_of(self, strategy_account_id: int) -> str:
        broker = self._accounts.get(strategy_account_id, self.default)
        if broker is self.default:
            return DEFAULT_BROKER_ACCOUNT
        # Named after the first strategy account mapped to it: stable for a given mapping.
        return f"static:{min(a for a, b in self._accounts.items() if b is broker)}"


SHUTDOWN_GRACE = 10.0  # seconds event handlers get to finish when the app closes


@dataclass
class App:
    settings: Settings
    db: Database
    uow: SqlAlchemyUnitOfWorkFactory
    clock: Clock
    brokers: BrokerDirectory
    deps: Deps
    bus: EventBus
    durable: DurableEvents

    async def start(self) -> None:
        """Create the data directory, bring the schema to the newest migration, and (SQLite)
        start checkpointing the WAL off the event loop."""
        await upgrade(self.db)
        _keep_private(self.settings.data_dir)
        self.db.checkpoint_in_background()

    def outbox_relay(
        self, consumers: Mapping[str, OutboxConsumer], *, poll_interval: float = 5.0
    ) -> OutboxRelay:
        """A relay for these outbox kinds, woken by this process's commits and, on
        PostgreSQL, by every process's through LISTEN; run `relay.run()` as a task."""
        wake = self.durable.new_wake()
        listener = None if self.db.is_sqlite else PgOutboxListener(self.db.url, wake, consumers)
        store = SqlOutboxStore(self.db)
        return OutboxRelay(
            store, consumers, self.clock, wake, poll_interval=poll_interval, listener=listener
        )

    async def close(self) -> None:
        """Let running event handlers finish, then close every pooled database connection."""
        await self.bus.drain(grace=SHUTDOWN_GRACE)
        await self.db.dispose()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def _keep_private(data_dir: Path) -> None:
    # The data dir holds the database (encrypted broker secrets, orders), the Fernet key and
    # the KIS token cache: readable by its owner only.
    if not data_dir.is_dir():
        return
    data_dir.chmod(0o700)
    for path in data_dir.glob("*.db*"):
        path.chmod(0o600)


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
) -> App:
    """Wire the application from settings; pass a clock or brokers to replace the real ones."""
    clock = clock or SystemClock()
    directory = _directory(settings, clock, brokers)
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
        settings=settings,
        db=db,
        uow=uow,
        clock=clock,
        brokers=directory,
        deps=deps,
        bus=bus,
        durable=durable,
    )


def _directory(
    settings: Settings, clock: Clock, brokers: BrokerDirectory | Broker | None
) -> BrokerDirectory:
    if brokers is None:
        if settings.kis_environment is not KisEnvironment.SIMULATOR:
            raise ConfigError(
                f"no broker wired for HANTU_KIS_ENVIRONMENT={settings.kis_environment}"
            )
        # Embedded default until the KIS adapter is wired here: an in-process broker account.
        return StaticBrokerDirectory(InProcessBroker(clock))
    if hasattr(brokers, "broker_for"):
        return cast(BrokerDirectory, brokers)
    return StaticBrokerDirectory(brokers)
