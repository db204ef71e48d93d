"""ALERT mode in Telegram, end to end: webhook → message with ✅/❌ → press → order, through
python-telegram-bot against the fake Bot API, on both databases."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hantu import messages_ko as ko
from hantu.domain.values import Price, Symbol
from hantu.messages_ko import alerts as ako
from tests.fakes_remote.telegram_server import FakeTelegram
from tests.inprocess_broker import Accept
from tests.integration.web.conftest import Member, WebClient, signal
from tests.integration.web.telegram_support import CHAT, PERSON, STRANGER, bot_app, link_code, say

_press_ids = itertools.count(1)


async def _alerting(web: WebClient, server: FakeTelegram) -> Member:
    member = await web.member("alice")
    reply = await say(server, f"/start {await link_code(web, member)}")
    assert reply == ko.TG_LINKED.format(username="alice")
    switched = await member.client.patch(
        f"/api/strategies/{member.strategy_id}", json={"mode": "ALERT"}, headers=member.headers()
    )
    assert switched.status_code == 200, switched.text
    return member


async def _until(check: Any, what: str) -> Any:
    for _ in range(250):
        found = check()
        if found:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"never saw {what}")


async def _asked_again(
    web: WebClient, server: FakeTelegram, price: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An alert whose price moved to `price` before its ✅: the first message and the
    question asked again (a new message with the new price's button)."""
    member = await _alerting(web, server)
    await web.webhook(signal(member.token, id="tv-1"))
    first = await _until(lambda: _alert_message(server), "the alert message")
    web.broker.prices[Symbol("005930")] = Price(price)
    _press(server, first, 0)
    asked = await _until(
        lambda: [m for m in server.sent(CHAT) if "가격이 변동" in m["text"]],
        "the second question",
    )
    return first, asked[0]


def _alert_message(server: FakeTelegram) -> dict[str, Any] | None:
    for message in server.sent(CHAT):
        if message.get("reply_markup") and "inline_keyboard" in message["reply_markup"]:
            return message
    return None


def _press(server: FakeTelegram, message: dict[str, Any], button: int, **who: int) -> str:
    data = message["reply_markup"]["inline_keyboard"][0][button]["callback_data"]
    return _press_data(server, message, data, **who)


def _press_data(
    server: FakeTelegram,
    message: dict[str, Any],
    data: str,
    *,
    chat_id: int = CHAT,
    from_id: int = PERSON,
) -> str:
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


def _text_of(server: FakeTelegram, message: dict[str, Any]) -> str:
    return str(server.messages[(CHAT, message["message_id"])]["text"])


async def test_alert_press_approve_places_the_order_and_edits_the_message(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server) as web:
        member = await _alerting(web, telegram_server)
        answer = await web.webhook(signal(member.token, id="tv-1"))
        message = await _until(lambda: _alert_message(telegram_server), "the alert message")
        data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        press = _press(telegram_server, message, 0)
        await _until(lambda: "주문 접수" in _text_of(telegram_server, message), "the edit")
        orders = await web.count("orders")

    assert answer.json()["status"] == "pending_approval"
    assert len(data.encode()) <= 64
    assert press in telegram_server.answered_callbacks
    assert orders == 1
    assert "reply_markup" not in telegram_server.messages[(CHAT, message["message_id"])]


async def test_alert_press_reject_edits_and_places_nothing(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server) as web:
        member = await _alerting(web, telegram_server)
        await web.webhook(signal(member.token, id="tv-1"))
        message = await _until(lambda: _alert_message(telegram_server), "the alert message")
        _press(telegram_server, message, 1)
        await _until(lambda: ako.REJECTED in _text_of(telegram_server, message), "the edit")
        orders = await web.count("orders")

    assert orders == 0


async def test_alert_forged_and_foreign_presses_are_refused(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server) as web:
        member = await _alerting(web, telegram_server)
        await web.webhook(signal(member.token, id="tv-1"))
        message = await _until(lambda: _alert_message(telegram_server), "the alert message")
        genuine = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        other = "y" if genuine.endswith("x") else "x"  # a base64 signature may end in "x"
        forged = _press_data(telegram_server, message, genuine[:-1] + other)
        foreign = _press(telegram_server, message, 0, chat_id=STRANGER, from_id=STRANGER)
        await _until(
            lambda: {forged, foreign} <= telegram_server.answered_callbacks, "both answers"
        )
        await asyncio.sleep(0.2)
        orders = await web.count("orders")
        status = await web.scalar("SELECT status FROM alerts")

    assert orders == 0
    assert status == "PENDING"


async def test_alert_expired_by_the_sweeper_edits_the_message_and_refuses_a_press(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server, alert_sweep_seconds=0.05) as web:
        member = await _alerting(web, telegram_server)
        await web.webhook(signal(member.token, id="tv-1"))
        message = await _until(lambda: _alert_message(telegram_server), "the alert message")
        approve = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        web.clock.advance(301)
        await _until(lambda: "만료" in _text_of(telegram_server, message), "the expiry edit")
        await _until(
            lambda: "reply_markup" not in telegram_server.messages[(CHAT, message["message_id"])],
            "buttons removed",
        )
        late = _press_data(telegram_server, message, approve)
        await _until(lambda: late in telegram_server.answered_callbacks, "the late answer")
        await asyncio.sleep(0.2)
        orders = await web.count("orders")

    assert ako.expired(5) in _text_of(telegram_server, message)
    assert orders == 0


async def test_alert_fill_edits_the_message_again_with_the_fill(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server) as web:
        member = await _alerting(web, telegram_server)
        web.broker.script(Accept(fill_quantity=10, fill_price=Decimal(70_000)))
        await web.webhook(signal(member.token, id="tv-1"))
        message = await _until(lambda: _alert_message(telegram_server), "the alert message")
        _press(telegram_server, message, 0)
        await _until(lambda: "체결 완료" in _text_of(telegram_server, message), "the fill edit")

    assert "70,000원 × 10주" in _text_of(telegram_server, message)


async def test_alert_price_moved_asks_again_and_the_new_button_executes(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server) as web:
        first, second = await _asked_again(web, telegram_server, 72_000)
        asked = [second]
        no_order_yet = await web.count("orders")
        _press(telegram_server, asked[0], 0)
        await _until(lambda: "주문 접수" in _text_of(telegram_server, first), "the edit")
        second = await _until(
            lambda: "주문 접수" in _text_of(telegram_server, asked[0]), "the second edit"
        )
        orders = await web.count("orders")

    assert no_order_yet == 0
    assert orders == 1
    assert second
    assert "reply_markup" not in telegram_server.messages[(CHAT, asked[0]["message_id"])]


async def test_alert_restart_edits_alerts_expired_while_down_and_keeps_pending_ones(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server, alert_sweep_seconds=100) as web:
        member = await _alerting(web, telegram_server)
        now = web.clock.now()
        web.clock.set(now - timedelta(minutes=10))  # expired by the time the server is back
        await web.webhook(signal(member.token, id="old"))
        old = await _until(lambda: _alert_message(telegram_server), "the old alert")
        old_text = old["text"]
        web.clock.set(now)
        await web.webhook(signal(member.token, id="new"))
        fresh = await _until(
            lambda: [m for m in telegram_server.sent(CHAT) if m.get("reply_markup")][1:],
            "the new alert",
        )
        approve = fresh[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    async with bot_app(database_url, tmp_path, telegram_server, alert_sweep_seconds=100) as web:
        await _until(lambda: _text_of(telegram_server, old) != old_text, "the expiry edit")
        _press_data(telegram_server, fresh[0], approve)
        await _until(lambda: "주문 접수" in _text_of(telegram_server, fresh[0]), "the approval")
        orders = await web.count("orders")

    assert ako.expired(5) in _text_of(telegram_server, old)
    assert orders == 1
