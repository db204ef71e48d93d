"""Benchmark: ALERT mode over loopback — press → order on the wire, and alerts per second.

The app (SQLite, the real KisBroker against the KIS simulator, python-telegram-bot polling the
fake Bot API, a real clock) is driven in process over ASGI, as the tests drive it:
  1. press → order: an alert per sample (a TradingView webhook, limit buy 1 share resting
     below the market); the ✅ press is queued at the fake Bot API as a callback_query
     update, and the time is taken from then until the simulator's matching engine accepts
     the order-cash request (its acceptance notice). Includes the bot's poll (getUpdates every
     `--idle` s when idle: the fake server does not hold a long poll open), the
     answerCallbackQuery before the order, the price check's quote, the claim and the pipeline.
     Target p99 ≤ 50 ms.
  2. alerts created per second: `--webhooks` TradingView webhooks in ALERT mode from
     `--concurrency` clients, each answered 200 pending_approval (its Telegram message is
     sent after the answer, by the bus).

    .venv/bin/python bench/alerts.py [--presses 200] [--webhooks 500] [--concurrency 16]

Measured 2026-12-02 on the shared 2-core dev machine (load average 1.6-2.7 from the other
engineers' tests), three runs of the defaults:
  press → order on the wire (200 presses): p50 17.1 / 21.4 / 16.9 ms,
    p95 34.8 / 36.2 / 29.8 ms, p99 40.7 / 64.4 / 33.3 ms (the target met in 2 of 3 runs;
    the miss came with the machine's load)
  alerts created: 303 / 329 / 326 alerts/s (answer p50 1 ms, p99 3-6 ms, 16 clients)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

# The fakes and the desk live in the test tree; the benchmark drives what the tests drive.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes_remote.telegram_server import FakeTelegram
from tests.fixtures.kis_simulator import KisSimHandle
from tests.integration.notify.alert_desk import (
    APPROVE,
    Desk,
    alert_desk,
    alert_message,
    buttons_of,
    press,
    tradingview_body,
)

from hantu.adapters.clock import SystemClock
from hantu.simulator.matching import Notice
from hantu.simulator.server import Simulator


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


async def press_to_order(desk: Desk, count: int) -> list[float]:
    member = await desk.member("bench")
    accepted: dict[str, float] = {}
    arrived = asyncio.Event()

    def on_notice(notice: Notice) -> None:
        if not notice.is_fill:
            accepted[notice.order.odno] = time.perf_counter()
            arrived.set()

    desk.sim.engine.notice_listeners.append(on_notice)
    latencies: list[float] = []
    for n in range(count):
        body = tradingview_body(member.token, f"bench-press-{n}", quantity="1", price="69900")
        answer = await desk.webhook(body)
        if answer.status_code != 200:
            raise RuntimeError(f"webhook {n}: {answer.status_code} {answer.text}")
        message = await alert_message(desk, answer.json()["alert_id"])
        await asyncio.sleep(0.05)  # the bot's poll is idle again, as between real presses
        arrived.clear()
        before = len(accepted)
        started = time.perf_counter()
        press(desk.telegram, message, buttons_of(message)[APPROVE])
        await asyncio.wait_for(arrived.wait(), 10)
        if len(accepted) != before + 1:
            raise RuntimeError(f"press {n}: {len(accepted) - before} orders")
        latencies.append(max(accepted.values()) - started)
    return latencies


async def alerts_per_second(desk: Desk, count: int, concurrency: int) -> tuple[float, list[float]]:
    member = await desk.member("rate", chat_id=5550002, from_id=5550002)
    queue = list(range(count))
    latencies: list[float] = []

    async def client() -> None:
        while queue:
            n = queue.pop()
            started = time.perf_counter()
            answer = await desk.webhook(tradingview_body(member.token, f"bench-rate-{n}"))
            latencies.append(time.perf_counter() - started)
            if answer.status_code != 200 or answer.json()["status"] != "pending_approval":
                raise RuntimeError(f"webhook {n}: {answer.status_code} {answer.text}")

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return count / (time.perf_counter() - started), latencies


async def main(presses: int, webhooks: int, concurrency: int, idle: float) -> None:
    logging.getLogger("hantu").setLevel(logging.ERROR)
    logging.getLogger("aiohttp").setLevel(logging.CRITICAL)  # a poll cut at shutdown
    telegram = FakeTelegram()
    telegram.start()
    polling = {"poll_timeout": 0, "idle_seconds": idle, "retry_seconds": 0.05}
    try:
        async with Simulator(rate_limit=None) as simulator:
            simulator.feed.set_price("005930", 70_000)
            sim = KisSimHandle(simulator, simulator.accounts[0])
            with tempfile.TemporaryDirectory() as data_dir:
                database = f"sqlite:///{data_dir}/hantu.db"
                async with alert_desk(
                    database,
                    Path(data_dir),
                    telegram,
                    sim,
                    clock=SystemClock(),
                    telegram_options=polling,
                    kis_rest_rate_limit=1000,  # the simulator's limit is off: measure hantu
                ) as desk:
                    latencies = await press_to_order(desk, presses)
                    rate, answers = await alerts_per_second(desk, webhooks, concurrency)
    finally:
        telegram.stop()
    ms = [value * 1000 for value in latencies]
    print(f"press → order on the wire ({presses} presses, bot idle poll {idle * 1000:.0f} ms):")
    print(f"  p50 {_pct(ms, 50):.1f} ms, p95 {_pct(ms, 95):.1f} ms, p99 {_pct(ms, 99):.1f} ms")
    print(f"  (target p99 ≤ 50 ms: {'met' if _pct(ms, 99) <= 50 else 'NOT met'})")
    answer_ms = [value * 1000 for value in answers]
    print(f"alerts created from webhooks ({webhooks} at {concurrency} concurrent clients):")
    print(
        f"  {rate:.0f} alerts/s; answer p50 {_pct(answer_ms, 50):.0f} ms, "
        f"p99 {_pct(answer_ms, 99):.0f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--webhooks", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--idle", type=float, default=0.005, help="bot's idle poll interval, s")
    args = parser.parse_args()
    asyncio.run(main(args.presses, args.webhooks, args.concurrency, args.idle))
