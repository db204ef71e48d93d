"""ALERT mode as a person meets it, over real sockets: the web app on either database, every
broker account reached through the real `KisBroker` against the KIS simulator, and the bot
polling the fake Telegram Bot API through python-telegram-bot.

`alert_desk(...)` runs one such app (a runtime; enter it again over the same database and
data dir for a restart) on a `FakeClock`; `Desk.member(...)` signs a user in with the
simulator's account, links their Telegram chat and switches their strategy to ALERT.
`press(...)` delivers a button press the way Telegram would: a `callback_query` update
queued at the fake server for the bot's next getUpdates.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from hantu import messages_ko as ko
from hantu.adapters.passwords import PasswordHashing
from hantu.config import Settings
from hantu.entrypoints.web.app import create_app
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.accounts import NewBrokerAccount
from hantu.service_layer.ports import Clock
from hantu.simulator.accounts import Account
from tests.fakes import FakeClock
from tests.fakes_remote.telegram_server import FakeTelegram
from tests.fixtures.kis_simulator import KisSimHandle
from tests.integration.web.conftest import PASSWORD, Member
from tests.integration.web.telegram_support import CHAT, FAST_POLLING, PERSON, link_code, say

T = TypeVar("T")
APPROVE, REJECT = 0, 1  # the buttons' places in the alert message's one row
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
_press_ids = itertools.count(1)


def tradingview_body(token: str, delivery: str, **overrides: Any) -> dict[str, Any]:
    """A webhook as a TradingView alert renders it: every placeholder quoted, the KRX
    prefix on the ticker, extra fields hantu ignores."""
    body: dict[str, Any] = {
        "token": token,
        "strategy": "krx-momentum",
        "id": delivery,
        "symbol": "KRX:005930",
        "side": "buy",
        "order_type": "LIMIT",
        "quantity": "10",
        "price": "70000",
        "market_position": "long",
        "fired_at": "2026-11-20T00:30:00Z",
    }
    body.update(overrides)
    return body


@dataclass
class Desk:
    """One running app and what a test drives it with."""

    app: FastAPI
    clock: Clock
    sim: KisSimHandle
    telegram: FakeTelegram
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def client(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app)
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        self.clients.append(client)
        return client

    async def csrf_of(self, client: httpx.AsyncClient, path: str) -> str:
        page = await client.get(path)
        found = _CSRF.search(page.text)
        assert found, f"no csrf meta tag on {path}"
        return found.group(1)

    async def sign_in(self, username: str) -> tuple[httpx.AsyncClient, str]:
        """A client signed in as `username` (an existing user) and its CSRF token."""
        client = self.client()
        form = {
            "username": username,
            "password": PASSWORD,
            "csrf_token": await self.csrf_of(client, "/login"),
        }
        signed_in = await client.post("/login", data=form)
        assert signed_in.status_code == 303, signed_in.text
        return client, await self.csrf_of(client, "/positions")

    async def member(
        self,
        username: str,
        *,
        chat_id: int = CHAT,
        from_id: int = PERSON,
        account: Account | None = None,
    ) -> Member:
        """A user trading a simulator account (the demo one unless `account`), linked to
        Telegram chat `chat_id` as person `from_id`, strategy in ALERT mode."""
        accounts = self.app.state.web.accounts
        user = await accounts_service.create_user(accounts, username, PASSWORD)
        client, csrf = await self.sign_in(username)
        member = Member(client, username, user.id, csrf)
        at = account or self.sim.account_obj
        form = NewBrokerAccount(
            "main", "SIMULATOR", at.app_key, at.app_secret, at.number, at.hts_id or ""
        )
        broker = await accounts_service.add_broker_account(
            accounts, user.id, form, check_keys=False
        )
        strategy, token = await accounts_service.create_strategy(accounts, user.id, "alpha")
        linked = await accounts_service.link_account(accounts, user.id, strategy.id, broker.id)
        member.strategy_id, member.token = strategy.id, token
        member.strategy_account_id, member.broker_account_id = linked.id, broker.id
        code = await link_code(self, member)
        reply = await say(self.telegram, f"/start {code}", chat_id=chat_id, from_id=from_id)
        assert reply == ko.TG_LINKED.format(username=username), reply
        switched = await client.patch(
            f"/api/strategies/{strategy.id}", json={"mode": "ALERT"}, headers=member.headers()
        )
        assert switched.status_code == 200, switched.text
        return member

    async def webhook(self, body: dict[str, Any]) -> httpx.Response:
        client = self.clients[0] if self.clients else self.client()
        # TradingView sends JSON with whatever content type; hantu parses the raw body.
        return await client.post(
            "/api/webhook", content=json.dumps(body), headers={"content-type": "text/plain"}
        )

    async def alert_of(self, member: Member, delivery: str, **overrides: Any) -> str:
        answer = await self.webhook(tradingview_body(member.token, delivery, **overrides))
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "pending_approval", answer.text
        return str(answer.json()["alert_id"])

    async def scalar(self, sql: str, **params: Any) -> Any:
        db = self.app.state.runtime.app.db
        async with db.connect() as connection:
            return (await connection.execute(text(sql), params)).scalar_one()

    async def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        db = self.app.state.runtime.app.db
        async with db.connect() as connection:
            return [tuple(row) for row in await connection.execute(text(sql), params)]

    async def count(self, table: str) -> int:
        return int(await self.scalar(f"SELECT COUNT(*) FROM {table}"))  # noqa: S608


@asynccontextmanager
async def alert_desk(
    database_url: str,
    tmp_path: Path,
    telegram: FakeTelegram,
    sim: KisSimHandle,
    *,
    clock: Clock | None = None,
    telegram_options: dict[str, Any] | None = None,
    **settings: Any,
) -> AsyncIterator[Desk]:
    """The app with its bot on and the simulator behind every account; `clock` (a FakeClock
    by default) carries over into a restarted runtime."""
    clock = clock or FakeClock()
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "database_url": database_url,
        "kis_simulator_rest_url": sim.rest_url,
        "kis_simulator_ws_url": sim.ws_url,
        "kis_app_key": sim.app_key,
        "kis_app_secret": sim.app_secret,
        "kis_account": sim.account,
        "kis_hts_id": sim.hts_id,
        "demo": False,
        "settle_interval_seconds": 0,
        "telegram_bot_token": telegram.token,
        "telegram_api_url": telegram.base_url,
        **settings,
    }
    app = create_app(
        Settings(_env_file=None, **values),  # type: ignore[call-arg]
        clock=clock,
        hasher=PasswordHashing(time_cost=1, memory_cost=8),
        telegram_options=telegram_options or FAST_POLLING,
    )
    async with app.router.lifespan_context(app):
        desk = Desk(app, clock, sim, telegram)
        try:
            yield desk
        finally:
            for client in desk.clients:
                await client.aclose()


async def until(check: Callable[[], T | Awaitable[T]], what: str, seconds: float = 15.0) -> T:
    """Poll `check` (sync or async) until it is truthy; its value."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if asyncio.iscoroutine(found) or isinstance(found, Awaitable):
            found = await found
        if found:
            return found  # type: ignore[return-value]
        if time.monotonic() > deadline:
            raise AssertionError(f"never saw {what}")
        await asyncio.sleep(0.02)


async def alert_message(desk: Desk, alert_id: str) -> dict[str, Any]:
    """The alert's Telegram message as sent (with its buttons), once its id is stored."""

    async def stored() -> tuple[int, int] | None:
        row = await desk.rows("SELECT chat_id, message_id FROM alerts WHERE id = :i", i=alert_id)
        return None if not row or row[0][1] is None else (int(row[0][0]), int(row[0][1]))

    key = await until(stored, f"the message of alert {alert_id}")
    return dict(desk.telegram.messages[key])


def buttons_of(message: dict[str, Any]) -> list[str]:
    """The callback data of the message's buttons, ✅ first."""
    return [b["callback_data"] for b in message["reply_markup"]["inline_keyboard"][0]]


def labels_of(message: dict[str, Any]) -> list[str]:
    return [b["text"] for b in message["reply_markup"]["inline_keyboard"][0]]


def press(
    server: FakeTelegram,
    message: dict[str, Any],
    data: str,
    *,
    chat_id: int = CHAT,
    from_id: int = PERSON,
) -> str:
    """Press a button (its callback data) on `message` as user `from_id`; the press id."""
    press_id = f"press-{next(_press_ids)}"
    server.push_update(
        {
            "callback_query": {
                "id": press_id,
                "from": {"id": from_id, "is_bot": False, "first_name": "민지"},
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": message["message_id"],
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private"},
                    "text": message["text"],
                },
            }
        }
    )
    return press_id


def text_now(server: FakeTelegram, message: dict[str, Any], chat_id: int = CHAT) -> str:
    """The message's text as it is now, after any edits."""
    return str(server.messages[(chat_id, message["message_id"])]["text"])


def edits_of(server: FakeTelegram, message: dict[str, Any]) -> list[str]:
    """Every editMessageText of `message`, in order."""
    return [
        str(call.params["text"])
        for call in server.calls("editMessageText")
        if str(call.params.get("message_id")) == str(message["message_id"])
    ]


def said(server: FakeTelegram, message: dict[str, Any], fragment: str) -> bool:
    """Whether any edit of `message` so far contained `fragment` (a later edit, such as the
    fill's, may have replaced it already)."""
    return any(fragment in edit for edit in edits_of(server, message))


def buttons_gone(server: FakeTelegram, message: dict[str, Any]) -> bool:
    """Whether the message, as it is now, has no buttons left."""
    return "reply_markup" not in server.messages[(message["chat"]["id"], message["message_id"])]


async def handled(server: FakeTelegram, chat_id: int = CHAT, from_id: int = PERSON) -> None:
    """Return once every update sent to the bot from `chat_id` so far has been handled: a
    chat's updates are handled in order, so the reply to a message sent now comes after."""
    await say(server, "/ping", chat_id=chat_id, from_id=from_id)
