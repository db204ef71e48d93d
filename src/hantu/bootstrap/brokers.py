"""The broker directories: find the broker behind a strategy account.

`AccountBrokers` goes through the (encrypted) stored broker accounts: one broker per broker
account, made on first use by a factory (`KisBrokers` for KIS or the simulator; tests may
hand in their own), kept for the app's life, and closed with it. The application hears of
each new broker (`on_broker`) to put a fill pump for it under its supervisor. Brokers with
a realtime stream (`Streaming`) also report whether it is up, for the sync's patience,
`/healthz` and `/metrics`. `StaticBrokerDirectory` maps strategy accounts to brokers handed
in (tests, benchmarks).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from hantu.adapters.kis.auth import KisCredentials
from hantu.adapters.kis.broker import KisConnection, build_kis_broker, connection_from_settings
from hantu.adapters.kis.environments import profile_for
from hantu.adapters.kis.key_check import check_keys
from hantu.adapters.kis.realtime_types import RealtimeHandlers
from hantu.adapters.kis.transport import KisHttp
from hantu.config import KisEnvironment, Settings
from hantu.domain.accounts import BrokerAccountId, BrokerCredentials
from hantu.errors import BrokerUnreachable
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.accounts import AccountsDeps
from hantu.service_layer.ports import (
    DEFAULT_BROKER_ACCOUNT,
    Broker,
    Clock,
    stored_broker_account,
)

BrokerFactory = Callable[[BrokerCredentials], Awaitable[Broker]]
NewBroker = Callable[[BrokerAccountId, Broker], None]
HandlersFor = Callable[[BrokerCredentials], RealtimeHandlers]

ALWAYS = datetime.min.replace(tzinfo=UTC)  # notices "since ever": no stream to wait for


@runtime_checkable
class Streaming(Protocol):
    """A broker with a realtime notice stream (`KisBroker`)."""

    def stream_up(self) -> bool: ...

    def stream_up_since(self) -> datetime | None: ...

    def dropped_frames(self) -> dict[str, int]: ...


@runtime_checkable
class MadeBrokers(Protocol):
    """A directory that can list the brokers it made so far (the close disconnects them)."""

    def made(self) -> list[Broker]: ...


class AccountBrokers:
    """A `BrokerDirectory` over the accounts tables."""

    def __init__(self, factory: BrokerFactory) -> None:
        self._accounts: AccountsDeps | None = None
        self._factory = factory
        self._by_account: dict[BrokerAccountId, Broker] = {}
        self._by_strategy_account: dict[int, Broker] = {}
        self._account_of: dict[int, BrokerAccountId] = {}
        self._lock = asyncio.Lock()
        self._on_broker: NewBroker | None = None
        self._retired: list[Broker] = []

    def bind(self, accounts: AccountsDeps) -> None:
        """Attach the accounts use cases (built after the bootstrap made the database)."""
        self._accounts = accounts

    def on_broker(self, hook: NewBroker) -> None:
        """What is told of every broker made from now on (the application's fill pumps)."""
        self._on_broker = hook

    async def broker_for(self, strategy_account_id: int) -> Broker:
        """The broker a strategy account trades through (made once, then cached)."""
        cached = self._by_strategy_account.get(strategy_account_id)
        if cached is not None:
            return cached
        if self._accounts is None:
            raise RuntimeError("AccountBrokers used before bind()")
        async with self._lock:
            found = await accounts_service.credentials_for(self._accounts, strategy_account_id)
            if found is None:
                raise BrokerUnreachable(
                    f"no broker account for strategy account {strategy_account_id}"
                )
            account_id, credentials = found
            broker = self._by_account.get(account_id)
            if broker is None:
                broker = await self._factory(credentials)
                self._by_account[account_id] = broker
                if self._on_broker is not None:
                    self._on_broker(account_id, broker)
            self._by_strategy_account[strategy_account_id] = broker
            self._account_of[strategy_account_id] = account_id
            return broker

    async def lookup_brokers(self) -> list[Broker]:
        """Brokers for read-only lookups (symbol names): those made so far, else one made
        from a stored account, REAL or SIMULATOR first (KIS paper has no product lookup)."""
        if self._by_account or self._accounts is None:
            return list(self._by_account.values())
        stored = await accounts_service.stored_broker_accounts(self._accounts)
        stored.sort(key=lambda found: found[0].environment == KisEnvironment.PAPER.value)
        async with self._lock:
            for account, credentials in stored[:1]:
                if account.id not in self._by_account:
                    broker = await self._factory(credentials)
                    self._by_account[account.id] = broker
                    if self._on_broker is not None:
                        self._on_broker(account.id, broker)
            return list(self._by_account.values())

    def made(self) -> list[Broker]:
        """The brokers made so far (current ones; a forgotten one is not listed)."""
        return list(self._by_account.values())

    def forget(self, account_id: BrokerAccountId) -> None:
        """Drop the broker of an account whose keys changed; the next order makes a new one.
        The old one keeps running (its fill pump may still hear notices) until the app ends."""
        old = self._by_account.pop(account_id, None)
        if old is not None:
            self._retired.append(old)
        for strategy_account, account in list(self._account_of.items()):
            if account == account_id:
                self._by_strategy_account.pop(strategy_account, None)
                self._account_of.pop(strategy_account, None)

    async def account_of(self, strategy_account_id: int) -> str:
        """The stored broker account behind a strategy account, by its stable name."""
        if strategy_account_id not in self._account_of:
            await self.broker_for(strategy_account_id)
        return stored_broker_account(self._account_of[strategy_account_id])

    def stream_up(self, strategy_account_id: int) -> bool:
        """Whether fill notices can reach us for this strategy account's orders now.

        A broker without a stream (a test's) counts as up: its fills come some other way.
        """
        return self.notices_since(strategy_account_id) is not None

    def notices_since(self, strategy_account_id: int) -> datetime | None:
        """Since when fill notices can reach us for this strategy account's orders, None
        while they cannot; `ALWAYS` for a broker without a stream (its fills come some
        other way)."""
        broker = self._by_strategy_account.get(strategy_account_id)
        if not isinstance(broker, Streaming):
            return ALWAYS
        return broker.stream_up_since()

    def streams(self) -> dict[int, bool]:
        """Each realtime stream, by broker account id: up or down."""
        return {
            int(account): broker.stream_up()
            for account, broker in self._by_account.items()
            if isinstance(broker, Streaming)
        }

    def dropped_frames(self) -> dict[str, int]:
        """Realtime frames dropped by every stream since start, by kind."""
        total: Counter[str] = Counter()
        for broker in self._by_account.values():
            if isinstance(broker, Streaming):
                total.update(broker.dropped_frames())
        return dict(total)

    async def close(self) -> None:
        """Close every broker that can be closed (the fill pumps are stopped before)."""
        for broker in [*self._by_account.values(), *self._retired]:
            aclose = getattr(broker, "aclose", None)
            if aclose is not None:
                await aclose()
        self._by_account.clear()
        self._by_strategy_account.clear()


class KisBrokers:
    """The `BrokerFactory` for stored accounts: a started `KisBroker` per account, on the
    application's one HTTP client; SIMULATOR accounts go to this process's simulator.

    `http` and `simulator_urls` are set when the application starts (building does no I/O).
    """

    def __init__(self, settings: Settings, clock: Clock, handlers_for: HandlersFor) -> None:
        self._settings = settings
        self._clock = clock
        self._handlers_for = handlers_for
        self.http: KisHttp | None = None
        self.simulator_urls: tuple[str, str] | None = None

    async def __call__(self, credentials: BrokerCredentials) -> Broker:
        if self.http is None:
            raise RuntimeError("KisBrokers used before the application started")
        connection = self._connection(credentials)
        handlers = self._handlers_for(credentials)
        broker = build_kis_broker(connection, self.http, self._clock, handlers=handlers)
        broker.start()
        return broker

    async def check_keys(self, credentials: BrokerCredentials) -> None:
        """The `KeyCheck` of stored accounts: issue the token the broker will reuse."""
        if self.http is None:
            raise BrokerUnreachable("KIS client not started")
        connection = self._connection(credentials)
        profile = profile_for(
            connection.environment,
            rest_base_url=connection.rest_base_url,
            ws_url=connection.ws_url,
        )
        await check_keys(
            self.http, profile, connection.credentials, self._clock, connection.token_cache_dir
        )

    def _connection(self, credentials: BrokerCredentials) -> KisConnection:
        environment = KisEnvironment(credentials.environment)
        rest_url = ws_url = None
        if environment is KisEnvironment.SIMULATOR:
            if self.simulator_urls is None:
                raise BrokerUnreachable("no KIS simulator is configured for this process")
            rest_url, ws_url = self.simulator_urls
        connection = connection_from_settings(
            self._settings,
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
        return connection


async def no_broker(credentials: BrokerCredentials) -> Broker:
    """The factory of commands that trade nothing (the admin CLI)."""
    raise BrokerUnreachable(f"no broker in this command ({credentials.environment})")


class StaticBrokerDirectory:
    """Every strategy account trades through one broker unless mapped to another."""

    def __init__(self, default: Broker, accounts: Mapping[int, Broker] | None = None) -> None:
        self.default = default
        self._accounts = dict(accounts or {})

    async def broker_for(self, strategy_account_id: int) -> Broker:
        return self._accounts.get(strategy_account_id, self.default)

    def made(self) -> list[Broker]:
        """Every broker handed in, the default first."""
        return [self.default, *(b for b in self._accounts.values() if b is not self.default)]

    async def lookup_brokers(self) -> list[Broker]:
        """Every broker handed in, the default first."""
        return self.made()

    async def account_of(self, strategy_account_id: int) -> str:
        broker = self._accounts.get(strategy_account_id, self.default)
        if broker is self.default:
            return DEFAULT_BROKER_ACCOUNT
        # Named after the first strategy account mapped to it: stable for a given mapping.
        return f"static:{min(a for a, b in self._accounts.items() if b is broker)}"
