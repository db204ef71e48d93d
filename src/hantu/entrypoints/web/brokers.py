"""Glue: find the broker behind a strategy account, via its (encrypted) broker account.

One broker per broker account, made on first use by a factory (a `KisBroker` for KIS or the
simulator; tests may hand in their own), kept for the app's life, and closed with it. Each
new broker gets a task that follows its fill notices (the service layer's `follow_fills`).
Brokers with a realtime stream (`Streaming`) also report whether it is up, for the sync's
patience, `/healthz` and `/metrics`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol, runtime_checkable

from hantu.domain.accounts import BrokerAccountId, BrokerCredentials
from hantu.errors import BrokerUnreachable
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.accounts import AccountsDeps
from hantu.service_layer.ports import Broker, stored_broker_account

BrokerFactory = Callable[[BrokerCredentials], Awaitable[Broker]]
FillFollower = Callable[[Broker, str], Coroutine[Any, Any, None]]  # the broker, its account


@runtime_checkable
class Streaming(Protocol):
    """A broker with a realtime notice stream (`KisBroker`)."""

    def stream_up(self) -> bool: ...

    def dropped_frames(self) -> dict[str, int]: ...


class AccountBrokers:
    """A `BrokerDirectory` over the accounts tables."""

    def __init__(self, factory: BrokerFactory) -> None:
        self._accounts: AccountsDeps | None = None
        self._factory = factory
        self._by_account: dict[BrokerAccountId, Broker] = {}
        self._by_strategy_account: dict[int, Broker] = {}
        self._account_of: dict[int, BrokerAccountId] = {}
        self._lock = asyncio.Lock()
        self._follow_fills: FillFollower | None = None
        self._tasks: list[asyncio.Task[None]] = []

    def bind(self, accounts: AccountsDeps) -> None:
        """Attach the accounts use cases (built after the bootstrap made the database)."""
        self._accounts = accounts

    def on_fill(self, follow: FillFollower) -> None:
        """What follows the fill notices of every broker made from now on."""
        self._follow_fills = follow

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
                self._watch(broker, stored_broker_account(account_id))
            self._by_strategy_account[strategy_account_id] = broker
            self._account_of[strategy_account_id] = account_id
            return broker

    async def account_of(self, strategy_account_id: int) -> str:
        """The stored broker account behind a strategy account, by its stable name."""
        if strategy_account_id not in self._account_of:
            await self.broker_for(strategy_account_id)
        return stored_broker_account(self._account_of[strategy_account_id])

    def stream_up(self, strategy_account_id: int) -> bool:
        """Whether fill notices can reach us for this strategy account's orders now.

        A broker without a stream (a test's) counts as up: its fills come some other way.
        """
        broker = self._by_strategy_account.get(strategy_account_id)
        return not isinstance(broker, Streaming) or broker.stream_up()

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

    def _watch(self, broker: Broker, account: str) -> None:
        if self._follow_fills is not None:
            self._tasks.append(asyncio.create_task(self._follow_fills(broker, account)))

    async def close(self) -> None:
        """Stop the fill pumps and close every broker that can be closed."""
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        for broker in self._by_account.values():
            aclose = getattr(broker, "aclose", None)
            if aclose is not None:
                await aclose()
        self._by_account.clear()
        self._by_strategy_account.clear()
