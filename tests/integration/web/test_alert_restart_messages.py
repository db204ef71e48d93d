"""What ALERT-mode messages show is stored, so a restart (a new app over the same database)
still edits the right messages: the question asked again after a price move loses its
buttons, and a fill already shown stays shown. Fake Bot API, both databases."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

from hantu.domain.values import Price, Symbol
from hantu.messages_ko import alerts as ako
from tests.fakes_remote.telegram_server import FakeTelegram
from tests.inprocess_broker import Accept
from tests.integration.web.conftest import WebClient, signal
from tests.integration.web.telegram_support import CHAT, bot_app
from tests.integration.web.test_alert_telegram import (
    _alert_message,
    _alerting,
    _asked_again,
    _press,
    _press_data,
    _text_of,
    _until,
)


async def _stored(web: WebClient, query: str) -> Any:
    """The column once written (the message is sent before its id is stored)."""
    for _ in range(250):
        value = await web.scalar(query)
        if value is not None:
            return value
        await asyncio.sleep(0.02)
    raise AssertionError(f"never stored: {query}")


async def test_alert_second_question_asked_before_a_restart_is_closed_after_it(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server) as web:
        first, second = await _asked_again(web, telegram_server, 72_000)
        asked = [second]
        stored = await _stored(web, "SELECT second_message_id FROM alerts")
        broker = web.broker
    async with bot_app(database_url, tmp_path, telegram_server, broker=broker) as web:
        _press(telegram_server, asked[0], 0)
        await _until(lambda: "주문 접수" in _text_of(telegram_server, first), "the edit")
        await _until(lambda: "주문 접수" in _text_of(telegram_server, asked[0]), "the second edit")
        orders = await web.count("orders")
        after = await web.scalar("SELECT second_message_id FROM alerts")

    assert stored == asked[0]["message_id"]
    assert orders == 1
    assert after is None
    assert "reply_markup" not in telegram_server.messages[(CHAT, asked[0]["message_id"])]


async def test_alert_price_moving_twice_closes_the_older_second_question(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server) as web:
        _, second = await _asked_again(web, telegram_server, 72_000)
        asked = [second]
        web.broker.prices[Symbol("005930")] = Price(74_000)
        _press(telegram_server, asked[0], 0)
        again = await _until(
            lambda: [m for m in telegram_server.sent(CHAT) if "74,000원" in m["text"]],
            "the third question",
        )
        await _until(
            lambda: _text_of(telegram_server, asked[0]) == ako.ASKED_AGAIN_REPLACED,
            "the older question closed",
        )
        orders = await web.count("orders")

    assert orders == 0
    assert again[0]["message_id"] != asked[0]["message_id"]
    assert "reply_markup" not in telegram_server.messages[(CHAT, asked[0]["message_id"])]


async def test_alert_fill_shown_before_a_restart_stays_shown_after_it(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server) as web:
        member = await _alerting(web, telegram_server)
        web.broker.script(Accept(fill_quantity=4, fill_price=Decimal(70_000)))
        await web.webhook(signal(member.token, id="tv-1"))
        message = await _until(lambda: _alert_message(telegram_server), "the alert message")
        approve = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        _press(telegram_server, message, 0)
        await _until(lambda: "체결 진행" in _text_of(telegram_server, message), "the fill edit")
        line = await _stored(web, "SELECT fill_line FROM alerts")
        broker = web.broker
    async with bot_app(database_url, tmp_path, telegram_server, broker=broker) as web:
        late = _press_data(telegram_server, message, approve)  # Telegram kept a press for us
        await _until(lambda: late in telegram_server.answered_callbacks, "the late answer")
        shown = _text_of(telegram_server, message)
        orders = await web.count("orders")

    assert line == ako.partly_filled("005930", Decimal(4), Decimal(10), Decimal(70_000))
    assert telegram_server.callback_answers[late] == ako.NOT_FOUND  # the tap learns why
    assert line in shown  # the message keeps the order's result and its fill line
    assert ako.NOT_FOUND not in shown
    assert orders == 1
