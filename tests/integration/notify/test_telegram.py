"""The Telegram notifier through python-telegram-bot against the local fake Bot API."""

from collections.abc import AsyncIterator

import pytest

from hantu.adapters.notify.delivery import RetryingNotifier, RetryPolicy
from hantu.adapters.notify.telegram import TelegramNotifier, make_bot
from hantu.service_layer.notify_ports import DeliveryStatus, OutgoingMessage
from tests.fakes import FakeClock
from tests.fakes_remote.base import Fault
from tests.fakes_remote.telegram_server import FakeTelegram

CHAT = 511223344


@pytest.fixture
async def telegram(telegram_server: FakeTelegram) -> AsyncIterator[TelegramNotifier]:
    notifier = TelegramNotifier(make_bot(telegram_server.token, telegram_server.base_url, 0.5))
    yield notifier
    await notifier.aclose()


def a_message(
    text: str = "📉 손절 체결", *, silent: bool = False, chat: int = CHAT
) -> OutgoingMessage:
    return OutgoingMessage(chat=str(chat), text=text, silent=silent, dedupe_key="k1")


async def test_telegram_send_delivers_with_sound_flag(
    telegram: TelegramNotifier, telegram_server: FakeTelegram
) -> None:
    loud = await telegram.send(a_message("loud"))
    quiet = await telegram.send(a_message("quiet", silent=True))

    assert loud.ok
    assert quiet.ok
    [first, second] = telegram_server.sent(CHAT)
    assert loud.message_id == str(first["message_id"])
    assert (first["text"], first["_disable_notification"]) == ("loud", False)
    assert (second["text"], second["_disable_notification"]) == ("quiet", True)


async def test_telegram_flood_control_is_retry_after(
    telegram: TelegramNotifier, telegram_server: FakeTelegram
) -> None:
    telegram_server.faults.retry_after = 7
    telegram_server.faults.next(Fault.RATE_LIMITED)

    result = await telegram.send(a_message())

    assert result.status is DeliveryStatus.RETRY_AFTER
    assert result.retry_after == 7
    assert telegram_server.sent() == []


async def test_telegram_retry_after_is_waited_then_delivered(
    telegram: TelegramNotifier, telegram_server: FakeTelegram
) -> None:
    clock = FakeClock()
    telegram_server.faults.retry_after = 3
    telegram_server.faults.next(Fault.RATE_LIMITED, times=2)

    result = await RetryingNotifier(telegram, clock).send(a_message())

    assert result.ok
    assert result.attempts == 3
    assert clock.slept == [3.0, 3.0]
    assert len(telegram_server.calls("sendMessage")) == 3


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.BAD_GATEWAY])
async def test_telegram_5xx_retried_with_backoff_then_delivered(
    telegram: TelegramNotifier, telegram_server: FakeTelegram, fault: Fault
) -> None:
    clock = FakeClock()
    telegram_server.faults.next(fault, times=3)

    result = await RetryingNotifier(telegram, clock, RetryPolicy(base_delay=0.5)).send(a_message())

    assert result.ok
    assert clock.slept == [0.5, 1.0, 2.0]
    assert len(telegram_server.sent()) == 1


async def test_telegram_5xx_forever_gives_up_after_the_attempts(
    telegram: TelegramNotifier, telegram_server: FakeTelegram
) -> None:
    clock = FakeClock()
    telegram_server.faults.next(Fault.SERVER_ERROR, times=10)

    result = await RetryingNotifier(telegram, clock, RetryPolicy(attempts=4)).send(a_message())

    assert result.status is DeliveryStatus.TRANSIENT
    assert result.attempts == 4
    assert len(telegram_server.calls("sendMessage")) == 4


async def test_telegram_hang_is_a_transient_timeout(
    telegram: TelegramNotifier, telegram_server: FakeTelegram
) -> None:
    telegram_server.faults.hang_seconds = 1.5
    telegram_server.faults.next(Fault.HANG)

    result = await telegram.send(a_message())

    assert result.status is DeliveryStatus.TRANSIENT
    assert "TimedOut" in result.detail


async def test_telegram_unreachable_server_is_transient() -> None:
    bot = make_bot("1:x", "http://127.0.0.1:9/bot", 0.5)
    notifier = TelegramNotifier(bot)

    result = await notifier.send(a_message())
    await notifier.aclose()

    assert result.status is DeliveryStatus.TRANSIENT


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("blocked", "Forbidden"),
        ("unknown", "Chat not found"),
        ("bad_token", "InvalidToken"),
    ],
)
async def test_telegram_refusals_are_permanent_and_not_retried(
    telegram_server: FakeTelegram, setup: str, expected: str
) -> None:
    telegram_server.blocked_chats.add(CHAT) if setup == "blocked" else None
    telegram_server.unknown_chats.add(CHAT) if setup == "unknown" else None
    token = "1:wrong-token" if setup == "bad_token" else telegram_server.token
    notifier = TelegramNotifier(make_bot(token, telegram_server.base_url, 0.5))
    clock = FakeClock()

    result = await RetryingNotifier(notifier, clock).send(a_message())
    await notifier.aclose()

    assert result.status is DeliveryStatus.PERMANENT
    assert expected in result.detail
    assert clock.slept == []
    assert len(telegram_server.calls("sendMessage")) == 1


async def test_telegram_error_detail_never_carries_the_token(
    telegram_server: FakeTelegram,
) -> None:
    token = "1234567:AAwrongTokenThatIsLongEnoughToLookReal_xyz"
    notifier = TelegramNotifier(make_bot(token, telegram_server.base_url, 0.5))

    result = await notifier.send(a_message())
    await notifier.aclose()

    assert result.status is DeliveryStatus.PERMANENT
    assert "AAwrongTokenThatIsLongEnough" not in result.detail


async def test_telegram_non_numeric_chat_is_permanent(telegram: TelegramNotifier) -> None:
    result = await telegram.send(OutgoingMessage(chat="@not-a-number", text="x"))

    assert result.status is DeliveryStatus.PERMANENT


async def test_telegram_long_text_goes_as_several_messages(
    telegram: TelegramNotifier, telegram_server: FakeTelegram
) -> None:
    text = "\n".join(f"• 🔔 추가 매수 기회: 삼성전자 #{i:04d}" for i in range(400))

    result = await telegram.send(a_message(text))

    assert result.ok
    parts = [m["text"] for m in telegram_server.sent(CHAT)]
    assert len(parts) > 1
    assert "\n".join(parts) == text
