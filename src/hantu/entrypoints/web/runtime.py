"""Start and stop everything the web server runs on: the bootstrap's app, the accounts use
cases, the broker directory and — on embedded defaults — the KIS simulator in-process.

On embedded defaults (`HANTU_KIS_ENVIRONMENT=SIMULATOR`, no broker handed in) the simulator
listens on loopback and every broker account is reached through the real `KisBroker`, so
the product runs exactly as it would against KIS. A demo user, broker account and strategy
are created on first start.

With `HANTU_KIS_SIMULATOR_REST_URL` / `_WS_URL` set, an already running simulator (`hantu
sim`, possibly shared with other hantu processes) is used instead, and the demo trades the
account named by `HANTU_KIS_APP_KEY` / `_APP_SECRET` / `_ACCOUNT` / `_HTS_ID`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from hantu.adapters.clock import SystemClock
from hantu.adapters.db.accounts_repository import SqlAccountsUnitOfWorkFactory
from hantu.adapters.kis.auth import KisCredentials
from hantu.adapters.kis.broker import build_kis_broker, connection_from_settings
from hantu.adapters.kis.transport import kis_http_client
from hantu.adapters.passwords import PasswordHashing
from hantu.adapters.secrets_box import SecretsBox, load_or_create_key
from hantu.bootstrap import App, build
from hantu.config import KisEnvironment, Settings
from hantu.domain.accounts import BrokerCredentials
from hantu.entrypoints.web.brokers import AccountBrokers
from hantu.entrypoints.web.demo import DemoLogin, ensure_demo
from hantu.entrypoints.web.metrics import Metrics
from hantu.entrypoints.web.ratelimit import LoginLimiter
from hantu.entrypoints.web.service_pipeline import ServicePipeline
from hantu.entrypoints.web.state import WebState
from hantu.entrypoints.web.tokens import TokenCache
from hantu.errors import BrokerUnreachable
from hantu.notify_wiring import Notifications, start_notifications
from hantu.service_layer import fills, reconciliation
from hantu.service_layer.accounts import AccountsDeps, Hasher
from hantu.service_layer.ports import Broker, BrokerDirectory, Clock
from hantu.service_layer.reconciliation import FillGaps
from hantu.simulator.server import Simulator

SESSION_KEY_FILE = "session.key"
FILL_GAP_PATIENCE_SECONDS = 30.0
# While a notice stream is down no notice can come: the sync takes fills from the broker on
# its next pass but one, so a notice received just before the drop is applied first.
STREAM_DOWN_PATIENCE_SECONDS = 2.0
log = logging.getLogger(__name__)


def session_secret(settings: Settings) -> str:
    """The cookie-signing secret: from settings, else generated once into the data dir."""
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value()
    return load_or_create_key(settings.data_dir, SESSION_KEY_FILE).decode()


def secrets_box(settings: Settings) -> SecretsBox:
    """The Fernet box for broker secrets and tokens (key from settings or the data dir)."""
    if settings.secret_key is not None:
        return SecretsBox(settings.secret_key.get_secret_value())
    return SecretsBox(load_or_create_key(settings.data_dir))


@dataclass
class Runtime:
    app: App
    state: WebState
    simulator: Simulator | None
    demo: DemoLogin | None
    external_simulator: tuple[str, str] | None = None
    notifications: Notifications | None = None


def _kis_factory(
    settings: Settings,
    http: httpx.AsyncClient,
    clock: Clock,
    simulator_urls: tuple[str, str] | None,
) -> Any:
    async def make(credentials: BrokerCredentials) -> Broker:
        environment = KisEnvironment(credentials.environment)
        rest_url = ws_url = None
        if environment is KisEnvironment.SIMULATOR:
            if simulator_urls is None:
                raise BrokerUnreachable("no KIS simulator is configured for this process")
            rest_url, ws_url = simulator_urls
        connection = connection_from_settings(
            settings,
            environment=environment,
            credentials=KisCredentials(
                credentials.app_key,
                credentials.app_secret,
                credentials.account_number,
                credentials.hts_id,
            ),
            rest_base_url=rest_url,
            ws_url=ws_url,
        )
        broker = build_kis_broker(connection, http, clock)
        broker.start()
        return broker

    return make


def _public_url(settings: Settings) -> str:
    return settings.public_url or f"http://{settings.web_host}:{settings.web_port}"


@asynccontextmanager
async def start_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    brokers: BrokerDirectory | None = None,
    hasher: Hasher | None = None,
    simulator_options: dict[str, Any] | None = None,
    on_ready: Callable[[Runtime], None] | None = None,
) -> AsyncIterator[Runtime]:
    """Build, start, yield, and on exit stop everything in reverse order."""
    clock = clock or SystemClock()
    async with AsyncExitStack() as stack:
        simulator, simulator_urls = None, None
        if brokers is None:
            simulator, simulator_urls = await _simulator(settings, clock, simulator_options, stack)
            http = await stack.enter_async_context(kis_http_client(timeout=10.0))
            brokers = AccountBrokers(_kis_factory(settings, http, clock, simulator_urls))
        container = build(settings, clock=clock, brokers=brokers)
        await container.start()
        stack.push_async_callback(container.close)
        accounts = AccountsDeps(
            uow=SqlAccountsUnitOfWorkFactory(container.db),
            cipher=secrets_box(settings),
            hasher=hasher or PasswordHashing(),
            clock=clock,
        )
        if isinstance(brokers, AccountBrokers):
            _wire_brokers(brokers, accounts, container, stack)
        streams = brokers if isinstance(brokers, AccountBrokers) else None
        if settings.settle_interval_seconds > 0:
            settler = asyncio.create_task(
                _reconcile_forever(container, settings.settle_interval_seconds, streams)
            )
            stack.push_async_callback(_cancel, settler)
        notify = await start_notifications(
            settings, container.db, clock, container.outbox_relay, stack
        )
        demo_account = _demo_credentials(settings, simulator) if simulator_urls else None
        demo = await _maybe_demo(settings, accounts, demo_account)
        state = _web_state(settings, accounts, container, clock, streams)
        state = dataclasses.replace(state, notify=notify.store)
        external = simulator_urls if simulator is None else None
        runtime = Runtime(container, state, simulator, demo, external, notify)
        if on_ready is not None:
            on_ready(runtime)
        yield runtime


async def _simulator(
    settings: Settings, clock: Clock, options: dict[str, Any] | None, stack: AsyncExitStack
) -> tuple[Simulator | None, tuple[str, str] | None]:
    """On SIMULATOR: the configured external simulator's URLs, else one started here."""
    if settings.kis_environment is not KisEnvironment.SIMULATOR:
        return None, None
    if settings.external_simulator is not None:
        return None, settings.external_simulator
    simulator = Simulator(clock=clock, **(options or {}))
    await simulator.start()
    stack.push_async_callback(simulator.stop)
    return simulator, (simulator.rest_url, simulator.ws_url)


def _wire_brokers(
    brokers: AccountBrokers, accounts: AccountsDeps, container: App, stack: AsyncExitStack
) -> None:
    brokers.bind(accounts)
    deps = container.deps
    brokers.on_fill(lambda broker, account: fills.follow_fills(deps, broker, account))
    stack.push_async_callback(brokers.close)


def _web_state(
    settings: Settings,
    accounts: AccountsDeps,
    container: App,
    clock: Clock,
    streams: AccountBrokers | None,
) -> WebState:
    return WebState(
        settings=settings,
        accounts=accounts,
        pipeline=ServicePipeline(container.deps),
        metrics=Metrics(streams),
        limiter=LoginLimiter(
            clock,
            max_attempts=settings.login_max_attempts,
            window_seconds=settings.login_window_seconds,
        ),
        clock=clock,
        public_url=_public_url(settings),
        tokens=TokenCache(accounts),
    )


async def _reconcile_forever(
    container: App, interval: float, streams: AccountBrokers | None = None
) -> None:
    """Keep our orders in step with the broker, from start-up on: settle 408-answered
    (UNCONFIRMED) orders, and take the broker's state for open ones, which recovers fills
    whose notices were lost while hantu was down or its WebSocket was away.

    The first pass takes every difference at once (no notice is still on its way for a fill
    made while we were down); later passes wait until a fill gap has lasted, unless the
    order's notice stream is down. Real time, not the injected clock: this is a scheduler
    tick, not domain time.
    """
    gaps = FillGaps(
        patience=timedelta(seconds=max(FILL_GAP_PATIENCE_SECONDS, 3 * interval)),
        stream_up=streams.stream_up if streams is not None else None,
        patience_while_down=timedelta(seconds=STREAM_DOWN_PATIENCE_SECONDS),
    )
    first = True
    while True:
        try:
            await reconciliation.reconcile_with_broker(container.deps, None if first else gaps)
        except Exception:  # a broker or database hiccup must not end the loop
            log.exception("reconciling with the broker failed; will retry")
        first = False
        await asyncio.sleep(interval)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _demo_credentials(settings: Settings, simulator: Simulator | None) -> BrokerCredentials | None:
    if simulator is not None:
        account = simulator.accounts[0]
        return BrokerCredentials(
            environment=KisEnvironment.SIMULATOR.value,
            app_key=account.app_key,
            app_secret=account.app_secret,
            account_number=account.number,
            hts_id=account.hts_id or "hantudemo",
        )
    key, secret = settings.kis_app_key, settings.kis_app_secret
    if settings.external_simulator is None or key is None or secret is None:
        return None
    # The settings validator has already required the account and HTS ID in this mode.
    return BrokerCredentials(
        environment=KisEnvironment.SIMULATOR.value,
        app_key=key.get_secret_value(),
        app_secret=secret.get_secret_value(),
        account_number=settings.kis_account or "",
        hts_id=settings.kis_hts_id or "",
    )


async def _maybe_demo(
    settings: Settings, accounts: AccountsDeps, credentials: BrokerCredentials | None
) -> DemoLogin | None:
    wanted = settings.demo if settings.demo is not None else credentials is not None
    if not wanted or credentials is None:
        return None
    return await ensure_demo(
        accounts, settings.demo_username, settings.demo_password.get_secret_value(), credentials
    )


async def _no_broker(credentials: BrokerCredentials) -> Broker:
    raise BrokerUnreachable(f"no broker in this command ({credentials.environment})")


@asynccontextmanager
async def accounts_only(settings: Settings) -> AsyncIterator[AccountsDeps]:
    """The database (migrated) and the accounts use cases, for CLI commands; no broker."""
    container = build(settings, brokers=AccountBrokers(_no_broker))
    await container.start()
    try:
        yield AccountsDeps(
            uow=SqlAccountsUnitOfWorkFactory(container.db),
            cipher=secrets_box(settings),
            hasher=PasswordHashing(),
            clock=container.clock,
        )
    finally:
        await container.close()
