"""The application object: everything one hantu process runs on, started and stopped as one.

`build(settings)` only constructs objects; `start()` (or `async with`) brings them up in
order — the database (migrations), on embedded defaults the KIS simulator in-process, the
HTTP client and broker directory, the accounts use cases, the demo, the supervised
background services — and `stop()` takes them down in the reverse order. The web app, the
CLI and later processes are thin clients of it.

On embedded defaults (`HANTU_KIS_ENVIRONMENT=SIMULATOR`, no broker handed in) every broker
account is reached through the real `KisBroker` against the simulator on loopback, so the
product runs exactly as it would against KIS; a demo user, broker account and strategy are
created on first start. With `HANTU_KIS_SIMULATOR_REST_URL` / `_WS_URL` set, an already
running simulator is used instead and the demo trades the account named in `.env`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from hantu.adapters.db.accounts_repository import SqlAccountsUnitOfWorkFactory
from hantu.adapters.db.engine import Database, upgrade
from hantu.adapters.db.outbox import SqlOutboxStore
from hantu.adapters.db.unit_of_work import SqlAlchemyUnitOfWorkFactory
from hantu.adapters.kis.transport import KisHttp
from hantu.adapters.passwords import PasswordHashing
from hantu.adapters.secrets_box import SecretsBox, load_or_create_key
from hantu.config import Settings
from hantu.domain.accounts import BrokerAccountId
from hantu.service_layer.accounts import AccountsDeps, Hasher
from hantu.service_layer.add_buy import AddBuyWatcher
from hantu.service_layer.alert_telegram import AlertBotDeps
from hantu.service_layer.broker_keys import AcceptAnyKeys
from hantu.service_layer.deps import Deps
from hantu.service_layer.exit_monitor import ExitMonitor
from hantu.service_layer.messagebus import EventBus
from hantu.service_layer.outbox import DurableEvents, OutboxConsumer, OutboxRelay
from hantu.service_layer.ports import Broker, BrokerDirectory, Clock, stored_broker_account

from .add_buy import ServiceAddBuyTeller, build_add_buy
from .alerts import (
    alert_bot,
    build_alerts,
    fill_follow_up,
    subscribe_announcements,
    subscribe_fills,
    sweeper,
)
from .brokers import AccountBrokers, KisBrokers
from .demo import DemoLogin, ensure_demo
from .exit_rules import build_exit_rules
from .monitor import build_monitor
from .monitor_control import MonitorRuntime, build_control
from .notifications import Notifications, start_notifications
from .realtime import RealtimeCallbacks
from .services import fill_pump, reconcile_loop
from .simulator import demo_credentials, start_simulator
from .supervisor import Supervisor
from .symbol_names import symbol_directory
from .telegram import LinkedTelegramChats, build_frontend, telegram_service

if TYPE_CHECKING:  # imported only when used: a bot (~15 MB), an embedded simulator (~5 MB)
    from hantu.adapters.db.live_channel import PgLiveChannel
    from hantu.adapters.telegram.frontend import TelegramFrontend
    from hantu.simulator.server import Simulator

SHUTDOWN_GRACE = 10.0  # seconds event handlers get to finish when the app closes


def secrets_box(settings: Settings) -> SecretsBox:
    """The Fernet box for broker secrets and tokens (key from settings or the data dir)."""
    if settings.secret_key is not None:
        return SecretsBox(settings.secret_key.get_secret_value())
    return SecretsBox(load_or_create_key(settings.data_dir))


class App:
    """Owns the database, brokers, simulator, realtime callbacks and background services."""

    def __init__(
        self,
        settings: Settings,
        *,
        db: Database,
        uow: SqlAlchemyUnitOfWorkFactory,
        clock: Clock,
        brokers: BrokerDirectory,
        deps: Deps,
        bus: EventBus,
        durable: DurableEvents,
        kis: KisBrokers | None = None,
        realtime: RealtimeCallbacks | None = None,
        hasher: Hasher | None = None,
        simulator_options: dict[str, Any] | None = None,
        supervisor: Supervisor | None = None,
        telegram_options: dict[str, Any] | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.uow = uow
        self.clock = clock
        self.brokers = brokers
        self.deps = deps
        self.realtime = realtime or RealtimeCallbacks()
        self.supervisor = supervisor or Supervisor()
        self.bus = bus
        self.durable = durable
        self.simulator: Simulator | None = None
        self.external_simulator: tuple[str, str] | None = None
        self.demo: DemoLogin | None = None
        self.notifications: Notifications | None = None
        self._kis = kis
        self._hasher = hasher
        self._simulator_options = simulator_options
        self._accounts: AccountsDeps | None = None
        self._stack: AsyncExitStack | None = None
        self._telegram_options = telegram_options
        self.telegram: TelegramFrontend | None = None
        self.alert_bot: AlertBotDeps | None = None  # ALERT mode in Telegram, when the bot runs
        self.monitor: ExitMonitor | None = None
        # On PostgreSQL, live changes to and from the other processes (pages update live).
        self.live_channel: PgLiveChannel | None = None if db.is_sqlite else _live_channel(db)
        self.monitor_runtime: MonitorRuntime | None = None  # start/stop/status, the schedule
        # Names beside codes (삼성전자 005930), from the brokers, cached in the database.
        self.symbol_names = symbol_directory(db, brokers, clock)
        self.alerts = build_alerts(db, deps, bus)  # ALERT mode's use cases (approve, expire)
        # Exit rules per strategy / position over the HANTU_EXIT_* defaults (issue 12).
        self.exit_rules = build_exit_rules(settings, db, clock, brokers)
        self.add_buy: AddBuyWatcher | None = None

    @property
    def accounts(self) -> AccountsDeps:
        """The accounts use cases (users, broker accounts, strategies); after `start()`."""
        if self._accounts is None:
            raise RuntimeError("the application is not started")
        return self._accounts

    async def start(self) -> None:
        """Bring everything up in order; on a failure, take down what was started."""
        async with AsyncExitStack() as stack:
            await self._start_database(stack)
            await self._start_brokers(stack)
            stack.push_async_callback(self.symbol_names.aclose)  # before the brokers close
            await self._start_demo()
            self._start_notifications(stack)
            self._start_services(stack)
            self._stack = stack.pop_all()

    async def stop(self) -> None:
        """Stop the services, let running event handlers finish, then close the brokers,
        HTTP client, simulator and database, in that order."""
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()

    async def close(self) -> None:
        """Same as `stop()`."""
        await self.stop()

    def outbox_relay(
        self, consumers: Mapping[str, OutboxConsumer], *, poll_interval: float = 5.0
    ) -> OutboxRelay:
        """A relay for these outbox kinds, woken by this process's commits and, on
        PostgreSQL, by every process's through LISTEN; run `relay.run()` as a task."""
        wake = self.durable.new_wake()
        listener = None
        if not self.db.is_sqlite:
            # asyncpg (~4 MB) only on PostgreSQL.
            from hantu.adapters.db.outbox_listener import PgOutboxListener

            listener = PgOutboxListener(self.db.url, wake, consumers)
        store = SqlOutboxStore(self.db)
        return OutboxRelay(
            store, consumers, self.clock, wake, poll_interval=poll_interval, listener=listener
        )

    @asynccontextmanager
    async def accounts_only(self) -> AsyncIterator[AccountsDeps]:
        """The database (migrated) and the accounts use cases, for admin commands: no
        simulator, broker or background service."""
        async with AsyncExitStack() as stack:
            await self._start_database(stack)
            yield self.accounts

    async def _start_database(self, stack: AsyncExitStack) -> None:
        # Migrations create the data dir; the box's key file and the token cache live in it.
        await upgrade(self.db)
        stack.push_async_callback(self.db.dispose)
        _keep_private(self.settings.data_dir)
        self.db.checkpoint_in_background()
        self._accounts = AccountsDeps(
            uow=SqlAccountsUnitOfWorkFactory(self.db),
            cipher=secrets_box(self.settings),
            hasher=self._hasher or PasswordHashing(),
            clock=self.clock,
            keys=self._kis if self._kis is not None else AcceptAnyKeys(),
            forget_broker=self._forget_broker,
        )

    def _forget_broker(self, account: BrokerAccountId) -> None:
        if isinstance(self.brokers, AccountBrokers):
            self.brokers.forget(account)

    async def _start_brokers(self, stack: AsyncExitStack) -> None:
        if self._kis is not None:
            self.simulator, urls = await start_simulator(
                self.settings, self.clock, self._simulator_options, stack
            )
            self.external_simulator = urls if self.simulator is None else None
            self._kis.simulator_urls = urls
            self._kis.http = await stack.enter_async_context(KisHttp(timeout=10.0))
        if isinstance(self.brokers, AccountBrokers):
            self.brokers.bind(self.accounts)
            self.brokers.on_broker(self._pump_fills)
            stack.push_async_callback(self.brokers.close)

    def _pump_fills(self, account: BrokerAccountId, broker: Broker) -> None:
        name = stored_broker_account(account)
        self.supervisor.add(f"fills:{int(account)}", fill_pump(self.deps, broker, name))

    async def _start_demo(self) -> None:
        settings = self.settings
        on_simulator = self._kis is not None and self._kis.simulator_urls is not None
        credentials = demo_credentials(settings, self.simulator) if on_simulator else None
        wanted = settings.demo if settings.demo is not None else credentials is not None
        if not wanted or credentials is None:
            return
        self.demo = await ensure_demo(
            self.accounts,
            settings.demo_username,
            settings.demo_password.get_secret_value(),
            credentials,
        )

    def _start_notifications(self, stack: AsyncExitStack) -> None:
        notifications = start_notifications(
            self.settings,
            self.db,
            self.clock,
            self.outbox_relay,
            self.supervisor.add,
            stack,
            LinkedTelegramChats(self.db),
            self.symbol_names,
        )
        if self.supervisor.on_crash is None:  # a caller's own alert hook wins
            self.supervisor.on_crash = notifications.crashed
        self.realtime.on_sleep(notifications.stream_asleep)
        self.notifications = notifications

    def _start_add_buy(self, stack: AsyncExitStack, monitor: ExitMonitor) -> None:
        """Support touches of the symbols the monitor watches (held ones)."""
        if not self.settings.add_buy_enabled:
            return
        teller = ServiceAddBuyTeller(
            self.notifications,
            self.alerts,
            self.symbol_names,
            self.settings.add_buy_quantity,
            self.clock,
        )
        self.add_buy = build_add_buy(
            self.settings,
            self.exit_rules.candles,
            lambda: monitor.watched().keys(),
            self.exit_rules.service.store,
            teller,
            self.clock,
            self.exit_rules.service,
        )
        self.exit_rules.service.on_change(self.add_buy.refresh_supports)
        self.realtime.on_tick(self.add_buy.on_tick)
        stack.push_async_callback(self.add_buy.drain)

    def _start_services(self, stack: AsyncExitStack) -> None:
        interval = self.settings.settle_interval_seconds
        if interval > 0:
            brokers = self.brokers
            since = brokers.notices_since if isinstance(brokers, AccountBrokers) else None
            self.supervisor.add("reconcile", reconcile_loop(self.deps, interval, since))
        if self.settings.monitor_enabled:
            self.monitor = build_monitor(
                self.settings,
                self.db,
                self.deps,
                self.bus,
                self.realtime,
                self.notifications,
                rules_for=self.exit_rules.source,
                names=self.symbol_names,
            )
            self.monitor_runtime = build_control(
                self.settings,
                self.db,
                self.monitor,
                self.brokers,
                self.clock,
                self.notifications,
                self.symbol_names,
            )
            self.supervisor.add("exit-monitor", self.monitor_runtime.service)
            stack.push_async_callback(self.monitor_runtime.drain)  # notices being told
            stack.push_async_callback(self.monitor.drain)  # exits being placed finish first
            self.exit_rules.service.on_change(self.monitor.refresh_rules)
            self._start_add_buy(stack, self.monitor)
        self._start_telegram(stack)
        if self.live_channel is not None:
            self.live_channel.attach(self.bus)
            self.supervisor.add("live-channel", self.live_channel.run)
        if self.settings.alert_sweep_seconds > 0:  # also edits messages when the bot runs
            bot = self.alert_bot
            follow_up = None if bot is None else fill_follow_up(self.settings, bot, self.deps)
            sweep = sweeper(self.alerts, bot, self.settings.alert_sweep_seconds, follow_up)
            self.supervisor.add("alert-sweeper", sweep)
        stack.push_async_callback(self.bus.drain, SHUTDOWN_GRACE)
        self.supervisor.start()
        stack.push_async_callback(self.supervisor.stop)

    def _start_telegram(self, stack: AsyncExitStack) -> None:
        stream_up = self.brokers.stream_up if isinstance(self.brokers, AccountBrokers) else None
        self.telegram = build_frontend(
            self.settings, self.db, self.deps, self.accounts, stream_up, self._telegram_options
        )
        if self.telegram is not None:
            stack.push_async_callback(self.telegram.aclose)  # after the service has stopped
            self.supervisor.add("telegram", telegram_service(self.settings, self.telegram))
            self.alert_bot = alert_bot(
                self.settings, self.db, self.alerts, self.telegram, self.symbol_names
            )
            subscribe_announcements(self.bus, self.alert_bot)
            subscribe_fills(self.bus, self.alert_bot, self.deps, self.symbol_names)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


def _keep_private(data_dir: Path) -> None:
    # The data dir holds the database (encrypted broker secrets, orders), the Fernet key and
    # the KIS token cache: readable by its owner only.
    if not data_dir.is_dir():
        return
    data_dir.chmod(0o700)
    for path in data_dir.glob("*.db*"):
        path.chmod(0o600)


def _live_channel(db: Database) -> PgLiveChannel:
    from hantu.adapters.db.live_channel import PgLiveChannel  # asyncpg only on PostgreSQL

    return PgLiveChannel(db.url)
