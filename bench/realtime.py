"""Realtime figures for the KIS adapter (issue 3).

1. Parsing: H0STCNT0 trade records parsed per second on one core, from raw frames
   (`0|H0STCNT0|004|…`, four records a frame as KIS batches them) into typed `Tick`s with
   `Decimal` prices. Target ≥ 200,000 records/s. The frames are realistic: every one of
   the 46 fields filled as KIS sends it, prices a random walk on the KRX tick grid, session
   totals that add up. Also the on-demand rate: all 46 fields of each record by name.
2. Latency: the in-process KIS simulator trades a symbol; the time until our client's
   `on_tick` callback runs, over a real loopback WebSocket (simulator and client share one
   event loop, so the figure includes the simulator's own send path). Target p99 ≤ 2 ms.

Usage: .venv/bin/python bench/realtime.py [--records 400000] [--trades 2000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from hantu.adapters.clock import SystemClock
from hantu.adapters.kis.auth import KisCredentials
from hantu.adapters.kis.broker import KisConnection, build_kis_broker
from hantu.adapters.kis.realtime import split_frame
from hantu.adapters.kis.realtime_types import RealtimeHandlers, Subscription
from hantu.adapters.kis.trade_records import TradeParser
from hantu.adapters.kis.transport import KisHttp
from hantu.config import KisEnvironment
from hantu.domain.values import tick_size
from hantu.service_layer.ports import Tick
from hantu.simulator.server import Simulator

SYMBOLS = {  # code: previous close, on the KRX grid
    "005930": 71_300, "000660": 178_500, "035420": 191_200, "035720": 44_650,
    "005380": 243_000, "051910": 381_500, "000270": 98_400, "105560": 62_100,
    "086520": 4_985, "293490": 18_730,
}  # fmt: skip
PER_FRAME = 4
OPEN_SECOND = 9 * 3600


@functools.cache
def _tick(price: int) -> int:
    return int(tick_size(Decimal(price)))


def _hhmmss(second: int) -> str:
    return f"{second // 3600:02d}{second // 60 % 60:02d}{second % 60:02d}"


def _sign(diff: int) -> str:
    return "3" if diff == 0 else "2" if diff > 0 else "5"


def _pct(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.2f}" if whole else "0.00"


class _Symbol:
    """One symbol's session so far: a random walk on the KRX tick grid and its totals."""

    def __init__(self, code: str, base: int, rng: random.Random) -> None:
        self.code, self.base, self.rng = code, base, rng
        self.last = self.high = self.low = base
        self.open = 0  # the first trade's price, once there is one
        self.open_at = self.high_at = self.low_at = OPEN_SECOND
        self.volume = self.value = self.buys = self.sells = 0
        self.buy_count = self.sell_count = 0
        self.prev_day = rng.randrange(5_000_000, 20_000_000)
        self.listed = base * 40  # shares listed, for turnover

    def trade(self, second: int) -> str:
        rng, base = self.rng, self.base
        step = rng.choice((-1, 0, 0, 1))
        if step:
            nxt = self.last + step * _tick(self.last if step > 0 else self.last - 1)
            if base * 0.7 <= nxt <= base * 1.3:
                self.last = nxt
        price = self.last
        if not self.open:
            self.open = self.high = self.low = price
        if price > self.high:
            self.high, self.high_at = price, second
        if price < self.low:
            self.low, self.low_at = price, second
        qty = max(1, int(rng.paretovariate(1.2) * 3))
        buy = rng.random() < 0.52
        self.volume += qty
        self.value += qty * price
        if buy:
            self.buys, self.buy_count = self.buys + qty, self.buy_count + 1
        else:
            self.sells, self.sell_count = self.sells + qty, self.sell_count + 1
        change, tick = price - base, _tick(price)
        ask, bid = (price + tick, price) if buy else (price, price - _tick(price - 1))
        same_time = self.prev_day * (second - OPEN_SECOND + 60) // 23_400
        fields = [
            self.code, _hhmmss(second), str(price),
            "1" if price >= base * 1.3 - tick else "4" if price <= base * 0.7 + tick
            else _sign(change),
            str(change), f"{change * 100 / base:.2f}", f"{self.value / self.volume:.2f}",
            str(self.open), str(self.high), str(self.low), str(ask), str(bid), str(qty),
            str(self.volume), str(self.value), str(self.sell_count), str(self.buy_count),
            str(self.buy_count - self.sell_count), _pct(self.buys, self.sells),
            str(self.sells), str(self.buys), "1" if buy else "5",
            _pct(self.buys, self.buys + self.sells), _pct(self.volume, self.prev_day),
            _hhmmss(self.open_at), _sign(price - self.open), str(price - self.open),
            _hhmmss(self.high_at), _sign(price - self.high), str(price - self.high),
            _hhmmss(self.low_at), _sign(price - self.low), str(price - self.low),
            "20261120", "20", "N", str(rng.randrange(1, 30_000)), str(rng.randrange(1, 30_000)),
            str(rng.randrange(100_000, 900_000)), str(rng.randrange(100_000, 900_000)),
            _pct(self.volume, self.listed), str(same_time), _pct(self.volume, same_time),
            "0", "0", str(base),
        ]  # fmt: skip
        return "^".join(fields)


def realistic_frames(records: int, seed: int = 7) -> list[str]:
    """`0|H0STCNT0|004|…` frames of a busy session: ~40 trades a second over the symbols."""
    rng = random.Random(seed)
    market = [_Symbol(code, base, rng) for code, base in SYMBOLS.items()]
    frames = []
    for n in range(records // PER_FRAME):
        second = OPEN_SECOND + n // 10
        batch = "^".join(rng.choice(market).trade(second) for _ in range(PER_FRAME))
        frames.append(f"0|H0STCNT0|{PER_FRAME:03d}|{batch}")
    return frames


def bench_parse(frames: list[str]) -> float:
    """Records per second through split_frame + TradeParser.parse."""
    parser = TradeParser()
    parsed = 0
    started = time.perf_counter()
    for text in frames:
        frame = split_frame(text)
        parsed += len(parser.parse(frame.payload, frame.count))
    elapsed = time.perf_counter() - started
    return parsed / elapsed


def bench_fields(frames: list[str]) -> float:
    """Records per second decoded on demand: all 46 fields by reference name."""
    parsed = 0
    started = time.perf_counter()
    for text in frames:
        frame = split_frame(text)
        parsed += len(TradeParser.fields(frame.payload, frame.count))
    elapsed = time.perf_counter() - started
    return parsed / elapsed


def median_rate(bench: Callable[[list[str]], float], frames: list[str], runs: int) -> float:
    return statistics.median(bench(frames) for _ in range(runs))


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
        async with KisHttp(timeout=5.0, trust_env=False) as http:
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
    parser.add_argument("--runs", type=int, default=5, help="parse runs; the median is shown")
    args = parser.parse_args()

    frames = realistic_frames(args.records)
    rate = median_rate(bench_parse, frames, args.runs)
    print(
        f"parse: {rate:,.0f} trade records/s into Ticks, median of {args.runs} (target >= 200,000)"
    )
    rate = median_rate(bench_fields, frames, args.runs)
    print(f"fields: {rate:,.0f} trade records/s into 46-field dicts, median of {args.runs}")

    latencies = sorted(asyncio.run(bench_latency(args.trades)))
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print(
        f"latency over {len(latencies)} trades: p50 {p50:.3f} ms, p99 {p99:.3f} ms, "
        f"max {latencies[-1] * 1000:.3f} ms (target p99 <= 2 ms)"
    )


if __name__ == "__main__":
    main()
