"""A real server with members and an SSE reader, for the live stream's tests and bench."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from hantu.adapters.passwords import PasswordHashing
from hantu.bootstrap import AccountBrokers
from hantu.config import Settings
from hantu.domain.accounts import BrokerCredentials
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.accounts import NewBrokerAccount
from hantu.service_layer.live_feed import LiveFeed
from hantu.service_layer.ports import Broker
from tests.fakes import FakeClock
from tests.inprocess_broker import InProcessBroker
from tests.integration.web.server import ServerThread

PASSWORD = "correct-horse-battery"
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@dataclass(frozen=True, slots=True)
class Sse:
    event: str
    data: dict[str, Any]
    id: str | None
    retry: int | None


@dataclass
class SseReader:
    """Reads one stream's events (comments and pings skipped)."""

    response: httpx.Response
    _lines: AsyncIterator[str] | None = None
    retry: int | None = None

    async def next(self, seconds: float = 2.0) -> Sse:
        if self._lines is None:
            self._lines = self.response.aiter_lines()
        async with asyncio.timeout(seconds):
            return await self._read()

    async def _read(self) -> Sse:
        assert self._lines is not None
        fields: dict[str, str] = {}
        async for line in self._lines:
            if line == "":
                if "data" in fields:
                    return Sse(
                        fields.get("event", "message"),
                        json.loads(fields["data"]),
                        fields.get("id"),
                        self.retry,
                    )
                fields = {}
                continue
            name, _, value = line.partition(":")
            if name == "retry":
                self.retry = int(value.strip())
            elif name:
                fields[name] = value.removeprefix(" ")
        raise EOFError("stream ended")

    async def until(self, event: str, seconds: float = 2.0) -> Sse:
        async with asyncio.timeout(seconds):
            while (found := await self.next(seconds)).event != event:
                pass
            return found

    async def nothing_for(self, seconds: float) -> bool:
        """True when no event arrives within `seconds`."""
        try:
            await self.next(seconds)
        except TimeoutError:
            return True
        return False


@dataclass
class Trader:
    """A user signed in over a real socket, with one strategy account."""

    client: httpx.AsyncClient
    token: str
    strategy_account_id: int
    user_id: int
    broker_account_id: int

    @asynccontextmanager
    async def stream(self, **headers: str) -> AsyncIterator[SseReader]:
        async with self.client.stream("GET", "/api/v1/live", headers=headers) as response:
            assert response.status_code == 200, await response.aread()
            assert response.headers["content-type"].startswith("text/event-stream")
            yield SseReader(response)


@dataclass
class LiveServer:
    server: ServerThread
    broker: InProcessBroker
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    @property
    def feed(self) -> LiveFeed:
        assert self.server.runtime is not None
        feed = self.server.runtime.state.live
        assert feed is not None
        return feed

    def client(self) -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=self.server.base_url, timeout=10)
        self.clients.append(client)
        return client

    async def trader(self, username: str) -> Trader:
        runtime = self.server.runtime
        assert runtime is not None
        accounts = runtime.state.accounts

        async def create() -> tuple[str, int, int, int]:
            user = await accounts_service.create_user(accounts, username, PASSWORD)
            form = NewBrokerAccount("main", "SIMULATOR", "k" * 36, "s" * 180, "50123456-01", "h")
            account = await accounts_service.add_broker_account(accounts, user.id, form)
            strategy, token = await accounts_service.create_strategy(accounts, user.id, "alpha")
            link = await accounts_service.link_account(accounts, user.id, strategy.id, account.id)
            return token, link.id, user.id, account.id

        token, link_id, user_id, account_id = self.server.run(create)
        client = self.client()
        page = await client.get("/login")
        found = _CSRF.search(page.text)
        assert found
        form = {"username": username, "password": PASSWORD, "csrf_token": found.group(1)}
        assert (await client.post("/login", data=form)).status_code == 303
        return Trader(client, token, link_id, user_id, account_id)

    async def second_strategy(self, trader: Trader) -> str:
        """Link another strategy to the trader's broker account; return its webhook token."""
        runtime = self.server.runtime
        assert runtime is not None
        accounts = runtime.state.accounts

        async def create() -> str:
            strategy, token = await accounts_service.create_strategy(
                accounts, trader.user_id, "beta"
            )
            await accounts_service.link_account(
                accounts, trader.user_id, strategy.id, trader.broker_account_id
            )
            return token

        return self.server.run(create)

    async def webhook(self, token: str, **fields: str) -> httpx.Response:
        body = {
            "token": token,
            "symbol": "005930",
            "side": "BUY",
            "order_type": "LIMIT",
            "quantity": "1",
            "price": "70000",
            **fields,
        }
        return await self.client().post("/api/webhook", content=json.dumps(body))

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()


def live_server(database_url: str, data_dir: Path) -> LiveServer:
    """Start the app on a socket, every account trading with one in-process broker."""
    clock = FakeClock()
    broker = InProcessBroker(clock)

    async def factory(_credentials: BrokerCredentials) -> Broker:
        return broker

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        database_url=database_url,
        demo=False,
        settle_interval_seconds=0,
        order_timeout_seconds=0.5,
        order_queue_seconds=0.01,
    )
    options = {
        "clock": clock,
        "brokers": AccountBrokers(factory),
        "hasher": PasswordHashing(time_cost=1, memory_cost=8),
    }
    server = ServerThread(settings, options)
    server.start()
    return LiveServer(server, broker)
