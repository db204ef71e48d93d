"""Realtime figures for the KIS adapter (issue 3).

1. Parsing: H0STCNT0 trade records parsed per second on one core, from raw frames
   (`0|H0STCNT0|004|…`, four records a frame as KIS batches them) into typed `Tick`s with
   `Decimal` prices. Target ≥ 200,000 records/s.
2. Latency: the in-process KIS simulator trades a symbol; the time until our client's
   `on_tick` callback runs, over a real loopback WebSocket (simulator and client share one
   event loop, so the figure includes the simulator's own send path). Target p99 ≤ 2 ms.

Usage: .venv/bin/python bench/realtime.py [--records 400000] [--trades 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from hantu.adapters.clock import SystemClock
from hantu.adapters.kis.auth import KisCredentials
from hantu.adapters.kis.broker import KisConnection, build_kis_broker
from hantu.adapters.kis.realtime import TradeParser, split_frame
from hantu.adapters.kis.realtime_types import RealtimeHandlers, Subscription
from hantu.config import KisEnvironment
from hantu.service_layer.ports import Tick
from hantu.simulator.server import Simulator

SYMBOLS = ["005930", "000660", "035420", "035720", "005380", "051910", "000270", "105560"]
PER_FRAME = 4


def _record(rng: random.Random, second: int) -> str:
    fields = ["0"] * 46
    fields[0] = rng.choice(SYMBOLS)
    fields[1] = f"{9 + second // 3600:02d}{second // 60 % 60:02d}{second % 60:02d}"
    fields[2] = str(70_000 + 100 * rng.randrange(-50, 50))
    fields[12] = str(rng.randrange(1, 500))
    fields[13] = str(1_000_000 + second * 37)
    fields[33] = "20261120"
    return "^".join(fields)


def bench_parse(records: int) -> float:
    """Records per second through split_frame + TradeParser.parse."""
    rng = random.Random(7)
    frames = [
        f"0|H0STCNT0|{PER_FRAME:03d}|" + "^".join(_record(rng, n // 10) for _ in range(PER_FRAME))
        for n in range(records // PER_FRAME)
    ]
    parser = TradeParser()
    parsed = 0
    started = time.perf_counter()
    for text in frames:
        frame = split_frame(text)
        parsed += len(parser.parse(frame.payload, frame.count))
    elapsed = time.perf_counter() - started
    return parsed / elapsed


async def bench_latency(trades: int) -> list[float]:
    """Seconds from a simulator trade to our on_tick callback, one trade at a time."""
    arrived: asyncio.Event = asyncio.Event()

    def on_tick(tick: Tick) -> None:
        del tick
        arrived.set()

    async with Simulator(pingpong_interval=None) as sim:
        account = sim.accounts[0]
        connection = KisConnection(
            environment=KisEnvironment.SIMULATOR,
            credentials=KisCredentials(
                account.app_key, account.app_secret, account.number, account.hts_id
            ),
            rest_base_url=sim.rest_url,
            ws_url=sim.ws_url,
            subscribe_interval=0.0,
            token_cache_dir=Path(tempfile.mkdtemp(prefix="hantu-bench-")),
        )
        async with httpx.AsyncClient(trust_env=False) as http:
            broker = build_kis_broker(
                connection, http, SystemClock(), handlers=RealtimeHandlers(on_tick=on_tick)
            )
            assert broker.realtime is not None
            broker.realtime.subscribe("H0STCNT0", "005930")
            broker.start()
            wanted = Subscription("H0STCNT0", "005930")
            while wanted not in broker.realtime.acknowledged:  # noqa: ASYNC110 - no ack event
                await asyncio.sleep(0.01)
            latencies = []
            for n in range(trades + 100):
                arrived.clear()
                started = time.perf_counter()
                sim.feed.set_price("005930", 70_000 + 100 * (n % 10))
                await arrived.wait()
                if n >= 100:  # warm-up
                    latencies.append(time.perf_counter() - started)
            await broker.aclose()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=400_000)
    parser.add_argument("--trades", type=int, default=2_000)
    args = parser.parse_args()

    rate = bench_parse(args.records)
    print(f"parse: {rate:,.0f} trade records/s into Ticks (target >= 200,000)")

    latencies = sorted(asyncio.run(bench_latency(args.trades)))
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print(
        f"latency over {len(latencies)} trades: p50 {p50:.3f} ms, p99 {p99:.3f} ms, "
        f"max {latencies[-1] * 1000:.3f} ms (target p99 <= 2 ms)"
    )


if __name__ == "__main__":
    main()
