"""Telegram webhook mode (a public https URL): setWebhook with the secret at start, and the
secret header checked before anything is parsed; and no token in the logs."""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from hantu import messages_ko as ko
from hantu.logs import configure_logging
from tests.fakes_remote.base import Fault
from tests.fakes_remote.telegram_server import FakeTelegram
from tests.integration.web.telegram_support import bot_app, link_code, message, say

PUBLIC = "https://hantu.example.com"
SECRET = "right-secret_0123456789"
HOOK = "/api/v1/telegram/webhook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def _webhook_set(server: FakeTelegram) -> None:
    """The bot sets its webhook as a supervised service, shortly after start."""
    for _ in range(250):
        if server.webhook["url"]:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the webhook was never set")


def _update(chat_id: int, text: str) -> dict[str, object]:
    return {"update_id": 734000001, **message(chat_id, chat_id, text)}


async def test_telegram_webhook_mode_sets_the_webhook_with_its_secret_at_start(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(
        database_url, tmp_path, telegram_server, public_url=PUBLIC, telegram_webhook_secret=SECRET
    ):
        await _webhook_set(telegram_server)
        (call,) = telegram_server.calls("setWebhook")
        polled = telegram_server.calls("getUpdates")

    assert call.params["url"] == f"{PUBLIC}{HOOK}"
    assert call.params["secret_token"] == SECRET
    assert polled == []


async def test_telegram_webhook_refuses_a_missing_or_wrong_secret_and_handles_the_right_one(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(
        database_url, tmp_path, telegram_server, public_url=PUBLIC, telegram_webhook_secret=SECRET
    ) as web:
        client = web.client()
        missing = await client.post(HOOK, json=_update(61, "/help"))
        wrong = await client.post(HOOK, json=_update(61, "/help"), headers={HEADER: SECRET + "x"})
        sent_after_refusals = len(telegram_server.sent(61))
        garbage = await client.post(HOOK, content=b"{not json", headers={HEADER: SECRET})
        right = await client.post(HOOK, json=_update(61, "/help"), headers={HEADER: SECRET})

    assert (missing.status_code, wrong.status_code) == (401, 403)
    assert wrong.json()["error"] == ko.TG_WEBHOOK_HEADER_WRONG
    assert sent_after_refusals == 0
    assert garbage.status_code == 400
    assert right.status_code == 200
    assert [m["text"] for m in telegram_server.sent(61)] == [ko.TG_NOT_LINKED]


async def test_telegram_webhook_is_off_while_polling(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server) as web:
        response = await web.client().post(HOOK, json=_update(61, "/help"), headers={HEADER: "x"})

    assert response.status_code == 404


@pytest.fixture
def hantu_logging() -> Iterator[io.StringIO]:
    """hantu's own logging set-up at DEBUG, writing into a buffer; restored afterwards."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "telegram")}
    buffer = io.StringIO()
    handler = configure_logging("DEBUG")
    handler.setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


async def test_telegram_token_and_link_code_never_reach_the_logs(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram, hantu_logging: io.StringIO
) -> None:
    telegram_server.faults.next(Fault.SERVER_ERROR, 1, "getUpdates")  # one logged failure
    async with bot_app(database_url, tmp_path, telegram_server) as web:
        member = await web.member("alice")
        code = await link_code(web, member)
        await say(telegram_server, f"/start {code}")

    logged = hantu_logging.getvalue()
    secret_part = telegram_server.token.split(":", 1)[1]
    assert "telegram getUpdates failed" in logged  # the capture sees the bot's log lines
    assert secret_part not in logged
    assert code not in logged


async def test_telegram_webhook_secret_is_generated_into_the_data_dir_when_unset(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server, public_url=PUBLIC):
        await _webhook_set(telegram_server)
        (call,) = telegram_server.calls("setWebhook")

    stored = (tmp_path / "telegram_webhook.secret").read_text(encoding="ascii")
    assert call.params["secret_token"] == stored
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", stored)
    assert (tmp_path / "telegram_webhook.secret").stat().st_mode & 0o077 == 0


async def test_telegram_webhook_refused_at_start_is_set_in_the_background(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    telegram_server.faults.next(Fault.SERVER_ERROR, 2, "setWebhook")
    async with bot_app(
        database_url, tmp_path, telegram_server, public_url=PUBLIC, telegram_webhook_secret=SECRET
    ):
        await _webhook_set(telegram_server)
        tries = len(telegram_server.calls("setWebhook"))

    assert telegram_server.webhook == {"url": f"{PUBLIC}{HOOK}", "secret_token": SECRET}
    assert tries == 3
