"""The fill follow-up of spec 000 §6.3 through the running app (sweeper, broker check, fake
Bot API) on both databases: an approved alert's order with no fill notice after the wait is
looked up at the broker, and its message shows the fill or a warning, once, also after a
restart."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

from hantu.messages_ko import alerts as ako
from tests.fakes_remote.telegram_server import FakeTelegram
from tests.inprocess_broker import Hang
from tests.integration.web.conftest import Member, WebClient, signal
from tests.integration.web.telegram_support import bot_app
from tests.integration.web.test_alert_telegram import (
    _alert_message,
    _alerting,
    _press,
    _text_of,
    _until,
)

FAST_SWEEP = {"alert_sweep_seconds": 0.05}


async def _approved(web: WebClient, server: FakeTelegram) -> tuple[Member, dict[str, Any]]:
    member = await _alerting(web, server)
    await web.webhook(signal(member.token, id="tv-1"))
    message: dict[str, Any] = await _until(lambda: _alert_message(server), "the alert message")
    _press(server, message, 0)
    await _until(lambda: "주문" in _text_of(server, message).split("\n\n")[-1], "the decision")
    return member, message


async def _followed_up_at(web: WebClient) -> Any:
    for _ in range(250):
        value = await web.scalar("SELECT followed_up_at FROM alerts")
        if value is not None:
            return value
        await asyncio.sleep(0.02)
    raise AssertionError("the follow-up was never recorded")


async def test_alert_unfilled_order_is_checked_after_the_wait_and_warned_once(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server, **FAST_SWEEP) as web:
        _, message = await _approved(web, telegram_server)
        calls = web.broker.day_list_calls
        web.clock.advance(30)  # within the minute: nothing is asked yet
        await asyncio.sleep(0.3)
        early = await web.scalar("SELECT followed_up_at FROM alerts")
        early_calls = web.broker.day_list_calls
        web.clock.advance(31)
        warned = ako.still_open(60)
        await _until(lambda: warned in _text_of(telegram_server, message), "the warning")
        first = await _followed_up_at(web)
        web.broker.fill(web.broker.placed[0].broker_order_id, 10, notify=False)
        web.clock.advance(120)
        await asyncio.sleep(0.3)
        again = await web.scalar("SELECT followed_up_at FROM alerts")

    assert early is None
    assert early_calls == calls
    assert again == first  # once per alert
    assert "주문 접수" in _text_of(telegram_server, message)
    assert warned in _text_of(telegram_server, message)


async def test_alert_fill_without_a_notice_is_found_at_the_broker_and_shown(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server, **FAST_SWEEP) as web:
        member, message = await _approved(web, telegram_server)
        web.broker.fill(web.broker.placed[0].broker_order_id, 10, notify=False)  # notice lost
        web.clock.advance(61)
        await _until(lambda: "체결 완료" in _text_of(telegram_server, message), "the fill")
        status = await web.scalar("SELECT status FROM orders")
        line = await web.scalar("SELECT fill_line FROM alerts")
        history = (await member.client.get("/api/alerts?status=decided")).json()["alerts"]

    assert status == "FILLED"
    shown = ako.filled("005930", web.broker.default_price, Decimal(10))
    assert shown in _text_of(telegram_server, message)
    assert line == shown
    assert [a["fill_line"] for a in history] == [shown]


async def test_alert_unconfirmed_order_is_settled_by_the_follow_up_never_resent(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server, **FAST_SWEEP) as web:
        web.broker.script(Hang())
        _, message = await _approved(web, telegram_server)
        unconfirmed = _text_of(telegram_server, message)
        web.broker.release()
        web.clock.advance(61)
        await _until(
            lambda: ako.still_open(60) in _text_of(telegram_server, message), "the follow-up"
        )
        status = await web.scalar("SELECT status FROM orders")
        calls = web.broker.place_calls

    assert "미확인" in unconfirmed
    assert status == "SENT"
    assert calls == 1


async def test_alert_follow_up_due_while_down_is_done_after_a_restart(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server, **FAST_SWEEP) as web:
        _, message = await _approved(web, telegram_server)
        broker = web.broker
    broker.fill(broker.placed[0].broker_order_id, 4, notify=False)  # while hantu is down
    broker.clock.advance(600)  # type: ignore[attr-defined]
    async with bot_app(database_url, tmp_path, telegram_server, broker=broker, **FAST_SWEEP):
        await _until(lambda: "체결 진행" in _text_of(telegram_server, message), "the follow-up")

    assert "4/10주" in _text_of(telegram_server, message)
