"""Benchmark: 1,000 notifications through the real clients, paced, against the local fakes.

Sends `--messages` notifications spread over `--chats` chats (a few of them groups) at once
through `PacedNotifier` → `TelegramNotifier` (python-telegram-bot) against the fake Bot API,
then the same through `SlackNotifier` (slack-sdk) against the fake Slack. Prints messages/s,
the fastest rate the server saw per chat and bot-wide, and p50/p99 latency: from "queued"
(all at t0) to "answered" (includes the pacing wait), and on the wire (one HTTP round trip).

    .venv/bin/python bench/notify.py [--messages 1000] [--chats 50] [--groups 2]

The limits are the real ones (1/s per chat, 20/min per group, 30/s per bot), so the Telegram
run takes about messages / 30 seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

# The fakes live in the test tree; the benchmark drives the same servers the tests do.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes_remote.base import ThreadedServer
from tests.fakes_remote.slack_server import FakeSlack
from tests.fakes_remote.telegram_server import FakeTelegram

from hantu.adapters.clock import SystemClock
from hantu.adapters.notify.pacing import SLACK_RULES, TELEGRAM_RULES, PacedNotifier, Pacer
from hantu.adapters.notify.slack import SlackNotifier, make_client
from hantu.adapters.notify.telegram import TelegramNotifier, make_bot
from hantu.service_layer.notify_ports import DeliveryResult, Notifier, OutgoingMessage


class Timed:
    """Measures the wire time of each send the pacer lets through."""

    def __init__(self, inner: Notifier) -> None:
        self.name = inner.name
        self._inner = inner
        self.wire: list[float] = []
        self.starts: dict[str, list[float]] = defaultdict(list)

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        started = time.perf_counter()
        self.starts[message.chat].append(time.monotonic())
        result = await self._inner.send(message)
        self.wire.append(time.perf_counter() - started)
        return result


def _max_in_window(times: list[float], seconds: float) -> int:
    times, best, lo = sorted(times), 0, 0
    for hi, at in enumerate(times):
        while at - times[lo] >= seconds:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


async def _run(
    name: str, notifier: Notifier, server: ThreadedServer, chats: list[str], count: int, method: str
) -> None:
    timed = Timed(notifier)
    rules = TELEGRAM_RULES if name == "telegram" else SLACK_RULES
    paced = PacedNotifier(timed, SystemClock(), Pacer(rules))
    messages = [OutgoingMessage(chats[i % len(chats)], f"알림 {i}") for i in range(count)]
    t0 = time.perf_counter()

    async def one(message: OutgoingMessage) -> float:
        result = await paced.send(message)
        if not result.ok:
            raise RuntimeError(f"undelivered: {result}")
        return time.perf_counter() - t0

    latencies = await asyncio.gather(*(one(m) for m in messages))
    elapsed = time.perf_counter() - t0
    arrivals: dict[str, list[float]] = defaultdict(list)
    for call in server.calls(method):
        arrivals[str(call.params.get("chat_id") or call.params.get("channel"))].append(call.at)
    print(
        f"{name}: {count} messages to {len(chats)} chats in {elapsed:.1f} s "
        f"= {count / elapsed:.1f} msg/s"
    )
    print(f"  sent by the client: {_rates(timed.starts)}")
    print(f"  seen by the server: {_rates(arrivals)}")
    print(
        f"  queued→answered p50 {_pct(latencies, 50):.2f} s, p99 {_pct(latencies, 99):.2f} s; "
        f"wire p50 {_pct(timed.wire, 50) * 1000:.1f} ms, "
        f"p99 {_pct(timed.wire, 99) * 1000:.1f} ms"
    )


def _rates(times_by_chat: dict[str, list[float]]) -> str:
    per_chat = max(_max_in_window(times, 1.0) for times in times_by_chat.values())
    min_gap = min(
        b - a for times in times_by_chat.values() for a, b in itertools.pairwise(sorted(times))
    )
    groups = [times for chat, times in times_by_chat.items() if chat.startswith("-")]
    per_group = max((_max_in_window(t, 60.0) for t in groups), default=0)
    bot_wide = _max_in_window([t for times in times_by_chat.values() for t in times], 1.0)
    return (
        f"max per chat in any 1 s {per_chat}, min same-chat gap {min_gap:.3f} s, "
        f"max per group in any 60 s {per_group}, all chats in any 1 s {bot_wide}"
    )


async def main(count: int, chats: int, groups: int) -> None:
    telegram_chats = [f"-100{1000 + i}" for i in range(groups)]
    telegram_chats += [str(500000000 + i) for i in range(chats - groups)]
    fake_telegram, fake_slack = FakeTelegram(), FakeSlack()
    fake_telegram.start()
    fake_slack.start()
    try:
        telegram = TelegramNotifier(make_bot(fake_telegram.token, fake_telegram.base_url, 10))
        await _run("telegram", telegram, fake_telegram, telegram_chats, count, "sendMessage")
        await telegram.aclose()
        slack = SlackNotifier(make_client(fake_slack.token, fake_slack.base_url, 10))
        channels = [f"C{i:08d}" for i in range(chats)]
        await _run("slack", slack, fake_slack, channels, count, "chat.postMessage")
    finally:
        fake_telegram.stop()
        fake_slack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--groups", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.chats, args.groups))
