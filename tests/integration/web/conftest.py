"""The web app over ASGI on both databases, with the in-process broker behind every account.

`web` (async) → a `WebClient` on a running app (lifespan entered): the real bootstrap,
migrations, accounts tables, argon2 (cheap parameters), Fernet, sessions and CSRF. Every
broker account is reached through `AccountBrokers`, whose factory hands out the one
`InProcessBroker` (`web.broker`) so tests can script accept / refuse / hang.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from hantu.adapters.passwords import PasswordHashing
from hantu.bootstrap import AccountBrokers
from hantu.config import Settings
from hantu.domain.accounts import BrokerCredentials
from hantu.domain.values import Price, Quantity, StrategyAccountId, Symbol
from hantu.entrypoints.web.app import create_app
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.accounts import AccountsDeps, NewBrokerAccount
from hantu.service_layer.ports import Broker
from tests.builders import a_position
from tests.fakes import FakeClock
from tests.inprocess_broker import InProcessBroker

PASSWORD = "correct-horse-battery"
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@dataclass
class Member:
    """A signed-in user with one broker account, one strategy and its strategy account."""

    client: httpx.AsyncClient
    username: str
    user_id: int
    csrf: str
    strategy_id: int = 0
    token: str = ""
    strategy_account_id: int = 0
    broker_account_id: int = 0

    def headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf}


@dataclass
class WebClient:
    app: FastAPI
    broker: InProcessBroker
    clock: FakeClock
    accounts: AccountsDeps
    database_url: str
    clients: list[httpx.AsyncClient] = field(default_factory=list)
    anonymous: httpx.AsyncClient | None = None

    def client(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app)
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        self.clients.append(client)
        return client

    async def csrf_of(self, client: httpx.AsyncClient, path: str = "/login") -> str:
        page = await client.get(path)
        found = _CSRF.search(page.text)
        assert found, f"no csrf meta tag on {path}"
        return found.group(1)

    async def login(
        self, client: httpx.AsyncClient, username: str, password: str
    ) -> httpx.Response:
        csrf = await self.csrf_of(client)
        form = {"username": username, "password": password, "csrf_token": csrf}
        return await client.post("/login", data=form)

    async def member(self, username: str, *, strategy: str = "alpha") -> Member:
        """Create a user with a broker account and a linked strategy, and sign them in."""
        user = await accounts_service.create_user(self.accounts, username, PASSWORD)
        client = self.client()
        response = await self.login(client, username, PASSWORD)
        assert response.status_code == 303, response.text
        member = Member(client, username, user.id, await self.csrf_of(client, "/positions"))
        account = await accounts_service.add_broker_account(
            self.accounts,
            user.id,
            NewBrokerAccount("main", "SIMULATOR", "k" * 36, "s" * 180, "50123456-01", "hts1"),
        )
        created, token = await accounts_service.create_strategy(self.accounts, user.id, strategy)
        link = await accounts_service.link_account(self.accounts, user.id, created.id, account.id)
        member.strategy_id, member.token = created.id, token
        member.strategy_account_id, member.broker_account_id = link.id, account.id
        return member

    async def webhook(self, body: Any, *, content_type: str = "application/json") -> httpx.Response:
        raw = body if isinstance(body, bytes | str) else json.dumps(body)
        if self.anonymous is None:
            self.anonymous = self.client()
        return await self.anonymous.post(
            "/api/webhook", content=raw, headers={"content-type": content_type}
        )

    async def count(self, table: str) -> int:
        db = self.app.state.runtime.app.db
        async with db.connect() as connection:
            result = await connection.execute(text(f"SELECT COUNT(*) FROM {table}"))  # noqa: S608
            return int(result.scalar_one())

    async def hold(self, strategy_account_id: int, quantity: int, symbol: str = "005930") -> None:
        """Give a strategy account a position, as earlier fills would have."""
        async with self.app.state.runtime.app.uow() as uow:
            position = a_position(
                strategy_account_id=StrategyAccountId(strategy_account_id),
                symbol=Symbol(symbol),
                quantity=Quantity(quantity),
                average_price=Price(70_000),
            )
            await uow.positions.add(position)
            await uow.commit()

    async def scalar(self, sql: str, **params: Any) -> Any:
        db = self.app.state.runtime.app.db
        async with db.connect() as connection:
            return (await connection.execute(text(sql), params)).scalar_one()


def signal(token: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "token": token,
        "symbol": "005930",
        "side": "BUY",
        "order_type": "LIMIT",
        "quantity": "10",
        "price": "70000",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture
async def web(database_url: str, tmp_path: Path) -> AsyncIterator[WebClient]:
    async with running_app(database_url, tmp_path, settle_interval_seconds=0) as client:
        yield client


@pytest.fixture
async def web_settling(database_url: str, tmp_path: Path) -> AsyncIterator[WebClient]:
    """Like `web`, with the background settler ticking every 50 ms."""
    async with running_app(database_url, tmp_path, settle_interval_seconds=0.05) as client:
        yield client


@asynccontextmanager
async def running_app(
    database_url: str,
    tmp_path: Path,
    runtime_options: dict[str, Any] | None = None,
    broker: InProcessBroker | None = None,
    **web_options: Any,
) -> AsyncIterator[WebClient]:
    """The app over `database_url`; pass the `broker` of an earlier run to restart over the
    same broker account (its book and clock carry over)."""
    if broker is None:
        clock = FakeClock()
        broker = InProcessBroker(clock)
    else:
        assert isinstance(broker.clock, FakeClock)
        clock = broker.clock

    async def factory(_credentials: BrokerCredentials) -> Broker:
        return broker

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database_url=database_url,
        order_timeout_seconds=0.3,
        order_queue_seconds=0.01,  # the in-process broker holds nothing back
        demo=False,
        **web_options,
    )
    app = create_app(
        settings,
        clock=clock,
        brokers=AccountBrokers(factory),
        hasher=PasswordHashing(time_cost=1, memory_cost=8),
        **(runtime_options or {}),
    )
    async with app.router.lifespan_context(app):
        client = WebClient(app, broker, clock, app.state.web.accounts, database_url)
        try:
            yield client
        finally:
            broker.release()
            for http in client.clients:
                await http.aclose()
