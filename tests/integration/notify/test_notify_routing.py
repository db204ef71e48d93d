"""Where notifications go (both databases): each user's linked Telegram chat, else the admin
chat, else the Slack channel; an urgent one nobody can receive is listed as undeliverable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text

from hantu import messages_ko as ko
from hantu.adapters.db.telegram_repository import SqlTelegramUnitOfWorkFactory
from hantu.domain.accounts import UserId
from hantu.domain.notifications import EventKind, Notification, Recipient, Route
from hantu.domain.telegram import TelegramLink
from tests.builders import T0
from tests.fakes_remote.base import Fault
from tests.fakes_remote.slack_server import FakeSlack
from tests.fakes_remote.telegram_server import FakeTelegram
from tests.inprocess_broker import Refuse
from tests.integration.notify.test_notify_wiring import (
    _filled_order,
    _states_are,
    _until,
)
from tests.integration.web.conftest import Member, WebClient, running_app, signal
from tests.integration.web.telegram_support import CHAT, bot_app, link_code, message, say

ADMIN = 424242
ALICE_CHAT, BOB_CHAT = 5550101, 5550202
SLACK_CHANNEL = "C0ROUTE"


def telegram_settings(server: FakeTelegram, admin: int | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "telegram_bot_token": server.token,
        "telegram_api_url": server.base_url,
    }
    return values if admin is None else values | {"telegram_chat_id": admin}


def slack_settings(server: FakeSlack) -> dict[str, Any]:
    return {
        "slack_bot_token": server.token,
        "slack_api_url": server.base_url,
        "slack_channel": SLACK_CHANNEL,
    }


@asynccontextmanager
async def app_with(database_url: str, tmp_path: Path, **settings: Any) -> AsyncIterator[WebClient]:
    # Polling is off-path here: the bot is not asked for updates in these tests.
    options = {"telegram_options": {"poll_timeout": 0, "idle_seconds": 0.05}}
    async with running_app(
        database_url, tmp_path, runtime_options=options, settle_interval_seconds=0, **settings
    ) as web:
        yield web


async def link(web: WebClient, member: Member, chat: int) -> None:
    db = web.app.state.runtime.app.db
    async with SqlTelegramUnitOfWorkFactory(db)() as uow:
        await uow.telegram.save_link(TelegramLink(UserId(member.user_id), chat, chat, T0))
        await uow.commit()


async def test_a_notification_reaches_its_owners_linked_chat_and_no_other(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    settings = telegram_settings(telegram_server, ADMIN)
    async with app_with(database_url, tmp_path, **settings) as web:
        alice, bob = await web.member("alice"), await web.member("bob", strategy="beta")
        await link(web, alice, ALICE_CHAT)
        await link(web, bob, BOB_CHAT)

        await _filled_order(web, alice)

        await _until(lambda: len(telegram_server.sent(ALICE_CHAT)) == 1)
        await _until(_states_are(web, "delivered"), 5)
    assert telegram_server.sent(ALICE_CHAT)[0]["text"].startswith(ko.NOTIFY_ORDER_FILLED_TITLE)
    assert telegram_server.sent(BOB_CHAT) == []
    assert telegram_server.sent(ADMIN) == []


async def test_an_unlinked_users_notification_goes_to_the_admin_chat(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    settings = telegram_settings(telegram_server, ADMIN)
    async with app_with(database_url, tmp_path, **settings) as web:
        alice, bob = await web.member("alice"), await web.member("bob", strategy="beta")
        await link(web, alice, ALICE_CHAT)

        await _filled_order(web, bob)

        await _until(lambda: len(telegram_server.sent(ADMIN)) == 1)
    assert telegram_server.sent(ALICE_CHAT) == []


async def test_an_unlinked_users_high_notification_with_no_admin_chat_is_listed_undeliverable(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with app_with(database_url, tmp_path, **telegram_settings(telegram_server)) as web:
        bob = await web.member("bob")

        await _filled_order(web, bob)

        await _until(_states_are(web, "dead"), 5)  # at once: no retry can find a chat
        page = await bob.client.get("/positions")
    assert telegram_server.calls("sendMessage") == []
    assert ko.UI_TEXT["undelivered_title"] in page.text
    assert ko.NOTIFY_KIND_LABEL["order_filled"] in page.text
    assert ko.notify_routing.NOTIFY_NO_CHAT in page.text


async def test_a_command_reply_is_told_apart_from_a_notification_in_the_same_chat(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with bot_app(database_url, tmp_path, telegram_server) as web:
        member = await web.member("alice")
        linked = await say(telegram_server, f"/start {await link_code(web, member)}")

        await _filled_order(web, member)  # its notice races the reply to the next command
        status = await say(telegram_server, "/status")

        await _until(lambda: len(telegram_server.sent(CHAT)) == 3)
    assert linked == ko.TG_LINKED.format(username="alice")
    assert "신규 진입: 허용" in status
    notices = [m for m in telegram_server.sent(CHAT) if "reply_to_message" not in m]
    assert [m["text"].split("\n")[0] for m in notices] == [ko.NOTIFY_ORDER_FILLED_TITLE]


async def test_with_only_slack_a_high_notification_is_posted_at_once_after_a_429(
    database_url: str, tmp_path: Path, slack_server: FakeSlack
) -> None:
    slack_server.faults.retry_after = 2
    slack_server.faults.next(Fault.RATE_LIMITED, 1, "chat.postMessage")
    async with app_with(database_url, tmp_path, **slack_settings(slack_server)) as web:
        member = await web.member("alice")

        await _filled_order(web, member)

        await _until(lambda: len(slack_server.posted(SLACK_CHANNEL)) == 1)
        await _until(_states_are(web, "delivered"), 5)
        assert 2.0 in web.clock.slept  # Slack's own Retry-After was waited
    assert slack_server.posted(SLACK_CHANNEL)[0]["text"].startswith(ko.NOTIFY_ORDER_FILLED_TITLE)
    assert len(slack_server.calls("chat.postMessage")) == 2


async def test_with_only_slack_normal_notifications_wait_for_the_five_minute_digest(
    database_url: str, tmp_path: Path, slack_server: FakeSlack
) -> None:
    async with app_with(database_url, tmp_path, **slack_settings(slack_server)) as web:
        member = await web.member("alice")
        notifications = web.app.state.runtime.notifications
        recipient = Recipient(str(member.user_id))
        await notifications.directory.refresh(recipient)
        for n in (1, 2):
            told = await notifications.service.notify(
                Notification.of(EventKind.ADD_BUY_OPPORTUNITY, recipient, f"추가 매수 {n}", "", n)
            )
            assert told.route is Route.DIGEST
        await asyncio.sleep(1.5)  # a digest tick passes; the five minutes have not
        assert slack_server.posted(SLACK_CHANNEL) == []

        web.clock.advance(301)

        await _until(lambda: len(slack_server.posted(SLACK_CHANNEL)) == 1)
    text = slack_server.posted(SLACK_CHANNEL)[0]["text"]
    assert text.startswith("🔔 알림 요약: 2건")
    assert "추가 매수 1" in text
    assert "추가 매수 2" in text


async def test_an_emergency_the_linked_chat_cannot_take_goes_to_the_slack_channel(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram, slack_server: FakeSlack
) -> None:
    telegram_server.blocked_chats.add(ALICE_CHAT)
    settings = telegram_settings(telegram_server) | slack_settings(slack_server)
    async with app_with(database_url, tmp_path, **settings) as web:
        alice = await web.member("alice")
        await link(web, alice, ALICE_CHAT)
        web.broker.script(Refuse())

        response = await web.webhook(signal(alice.token))

        assert response.status_code == 400, response.text
        await _until(lambda: len(slack_server.posted(SLACK_CHANNEL)) == 1)
    assert slack_server.posted(SLACK_CHANNEL)[0]["text"].startswith(
        ko.NOTIFY_FAILED_ORDER_CREATED_TITLE
    )
    tried = [c.params["chat_id"] for c in telegram_server.calls("sendMessage")]
    assert tried
    assert {int(chat) for chat in tried} == {ALICE_CHAT}


async def test_a_redelivery_after_a_restart_does_not_send_the_notification_twice(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    settings = telegram_settings(telegram_server, ADMIN)
    async with app_with(database_url, tmp_path, **settings) as web:
        member = await web.member("alice")
        await _filled_order(web, member)
        await _until(_states_are(web, "delivered"), 5)
        # As if the process died after Telegram took it and before the entry was marked.
        async with web.app.state.runtime.app.db.begin() as connection:
            await connection.execute(
                text(
                    "UPDATE outbox SET state = 'pending', available_at = created_at,"
                    " delivered_at = NULL WHERE kind = 'notify'"
                )
            )

    async with app_with(database_url, tmp_path, **settings) as web:
        web.app.state.runtime.app.durable.wake_all()
        await _until(_states_are(web, "delivered"), 5)
        await asyncio.sleep(0.3)  # a second send would have arrived by now
    assert len(telegram_server.sent(ADMIN)) == 1


async def test_a_hanging_chat_holds_up_only_itself_and_keeps_its_own_order(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    telegram_server.slow_chats[BOB_CHAT] = 3.0
    async with app_with(database_url, tmp_path, **telegram_settings(telegram_server)) as web:
        alice, bob = await web.member("alice"), await web.member("bob", strategy="beta")
        await link(web, alice, ALICE_CHAT)
        await link(web, bob, BOB_CHAT)
        # Refused orders: each webhook commits its own notification (no fill pump between).
        web.broker.script(Refuse(), Refuse(), Refuse())
        await _refused(web, bob, 3)
        await _until(lambda: len(telegram_server.calls("sendMessage")) == 1)  # now hanging
        await _refused(web, bob, 2)
        await _refused(web, alice, 1)

        await _until(lambda: len(telegram_server.sent(ALICE_CHAT)) == 1)
        bob_when_alice_was_told = len(telegram_server.sent(BOB_CHAT))
        await _until(lambda: len(telegram_server.sent(BOB_CHAT)) == 2, 20)

    assert bob_when_alice_was_told == 0
    first, second = (m["text"] for m in telegram_server.sent(BOB_CHAT))
    assert "3주" in first
    assert "2주" in second


async def test_the_bot_answers_one_chat_while_another_chats_reply_hangs(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    slow, quick = 5550301, 5550302
    telegram_server.slow_chats[slow] = 3.0
    async with bot_app(database_url, tmp_path, telegram_server):
        telegram_server.push_update(message(slow, slow, "/help"))
        await _until(lambda: bool(telegram_server.calls("sendMessage")))  # slow one hangs

        reply = await say(telegram_server, "/help", chat_id=quick, from_id=quick)
        slow_when_quick_was_answered = len(telegram_server.sent(slow))
        await _until(lambda: len(telegram_server.sent(slow)) == 1, 20)

    assert reply == ko.TG_NOT_LINKED
    assert slow_when_quick_was_answered == 0


async def _refused(web: WebClient, member: Member, quantity: int) -> None:
    body = signal(member.token, quantity=str(quantity), id=f"{member.username}-{quantity}")
    response = await web.webhook(body)
    assert response.status_code == 400, response.text
