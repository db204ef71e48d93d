"""The notification service over the real Telegram and Slack notifiers and the fakes."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest

from hantu import messages_ko as m
from hantu.adapters.notify.delivery import FallbackNotifier
from hantu.adapters.notify.slack import SlackNotifier, make_client
from hantu.adapters.notify.telegram import TelegramNotifier, make_bot
from hantu.domain.notifications import (
    EventKind,
    Notification,
    Preference,
    Preferences,
    Recipient,
    Route,
)
from hantu.service_layer.notifications import NotificationService
from hantu.service_layer.notify_ports import DeliveryResult, DeliveryStatus
from tests.fakes import FakeClock
from tests.fakes_remote.slack_server import FakeSlack
from tests.fakes_remote.telegram_server import FakeTelegram

MINJI = Recipient("minji")
NOBODY = Recipient("nobody")
CHAT = 511223344
OPS = "C08OPS"


class Directory:
    def __init__(self) -> None:
        self.chats = {MINJI: str(CHAT)}
        self.prefs: dict[Recipient, Preferences] = {}

    def chat_of(self, recipient: Recipient) -> str | None:
        return self.chats.get(recipient)

    def preferences_of(self, recipient: Recipient) -> Preferences:
        return self.prefs.get(recipient, Preferences())


class Sink:
    def __init__(self) -> None:
        self.records: list[tuple[Recipient, DeliveryResult]] = []

    def record(self, recipient: Recipient, text: str, result: DeliveryResult) -> None:
        self.records.append((recipient, result))


class Rig:
    def __init__(self, telegram: TelegramNotifier, slack: SlackNotifier) -> None:
        self.clock = FakeClock()
        self.directory = Directory()
        self.sink = Sink()
        self.service = NotificationService(
            telegram,
            FallbackNotifier(telegram, slack, OPS),
            self.directory,
            self.clock,
            self.sink,
        )


@pytest.fixture
async def rig(telegram_server: FakeTelegram, slack_server: FakeSlack) -> AsyncIterator[Rig]:
    telegram = TelegramNotifier(make_bot(telegram_server.token, telegram_server.base_url, 0.5))
    slack = SlackNotifier(make_client(slack_server.token, slack_server.base_url, 2))
    yield Rig(telegram, slack)
    await telegram.aclose()


def a_fill(key: object = 1, kind: EventKind = EventKind.ORDER_FILLED) -> Notification:
    title, body = m.order_filled("삼성전자", "005930", "BUY", Decimal(10), Decimal(70667))
    return Notification.of(kind, MINJI, title, body, key)


def an_opportunity(key: object) -> Notification:
    return Notification.of(
        EventKind.ADD_BUY_OPPORTUNITY, MINJI, "🔔 추가 매수 기회", f"#{key}", key
    )


async def test_service_high_priority_goes_at_once_with_sound(
    rig: Rig, telegram_server: FakeTelegram
) -> None:
    told = await rig.service.notify(a_fill())

    assert told.route is Route.SEND_NOW
    [sent] = telegram_server.sent(CHAT)
    assert sent["text"].startswith("✅ 주문 체결\n\n종목: 삼성전자 005930")
    assert sent["text"].endswith("매수 10주 @ 70,667원")
    assert sent["_disable_notification"] is False


async def test_service_silent_preference_sends_without_sound(
    rig: Rig, telegram_server: FakeTelegram
) -> None:
    rig.directory.prefs[MINJI] = Preferences({EventKind.ORDER_FILLED: Preference.SILENT})

    await rig.service.notify(a_fill())

    assert [s["_disable_notification"] for s in telegram_server.sent(CHAT)] == [True]


async def test_service_off_and_low_priority_send_nothing(
    rig: Rig, telegram_server: FakeTelegram
) -> None:
    rig.directory.prefs[MINJI] = Preferences({EventKind.ORDER_FILLED: Preference.OFF})

    off = await rig.service.notify(a_fill())
    low = await rig.service.notify(Notification.of(EventKind.RECONNECTED, MINJI, "✅", "", 1))

    assert (off.route, low.route) == (Route.DROP, Route.LOG_ONLY)
    assert telegram_server.calls("sendMessage") == []


async def test_service_normal_priority_waits_for_one_silent_digest(
    rig: Rig, telegram_server: FakeTelegram
) -> None:
    await rig.service.notify(an_opportunity(1))
    rig.clock.advance(120)
    await rig.service.notify(an_opportunity(2))

    assert await rig.service.send_due_digests() == []
    rig.clock.advance(timedelta(minutes=3).total_seconds())
    [result] = await rig.service.send_due_digests()

    assert result.ok
    [digest] = telegram_server.sent(CHAT)
    assert digest["text"].startswith("🔔 알림 요약: 2건 (09:30 ~ 09:35)")
    assert "• 🔔 추가 매수 기회\n\n#1" in digest["text"]
    assert digest["_disable_notification"] is True


async def test_service_shutdown_sends_the_open_digest(
    rig: Rig, telegram_server: FakeTelegram
) -> None:
    await rig.service.notify(an_opportunity(1))

    [result] = await rig.service.send_due_digests(everything=True)

    assert result.ok
    assert len(telegram_server.sent(CHAT)) == 1


async def test_service_same_event_twice_is_told_once(
    rig: Rig, telegram_server: FakeTelegram
) -> None:
    await rig.service.notify(a_fill(key=7))
    again = await rig.service.notify(a_fill(key=7))

    assert again.route is Route.DROP
    assert len(telegram_server.sent(CHAT)) == 1


async def test_service_failed_delivery_is_recorded_and_a_redelivery_is_tried_again(
    rig: Rig, telegram_server: FakeTelegram
) -> None:
    telegram_server.blocked_chats.add(CHAT)
    first = await rig.service.notify(a_fill(key=7))
    telegram_server.blocked_chats.clear()
    second = await rig.service.notify(a_fill(key=7))

    assert first.result is not None
    assert first.result.status is DeliveryStatus.PERMANENT
    assert [(r, res.status) for r, res in rig.sink.records] == [(MINJI, DeliveryStatus.PERMANENT)]
    assert second.result is not None
    assert second.result.ok


async def test_service_emergency_falls_back_to_slack(
    rig: Rig, telegram_server: FakeTelegram, slack_server: FakeSlack
) -> None:
    telegram_server.blocked_chats.add(CHAT)
    title, body = m.order_failed("삼성전자", "005930", "SELL", Decimal(5), "잔고 부족", stored=True)

    told = await rig.service.notify(
        Notification.of(EventKind.FAILED_ORDER_CREATED, MINJI, title, body, 1)
    )

    assert told.result is not None
    assert told.result.channel == "slack"
    assert [p["text"] for p in slack_server.posted(OPS)] == [f"{title}\n\n{body}"]
    assert rig.sink.records == []


async def test_service_emergency_for_someone_without_a_chat_still_reaches_slack(
    rig: Rig, slack_server: FakeSlack
) -> None:
    title, body = m.connection_failed(5, rig.clock.now(), 2)

    told = await rig.service.notify(
        Notification.of(EventKind.CONNECTION_FAILED, NOBODY, title, body, 1)
    )

    assert told.result is not None
    assert told.result.ok
    assert len(slack_server.posted(OPS)) == 1


async def test_service_digest_loop_sends_when_five_minutes_are_up(
    rig: Rig, telegram_server: FakeTelegram
) -> None:
    start = rig.clock.now()
    await rig.service.notify(an_opportunity(1))
    loop = asyncio.create_task(rig.service.run_digests())
    try:
        for _ in range(2000):
            if telegram_server.sent(CHAT):
                break
            await asyncio.sleep(0.001)
    finally:
        loop.cancel()

    [digest] = telegram_server.sent(CHAT)
    assert digest["text"].startswith("🔔 알림 요약: 1건 (09:30 ~ 09:35)")
    assert rig.clock.now() - start >= timedelta(minutes=5)
