"""The Slack notifier through slack-sdk's AsyncWebClient against the local fake Web API."""

import pytest

from hantu.adapters.notify.delivery import RetryingNotifier
from hantu.adapters.notify.slack import SlackNotifier, make_client
from hantu.service_layer.notify_ports import DeliveryStatus, OutgoingMessage
from tests.fakes import FakeClock
from tests.fakes_remote.base import Fault
from tests.fakes_remote.slack_server import FakeSlack

CHANNEL = "C08TRADES"


def a_notifier(server: FakeSlack, token: str | None = None, timeout: int = 1) -> SlackNotifier:
    return SlackNotifier(make_client(token or server.token, server.base_url, timeout))


def a_message(text: str = "🚨 긴급: 주문 실패") -> OutgoingMessage:
    return OutgoingMessage(chat=CHANNEL, text=text, dedupe_key="k1")


async def test_slack_send_posts_to_the_channel(slack_server: FakeSlack) -> None:
    result = await a_notifier(slack_server).send(a_message())

    assert result.ok
    [posted] = slack_server.posted(CHANNEL)
    assert posted["text"] == "🚨 긴급: 주문 실패"
    assert result.message_id == posted["ts"]
    [call] = slack_server.calls("chat.postMessage")
    assert call.headers["Authorization"] == f"Bearer {slack_server.token}"


async def test_slack_429_is_retry_after_from_the_header(slack_server: FakeSlack) -> None:
    slack_server.faults.retry_after = 4
    slack_server.faults.next(Fault.RATE_LIMITED)

    result = await a_notifier(slack_server).send(a_message())

    assert result.status is DeliveryStatus.RETRY_AFTER
    assert result.retry_after == 4
    assert len(slack_server.calls("chat.postMessage")) == 1  # slack-sdk did not retry itself


async def test_slack_rate_limit_waited_then_delivered(slack_server: FakeSlack) -> None:
    clock = FakeClock()
    slack_server.faults.retry_after = 2
    slack_server.faults.next(Fault.RATE_LIMITED)
    slack_server.faults.next(Fault.SERVER_ERROR)

    result = await RetryingNotifier(a_notifier(slack_server), clock).send(a_message())

    assert result.ok
    assert clock.slept == [2.0, 1.0]
    assert len(slack_server.posted()) == 1


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.BAD_GATEWAY])
async def test_slack_5xx_is_transient(slack_server: FakeSlack, fault: Fault) -> None:
    slack_server.faults.next(fault)

    result = await a_notifier(slack_server).send(a_message())

    assert result.status is DeliveryStatus.TRANSIENT


async def test_slack_hang_is_a_transient_timeout(slack_server: FakeSlack) -> None:
    slack_server.faults.hang_seconds = 2.0
    slack_server.faults.next(Fault.HANG)

    result = await a_notifier(slack_server, timeout=1).send(a_message())

    assert result.status is DeliveryStatus.TRANSIENT


async def test_slack_invalid_auth_is_permanent_and_not_retried(slack_server: FakeSlack) -> None:
    clock = FakeClock()
    notifier = a_notifier(slack_server, token="xoxb-wrong-token-0000000000000000000000")

    result = await RetryingNotifier(notifier, clock).send(a_message())

    assert result.status is DeliveryStatus.PERMANENT
    assert "invalid_auth" in result.detail
    assert clock.slept == []


async def test_slack_unknown_channel_is_permanent(slack_server: FakeSlack) -> None:
    slack_server.unknown_channels.add(CHANNEL)

    result = await a_notifier(slack_server).send(a_message())

    assert result.status is DeliveryStatus.PERMANENT
    assert "channel_not_found" in result.detail
