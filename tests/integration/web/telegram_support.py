"""Driving the bot as a Telegram user would: updates queued at the fake Bot API, replies read
back from what the bot sent there."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tests.fakes_remote.telegram_server import FakeTelegram
from tests.integration.web.conftest import WebClient, running_app

CHAT = 5550001
PERSON = 5550001  # in a private chat the chat id is the person's id
STRANGER = 5550099
FAST_POLLING = {"poll_timeout": 0, "idle_seconds": 0.02, "retry_seconds": 0.05}
_message_ids = itertools.count(1)


@asynccontextmanager
async def bot_app(
    database_url: str, tmp_path: Path, server: FakeTelegram, **settings: Any
) -> AsyncIterator[WebClient]:
    """The web app with the Telegram bot on, pointed at the fake Bot API."""
    async with running_app(
        database_url,
        tmp_path,
        runtime_options={"telegram_options": FAST_POLLING},
        settle_interval_seconds=0,
        telegram_bot_token=server.token,
        telegram_api_url=server.base_url,
        **settings,
    ) as client:
        yield client


def message(chat_id: int, from_id: int, text: str) -> dict[str, Any]:
    chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": "민지"}
    if chat_id < 0:
        chat = {"id": chat_id, "type": "supergroup", "title": "hantu desk"}
    return {
        "message": {
            "message_id": next(_message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": from_id, "is_bot": False, "first_name": "민지"},
            "text": text,
        }
    }


async def say(
    server: FakeTelegram, text: str, *, chat_id: int = CHAT, from_id: int = PERSON
) -> str:
    """Send `text` to the bot by long polling and return the bot's reply to it: the message
    sent as a reply to this one, whatever else (a notification) reaches the chat meanwhile."""
    update = message(chat_id, from_id, text)
    server.push_update(update)
    for _ in range(250):
        replies = server.replies_to(update["message"]["message_id"], chat_id)
        if replies:
            return str(replies[0]["text"])
        await asyncio.sleep(0.02)
    raise AssertionError(f"no reply to {text!r} in chat {chat_id}")


async def link_code(web: WebClient, member: Any) -> str:
    response = await member.client.post("/api/telegram/link-code", headers=member.headers())
    assert response.status_code == 200, response.text
    return str(response.json()["code"])
