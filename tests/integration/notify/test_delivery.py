"""Pacing over a real burst, and the emergency fallback Telegram → Slack, on the fakes."""

import asyncio
import itertools
import time
from collections.abc import AsyncIterator

import pytest

from hantu.adapters.clock import SystemClock
from hantu.adapters.notify.delivery import FallbackNotifier, RetryingNotifier, RetryPolicy
from hantu.adapters.notify.pacing import Limit, PacedNotifier, Pacer, PacingRules
from hantu.adapters.notify.slack import SlackNotifier, make_client
from hantu.adapters.notify.telegram import TelegramNotifier, make_bot
from hantu.service_layer.notify_ports import DeliveryResult, DeliveryStatus, OutgoingMessage
from tests.fakes import FakeClock
from tests.fakes_remote.base import Fault
from tests.fakes_remote.slack_server import FakeSlack
from tests.fakes_remote.telegram_server import FakeTelegram

OPS_CHANNEL = "C08OPS"


@pytest.fixture
async def telegram(telegram_server: FakeTelegram) -> AsyncIterator[TelegramNotifier]:
    notifier = TelegramNotifier(make_bot(telegram_server.token, telegram_server.base_url, 0.5))
    yield notifier
    await notifier.aclose()


class Stamped:
    """Notes when each send really starts (what the pacer controls) on the loop's clock."""

    def __init__(self, inner: TelegramNotifier) -> None:
        self.name = inner.name
        self._inner = inner
        self.starts: dict[str, list[float]] = {}

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        self.starts.setdefault(message.chat, []).append(time.monotonic())
        return await self._inner.send(message)


async def test_paced_burst_keeps_each_chat_to_its_interval(
    telegram: TelegramNotifier, telegram_server: FakeTelegram
) -> None:
    interval = 0.4
    rules = PacingRules(per_chat=Limit(1, interval), per_group=None, per_bot=None)
    stamped = Stamped(telegram)
    paced = PacedNotifier(stamped, SystemClock(), Pacer(rules))
    chats = ["511223344", "600000001", "-1001234567890"]
    started = time.monotonic()

    results = await asyncio.gather(
        *(paced.send(OutgoingMessage(chat, f"m{i}")) for i in range(4) for chat in chats)
    )

    elapsed = time.monotonic() - started
    assert all(r.ok for r in results)
    for chat in chats:
        arrivals = [
            c.at for c in telegram_server.calls("sendMessage") if c.params["chat_id"] == chat
        ]
        assert [m["text"] for m in telegram_server.sent(int(chat))] == ["m0", "m1", "m2", "m3"]
        assert min(b - a for a, b in itertools.pairwise(stamped.starts[chat])) >= interval - 0.01
        # the server sees them a round trip apart at worst, on a busy machine
        assert min(b - a for a, b in itertools.pairwise(arrivals)) >= interval / 2
    assert elapsed < 8 * interval  # the chats were paced side by side, not in one line (12)


async def test_emergency_falls_back_to_slack_when_telegram_keeps_failing(
    telegram: TelegramNotifier, telegram_server: FakeTelegram, slack_server: FakeSlack
) -> None:
    clock = FakeClock()
    telegram_server.faults.next(Fault.SERVER_ERROR, times=10)
    slack = SlackNotifier(make_client(slack_server.token, slack_server.base_url, 2))
    policy = RetryPolicy(attempts=3)
    emergency = FallbackNotifier(
        RetryingNotifier(telegram, clock, policy),
        RetryingNotifier(slack, clock, policy),
        OPS_CHANNEL,
    )

    result = await emergency.send(OutgoingMessage("511223344", "🚨 긴급: WebSocket 연결 복구 실패"))

    assert result.ok
    assert result.channel == "slack"
    assert "telegram" in result.detail
    assert len(telegram_server.calls("sendMessage")) == 3
    assert [m["text"] for m in slack_server.posted(OPS_CHANNEL)] == [
        "🚨 긴급: WebSocket 연결 복구 실패"
    ]


async def test_emergency_first_channel_fine_means_no_fallback(
    telegram: TelegramNotifier, telegram_server: FakeTelegram, slack_server: FakeSlack
) -> None:
    slack = SlackNotifier(make_client(slack_server.token, slack_server.base_url, 2))

    result = await FallbackNotifier(telegram, slack, OPS_CHANNEL).send(
        OutgoingMessage("511223344", "x")
    )

    assert result.channel == "telegram"
    assert slack_server.calls() == []


async def test_emergency_both_channels_down_reports_both(
    telegram: TelegramNotifier, telegram_server: FakeTelegram, slack_server: FakeSlack
) -> None:
    telegram_server.blocked_chats.add(511223344)
    slack_server.unknown_channels.add(OPS_CHANNEL)
    slack = SlackNotifier(make_client(slack_server.token, slack_server.base_url, 2))

    result = await FallbackNotifier(telegram, slack, OPS_CHANNEL).send(
        OutgoingMessage("511223344", "x")
    )

    assert result.status is DeliveryStatus.PERMANENT
    assert "Forbidden" in result.detail
    assert "channel_not_found" in result.detail
