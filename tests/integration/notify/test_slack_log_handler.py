"""The Slack logging handler of spec 003 through slack-sdk's WebClient and the fake Slack."""

import itertools
import logging
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient

from hantu.adapters.notify.delivery import RetryPolicy
from hantu.adapters.notify.slack_log_handler import LogChannels, SlackLogHandler
from tests.fakes_remote.base import Fault
from tests.fakes_remote.slack_server import FakeSlack

CHANNELS = LogChannels(critical="C0CRIT", error="C0ERR", warning="C0WARN")
LOGGERS = itertools.count()
SRC = Path(__file__).resolve().parents[3] / "src"


def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


class Rig:
    def __init__(self, server: FakeSlack, **options: object) -> None:
        self.slept: list[float] = []
        self.offset = 0.0
        client = WebClient(token=server.token, base_url=server.base_url, timeout=2)
        self.handler = SlackLogHandler(
            client,
            CHANNELS,
            clock=lambda: time.monotonic() + self.offset,
            sleep=self.slept.append,
            **options,  # type: ignore[arg-type]
        )
        self.logger = logging.getLogger(f"hantu.t{next(LOGGERS)}")
        self.logger.propagate = False
        self.logger.setLevel(logging.DEBUG)
        self.logger.addHandler(self.handler)

    def close(self) -> None:
        self.logger.removeHandler(self.handler)
        self.handler.close()


@pytest.fixture
def rig(slack_server: FakeSlack) -> Iterator[Rig]:
    made = Rig(slack_server, batch_seconds=300.0)
    yield made
    made.close()


def texts(server: FakeSlack, channel: str) -> list[str]:
    return [m["text"] for m in server.posted(channel)]


def test_log_handler_error_goes_at_once_info_and_debug_never(
    rig: Rig, slack_server: FakeSlack
) -> None:
    rig.logger.debug("debug detail")
    rig.logger.info("application started")
    rig.logger.error("database connection failed")

    wait_until(lambda: len(slack_server.posted()) == 1)
    rig.handler.flush()
    [text] = texts(slack_server, "C0ERR")
    assert text.startswith("❌ 오류\n")
    assert "database connection failed" in text
    assert len(slack_server.posted()) == 1


def test_log_handler_critical_carries_the_traceback(rig: Rig, slack_server: FakeSlack) -> None:
    try:
        _ = 1 / 0
    except ZeroDivisionError:
        rig.logger.critical("order pipeline crashed", exc_info=True)

    wait_until(lambda: len(slack_server.posted("C0CRIT")) == 1)
    [text] = texts(slack_server, "C0CRIT")
    assert text.startswith("🚨 치명적 오류\n")
    assert "Traceback (most recent call last)" in text
    assert "ZeroDivisionError" in text


def test_log_handler_critical_without_exception_carries_the_call_stack(
    rig: Rig, slack_server: FakeSlack
) -> None:
    rig.logger.critical("monitor gave up")

    wait_until(lambda: len(slack_server.posted("C0CRIT")) == 1)
    [text] = texts(slack_server, "C0CRIT")
    assert "호출 스택:" in text
    assert "test_log_handler_critical_without_exception_carries_the_call_stack" in text


def test_log_handler_warnings_wait_for_the_batch(slack_server: FakeSlack) -> None:
    rig = Rig(slack_server, batch_seconds=0.5)
    try:
        rig.logger.warning("memory high")
        rig.logger.warning("disk high")
        time.sleep(0.2)
        assert slack_server.posted() == []

        wait_until(lambda: len(slack_server.posted()) == 1)
    finally:
        rig.close()
    [text] = texts(slack_server, "C0WARN")
    assert text.startswith("⚠️ 경고 로그 2건")
    assert "memory high" in text
    assert "disk high" in text


def test_log_handler_close_flushes_pending_warnings(rig: Rig, slack_server: FakeSlack) -> None:
    rig.logger.warning("still pending at shutdown")

    rig.close()

    assert ["still pending at shutdown" in t for t in texts(slack_server, "C0WARN")] == [True]


def test_log_handler_duplicates_within_a_minute_are_dropped(
    rig: Rig, slack_server: FakeSlack
) -> None:
    rig.logger.error("order 123 failed: rejected")
    rig.logger.error("order 124 failed:   rejected")
    rig.logger.error("quote feed stalled")
    rig.offset += 61
    rig.logger.error("order 125 failed: rejected")

    rig.handler.flush()
    assert [t.split("\n", 1)[1] for t in texts(slack_server, "C0ERR")] == [
        f"{rig.logger.name}: order 123 failed: rejected",
        f"{rig.logger.name}: quote feed stalled",
        f"{rig.logger.name}: order 125 failed: rejected",
    ]


def test_log_handler_masks_secrets_and_account_numbers(rig: Rig, slack_server: FakeSlack) -> None:
    rig.logger.error(
        "KIS refused app_secret=Zx81abcdefghijklmnop password: hunter2hunter2 "
        "account 50123456-01 bot token xoxb-1234567890-0987654321-abcdefABCDEF123456"
    )

    rig.handler.flush()
    [text] = texts(slack_server, "C0ERR")
    for secret in ("abcdefghijklmnop", "hunter2hunter2", "23456-01", "abcdefABCDEF123456"):
        assert secret not in text


def test_log_handler_rate_limit_waits_retry_after_then_delivers(
    rig: Rig, slack_server: FakeSlack
) -> None:
    slack_server.faults.retry_after = 2
    slack_server.faults.next(Fault.RATE_LIMITED, method="chat.postMessage")

    rig.logger.error("broker unreachable")

    rig.handler.flush()
    assert rig.slept == [2.0]
    assert len(slack_server.calls("chat.postMessage")) == 2
    assert len(texts(slack_server, "C0ERR")) == 1


def test_log_handler_5xx_retried_with_backoff(rig: Rig, slack_server: FakeSlack) -> None:
    slack_server.faults.next(Fault.SERVER_ERROR, times=2)

    rig.logger.error("broker unreachable")

    rig.handler.flush()
    assert rig.slept == [1.0, 2.0]
    assert len(texts(slack_server, "C0ERR")) == 1
    assert rig.handler.undelivered == 0


def test_log_handler_slack_down_never_raises_and_never_feeds_itself() -> None:
    client = WebClient(token="xoxb-x", base_url="http://127.0.0.1:9/api/", timeout=1)
    handler = SlackLogHandler(
        client, CHANNELS, sleep=lambda _: None, policy=RetryPolicy(attempts=2)
    )
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        logging.getLogger("hantu.test").error("first failure")
        handler.flush()
    finally:
        root.removeHandler(handler)
        handler.close()

    assert handler.undelivered == 1


def test_log_handler_flushes_at_interpreter_exit(slack_server: FakeSlack) -> None:
    script = textwrap.dedent(
        f"""
        import logging
        from hantu.adapters.notify.slack_log_handler import LogChannels, make_slack_log_handler
        channels = LogChannels("C0CRIT", "C0ERR", "C0WARN")
        token, url = {slack_server.token!r}, {slack_server.base_url!r}
        handler = make_slack_log_handler(token, channels, url)
        logging.getLogger().addHandler(handler)
        logging.getLogger("hantu").warning("exiting with a warning pending")
        """
    )

    subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], check=True, timeout=30, env={"PYTHONPATH": str(SRC)}
    )

    assert any("exiting with a warning pending" in t for t in texts(slack_server, "C0WARN"))
