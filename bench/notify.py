"""Benchmark: 1,000 notifications through the real clients, paced, against the local fakes.

Sends `--messages` notifications spread over `--chats` chats (a few of them groups) at once
through `PacedNotifier` → `TelegramNotifier` (python-telegram-bot) against the fake Bot API,
then the same through `SlackNotifier` (slack-sdk) against the fake Slack. Prints messages/s,
the fastest rate the server saw per chat and bot-wide, and p50/p99 latency: from "queued"
(all at t0) to "answered" (includes the pacing wait), and on the wire (one HTTP round trip).

    .venv/bin/python bench/notify.py [--messages 1000] [--chats 50] [--groups 2]

The limits are the real ones (1/s per chat, 20/min per group, 30/s per bot), so the Telegram
run takes about messages / 30 seconds.

Second figure (`--webhooks`, 0 skips it): webhook p99 latency with Telegram unreachable vs up.
The app on embedded defaults (SQLite, the KIS simulator in-process) is driven in process over
ASGI at `--rate` webhooks/s; every fill becomes a notification through the outbox relay, to
the fake Bot API ("up") or to a closed port ("unreachable": every send retried, then left to
the outbox). Same run otherwise; prints both p99s and their ratio (should stay within 1.10).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import socket
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

# The fakes live in the test tree; the benchmark drives the same servers the tests do.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes_remote.base import ThreadedServer
from tests.fakes_remote.slack_server import FakeSlack
from tests.fakes_remote.telegram_server import FakeTelegram

from hantu.adapters.clock import SystemClock
from hantu.adapters.notify.pacing import SLACK_RULES, TELEGRAM_RULES, PacedNotifier, Pacer
from hantu.adapters.notify.slack import SlackNotifier, make_client
from hantu.adapters.notify.telegram import TelegramNotifier, make_bot
from hantu.adapters.passwords import PasswordHashing
from hantu.config import Settings
from hantu.entrypoints.web.app import create_app
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


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the probe goes: refused


async def _webhook_p99(telegram_url: str, data_dir: Path, count: int, rate: float) -> float:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        telegram_bot_token="7001234567:AAHfakeTokenForTests_0123456789abcdefg",
        telegram_api_url=telegram_url,
        telegram_chat_id=500000001,
        kis_rest_rate_limit=1000,  # the simulator's own limit is off: measure hantu, not KIS
    )
    app = create_app(
        settings,
        hasher=PasswordHashing(time_cost=1, memory_cost=8),
        simulator_options={"rate_limit": None},
    )
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        runtime.simulator.feed.set_price("005930", 70_000)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            latencies = await _paced(client, runtime.demo.token, count, rate)
    return _pct(latencies, 99)


async def _paced(client: httpx.AsyncClient, token: str, count: int, rate: float) -> list[float]:
    latencies: list[float] = []

    async def one(n: int) -> None:
        # Buys only (a sell may come before the buy's fill): 500 shares fit the demo's cash.
        body = {"token": token, "symbol": "005930", "side": "BUY", "order_type": "MARKET"}
        started = time.perf_counter()
        response = await client.post("/api/webhook", json={**body, "quantity": "1", "id": n})
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"webhook {n}: {response.status_code} {response.text}")

    tasks, start = [], time.perf_counter()
    for n in range(count):
        await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one(n)))
    await asyncio.gather(*tasks)
    return latencies


async def webhook_figure(count: int, rate: float, repeat: int) -> None:
    """Webhook p99 with Telegram up and unreachable, alternating `repeat` times (the median
    of each is shown: this machine's other load moves a single run by tens of percent)."""
    logging.getLogger("hantu").setLevel(logging.ERROR)  # every failed send warns otherwise
    fake = FakeTelegram()
    fake.start()
    down_url = f"http://127.0.0.1:{_closed_port()}/bot"
    ups: list[float] = []
    downs: list[float] = []
    try:
        for _ in range(repeat):
            for url, into in ((fake.base_url, ups), (down_url, downs)):
                with tempfile.TemporaryDirectory() as data_dir:
                    into.append(await _webhook_p99(url, Path(data_dir), count, rate))
    finally:
        fake.stop()
    up, down = statistics.median(ups), statistics.median(downs)
    runs = ", ".join(f"{a * 1000:.1f}/{b * 1000:.1f}" for a, b in zip(ups, downs, strict=True))
    print(f"webhooks: {count} at {rate:.0f}/s, in process (ASGI), embedded simulator")
    print(f"  p99 up/unreachable per run (ms): {runs}; {len(fake.sent())} notifications told")
    print(f"  median p99: Telegram up {up * 1000:.1f} ms, unreachable {down * 1000:.1f} ms")
    print(f"  ratio unreachable/up {down / up:.2f}")


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
    parser.add_argument("--webhooks", type=int, default=500)
    parser.add_argument("--rate", type=float, default=25.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-channels", action="store_true", help="only the webhook figure")
    args = parser.parse_args()
    if not args.skip_channels:
        asyncio.run(main(args.messages, args.chats, args.groups))
    if args.webhooks:
        asyncio.run(webhook_figure(args.webhooks, args.rate, args.repeat))
