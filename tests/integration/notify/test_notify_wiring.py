"""Notifications end to end through the web app (both databases): a committed event becomes a
`notify` outbox entry, the relay tells it over the fake Telegram (or Slack), and what stays
undeliverable is listed on the positions page."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hantu import messages_ko as ko
from hantu.domain.accounts import BrokerCredentials
from tests.fakes_remote.base import Fault
from tests.fakes_remote.slack_server import FakeSlack
from tests.fakes_remote.telegram_server import FakeTelegram
from tests.inprocess_broker import Refuse
from tests.integration.web.conftest import Member, WebClient, running_app, signal

CHAT = 424242
SLACK_CHANNEL = "C0NOTIFY"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _notify_settings(
    telegram: FakeTelegram | None, slack: FakeSlack | None = None
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if telegram is not None:
        values |= {
            "telegram_bot_token": telegram.token,
            "telegram_api_url": telegram.base_url,
            "telegram_chat_id": CHAT,
        }
    if slack is not None:
        values |= {
            "slack_bot_token": slack.token,
            "slack_api_url": slack.base_url,
            "slack_channel": SLACK_CHANNEL,
        }
    return values


@asynccontextmanager
async def notifying_app(
    database_url: str, tmp_path: Path, telegram: FakeTelegram | None, slack: FakeSlack | None = None
) -> AsyncIterator[WebClient]:
    settings = _notify_settings(telegram, slack)
    async with running_app(database_url, tmp_path, settle_interval_seconds=0, **settings) as web:
        yield web


async def _until(predicate: Callable[[], Awaitable[bool] | bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        outcome = predicate()
        if outcome is True or (not isinstance(outcome, bool) and await outcome):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


async def _filled_order(web: WebClient, member: Member, quantity: int = 3) -> None:
    response = await web.webhook(signal(member.token, quantity=str(quantity), price="70700"))
    assert response.status_code == 200, response.text
    web.broker.fill(web.broker.placed[-1].broker_order_id, quantity)


async def _outbox_states(web: WebClient) -> list[str]:
    db = web.app.state.runtime.app.db
    async with db.connect() as connection:
        rows = await connection.execute(text("SELECT state FROM outbox WHERE kind = 'notify'"))
        return [row[0] for row in rows]


def _states_are(web: WebClient, *states: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await _outbox_states(web) == list(states)

    return check


def _wake(web: WebClient) -> None:
    web.app.state.runtime.app.durable.wake_all()


def _dead_after_every_retry(web: WebClient) -> Callable[[], Awaitable[bool]]:
    async def dead() -> bool:
        web.clock.advance(600)  # past every backoff of the relay
        _wake(web)
        return await _outbox_states(web) == ["dead"]

    return dead


async def test_a_webhook_fill_reaches_telegram_with_won_amounts(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with notifying_app(database_url, tmp_path, telegram_server) as web:
        member = await web.member("alice")

        await _filled_order(web, member)

        await _until(lambda: len(telegram_server.sent(CHAT)) == 1)
        text = telegram_server.sent(CHAT)[0]["text"]
        assert text.startswith(ko.NOTIFY_ORDER_FILLED_TITLE)
        assert "70,700원" in text
        assert "3주" in text
        assert "005930" in text
        await _until(_states_are(web, "delivered"), 5)


async def test_telegram_flood_control_then_ok_delivers_once(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    telegram_server.faults.retry_after = 2
    telegram_server.faults.next(Fault.RATE_LIMITED, 1, "sendMessage")
    async with notifying_app(database_url, tmp_path, telegram_server) as web:
        member = await web.member("alice")

        await _filled_order(web, member)

        await _until(lambda: len(telegram_server.sent(CHAT)) == 1)
        await asyncio.sleep(0.3)  # a second send would arrive by now
        assert len(telegram_server.sent(CHAT)) == 1
        assert len(telegram_server.calls("sendMessage")) == 2
        assert 2.0 in web.clock.slept  # the channel's own retry_after was waited


async def test_telegram_down_leaves_the_entry_dead_and_listed_on_the_page(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    telegram_server.faults.next(Fault.SERVER_ERROR, 1000, "sendMessage")
    async with notifying_app(database_url, tmp_path, telegram_server) as web:
        member = await web.member("alice")
        await _filled_order(web, member)

        await _until(_dead_after_every_retry(web), 30)
        page = await member.client.get("/positions")

    assert telegram_server.sent() == []
    assert len(telegram_server.calls("sendMessage")) >= 8  # every relay attempt was made
    assert ko.UI_TEXT["undelivered_title"] in page.text
    assert ko.NOTIFY_KIND_LABEL["order_filled"] in page.text
    assert "Internal Server Error" in page.text or "500" in page.text


async def test_an_undelivered_notification_is_listed_only_to_its_owner(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    telegram_server.faults.next(Fault.SERVER_ERROR, 1000, "sendMessage")
    async with notifying_app(database_url, tmp_path, telegram_server) as web:
        alice, bob = await web.member("alice"), await web.member("bob", strategy="beta")
        await _filled_order(web, alice)

        await _until(_dead_after_every_retry(web), 30)
        page = await bob.client.get("/positions")

    assert ko.UI_TEXT["undelivered_title"] not in page.text


async def _choose(member: Member, **choices: str) -> int:
    page = await member.client.get("/notifications")
    found = _CSRF.search(page.text)
    assert found, "no csrf field on the notifications form"
    response = await member.client.post(
        "/notifications", data={"csrf_token": found.group(1), **choices}
    )
    return response.status_code


async def test_a_kind_set_off_sends_nothing_and_silent_sends_without_sound(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with notifying_app(database_url, tmp_path, telegram_server) as web:
        member = await web.member("alice")
        assert await _choose(member, order_filled="off") == 200

        await _filled_order(web, member)
        await _until(_states_are(web, "delivered"), 5)  # told by nobody, by choice
        assert telegram_server.sent() == []

        assert await _choose(member, order_filled="silent") == 200
        await _filled_order(web, member, 2)
        await _until(lambda: len(telegram_server.sent(CHAT)) == 1)

    assert telegram_server.calls("sendMessage")[0].params["disable_notification"] in (True, "true")


async def test_the_preferences_form_refuses_an_unknown_mode_and_stores_nothing(
    database_url: str, tmp_path: Path
) -> None:
    async with notifying_app(database_url, tmp_path, None) as web:
        member = await web.member("alice")

        status = await _choose(member, order_filled="silent", daily_summary="loud")
        page = await member.client.get("/notifications")

    assert status == 400
    assert re.search(r'name="order_filled" value="on"[^>]*\bchecked', page.text)


async def test_the_preferences_form_without_csrf_is_refused(
    database_url: str, tmp_path: Path
) -> None:
    async with notifying_app(database_url, tmp_path, None) as web:
        member = await web.member("alice")

        response = await member.client.post("/notifications", data={"order_filled": "off"})

    assert response.status_code == 403


async def test_an_emergency_telegram_cannot_take_goes_to_slack(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram, slack_server: FakeSlack
) -> None:
    telegram_server.blocked_chats.add(CHAT)
    async with notifying_app(database_url, tmp_path, telegram_server, slack_server) as web:
        member = await web.member("alice")
        web.broker.script(Refuse())

        response = await web.webhook(signal(member.token))

        assert response.status_code == 400, response.text
        await _until(lambda: len(slack_server.posted(SLACK_CHANNEL)) == 1)
    text = slack_server.posted(SLACK_CHANNEL)[0]["text"]
    assert text.startswith(ko.NOTIFY_FAILED_ORDER_CREATED_TITLE)
    assert telegram_server.sent() == []


async def test_a_hanging_telegram_never_delays_the_webhook_answer(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    telegram_server.faults.hang_seconds = 2.0
    telegram_server.faults.next(Fault.HANG, 3, "sendMessage")
    async with notifying_app(database_url, tmp_path, telegram_server) as web:
        member = await web.member("alice")
        await _filled_order(web, member)
        await _until(lambda: len(telegram_server.calls("sendMessage")) == 1)  # now hanging

        started = time.monotonic()
        response = await web.webhook(signal(member.token, quantity="1"))
        elapsed = time.monotonic() - started

    assert response.status_code == 200, response.text
    assert elapsed < 1.0


async def test_an_entry_committed_before_a_crash_is_told_after_the_restart(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    # First run: Telegram hangs, and the process goes away mid-delivery (as if killed): the
    # entry stays pending under its lease.
    telegram_server.faults.hang_seconds = 2.0
    telegram_server.faults.next(Fault.HANG, 1, "sendMessage")
    async with notifying_app(database_url, tmp_path, telegram_server) as web:
        member = await web.member("alice")
        await _filled_order(web, member)
        await _until(lambda: len(telegram_server.calls("sendMessage")) == 1)
    assert telegram_server.sent() == []

    async with notifying_app(database_url, tmp_path, telegram_server) as web:
        web.clock.advance(120)  # the dead relay's lease has run out
        _wake(web)
        await _until(lambda: len(telegram_server.sent(CHAT)) == 1)
        await _until(_states_are(web, "delivered"), 5)
    assert "70,700원" in telegram_server.sent(CHAT)[0]["text"]


async def test_with_no_channel_configured_an_emergency_is_settled_not_retried(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with notifying_app(database_url, tmp_path, None) as web:
        member = await web.member("alice")
        web.broker.script(Refuse())

        response = await web.webhook(signal(member.token))

        assert response.status_code == 400, response.text
        await _until(_states_are(web, "delivered", "delivered"), 5)
    # Settled, but not without a trace a human (or the Slack log handler) can see.
    unsent = [r for r in caplog.records if "not sent" in r.getMessage()]
    assert unsent
    assert all(r.levelno == logging.WARNING for r in unsent)


async def test_the_slack_log_handler_runs_with_the_app_and_is_removed_at_shutdown(
    database_url: str, tmp_path: Path, slack_server: FakeSlack
) -> None:
    settings = {
        "slack_bot_token": slack_server.token,
        "slack_api_url": slack_server.base_url,
        "slack_log_channel_critical": "C0CRIT",
        "slack_log_channel_error": "C0ERR",
    }
    before = list(logging.getLogger().handlers)
    async with running_app(database_url, tmp_path, settle_interval_seconds=0, **settings):
        logging.getLogger("hantu.test").error("the books disagree")
        await _until(lambda: len(slack_server.posted("C0ERR")) == 1)

    assert logging.getLogger().handlers == before
    assert "the books disagree" in slack_server.posted("C0ERR")[0]["text"]


async def test_a_crashed_background_service_is_told_to_the_configured_chat_once_a_minute(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async def crashing() -> None:
        raise RuntimeError("db gone")

    async with notifying_app(database_url, tmp_path, telegram_server) as web:
        web.app.state.runtime.app.supervisor.add("reconcile", crashing)  # crashes at once
        await _until(lambda: len(telegram_server.sent(CHAT)) == 1)
        notifications = web.app.state.runtime.notifications
        await notifications.crashed("reconcile", RuntimeError("db gone again"))

    crashes = [
        m
        for m in telegram_server.sent(CHAT)
        if m["text"].startswith(ko.NOTIFY_SUPERVISOR_CRASH_TITLE)  # other notices may share it
    ]
    [sent] = crashes
    assert "reconcile" in sent["text"]
    assert "RuntimeError: db gone" in sent["text"]


async def test_a_realtime_feed_gone_to_sleep_is_told_as_an_emergency_with_the_holdings(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with notifying_app(database_url, tmp_path, telegram_server) as web:
        member = await web.member("alice")
        await web.hold(member.strategy_account_id, 5)
        credentials = BrokerCredentials("SIMULATOR", "k" * 36, "s" * 180, "50123456-01", "h")
        handlers = web.app.state.runtime.app.realtime.handlers_for(credentials)
        assert handlers.on_sleep is not None

        handlers.on_sleep("KIS realtime connection failed after every reconnect attempt")

        await _until(lambda: len(telegram_server.sent(CHAT)) == 1)
    text = telegram_server.sent(CHAT)[0]["text"]
    assert text.startswith(ko.NOTIFY_CONNECTION_FAILED_TITLE)
    assert "현재 보유 종목: 1개" in text
    assert telegram_server.calls("sendMessage")[0].params["disable_notification"] in (
        False,
        "false",
        None,
    )
