"""Realtime monitor figures (issue 12): the exit monitor on the real application.

The application is built by the real bootstrap (SQLite, the one order pipeline, the exit
monitor) against a KIS simulator over loopback that enforces KIS's 20 requests/s. Its
H0STCNT0 frames carry all 46 fields filled as KIS sends them (simulator `ws_frames`).

1. Tick → sell: a trade through the stop, from the simulator publishing its H0STCNT0 frame
   (built, handed to its WebSocket) to the exit SELL on the wire (its order-cash request
   written to our socket; a stamp of asyncio's transport). The simulator runs in a process
   of its own (`bench/monitor_sim.py`), as KIS is another machine; both processes stamp
   CLOCK_MONOTONIC. Target p99 ≤ 5 ms. Shown in parts: publish → the monitor's tick
   callback (our WebSocket read and frame parse), → the monitor deciding to sell
   (evaluation), → the broker asked to place it (the pipeline before the send: risk and
   the NEW order committed), → on the wire (the REST client: rate limiter and
   aiohttp). Also shown, each with a part on KIS's side in production: from the trade
   itself (the simulator making its frame), to the simulator reading the SELL (its
   wake-up), and to its matching engine (its HTTP stack). The buy before each crossing
   leaves the REST connection warm (kept alive 5 s).
2. Outage → sell: the WebSocket dropped and refused; a trade through the stop of one of
   `--held` positions, all polled over REST round-robin at HANTU_MONITOR_POLL_PER_SECOND
   (10/s), until the SELL reaches the (in-process) simulator's matching engine. The bound
   is held / rate + one quote + one order. Target p99 ≤ 2 s.
3. Memory (`bench/monitor_rss.py`): the monitor process as in production, the simulator
   being another process (this one) reached by settings as KIS is: `build(settings)`
   without the web server, started on a database an earlier process prepared (the first
   start's migrations and demo, the buys), holding 120 positions: 20 streamed (41 WebSocket
   registrations: notices + trades and market status each) and 100 polled over REST. Its
   VmRSS and VmHWM after a while of polling, beside the same application watching nothing.
   Target ≤ 80 MB.

The application is started as the entry points start it: its start-up objects frozen out of
the garbage collector's scans (`startup_gc`).

Percentiles are nearest-rank over the rounds after 20 of warm-up. The machine's load
average is printed first: the figures mean little on a busy machine.

Usage: .venv/bin/python bench/monitor.py [--rounds 200] [--outage-rounds 60] [--held 10]
       [--rss-seconds 20] [--memory-only | --tick-only]
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import contextlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from asyncio import selector_events
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from hantu.adapters.passwords import PasswordHashing
from hantu.bootstrap import App, build
from hantu.config import Settings
from hantu.domain.enums import OrderStatus, OrderType, Side
from hantu.domain.order import OrderRequest
from hantu.domain.values import Price, Quantity, StrategyAccountId, Symbol
from hantu.domain.watch_budget import WatchPath
from hantu.entrypoints.startup_gc import freeze_startup_objects
from hantu.service_layer import queries
from hantu.service_layer.orders import submit
from hantu.service_layer.ports import BrokerOrder, Tick
from hantu.simulator.server import Simulator

ACCOUNT = StrategyAccountId(1)
BASE = 70_000  # bought here; the stop (3 %) is 67,900원
THROUGH = 67_800


def symbols(count: int) -> dict[str, tuple[str, Decimal]]:
    """`count` listed codes, all around 70,000원 so one price path fits every one."""
    return {f"{100_000 + n:06d}": (f"종목{n}", Decimal(BASE)) for n in range(count)}


class WireTimes:
    """When each SELL reaches the simulator's matching engine (order-cash received)."""

    def __init__(self, sim: Simulator) -> None:
        self.arrived: dict[str, float] = {}
        self.event = asyncio.Event()
        engine = sim.engine
        place = engine.place

        def timed(account: Any, symbol: str, side: Side, *args: Any) -> Any:
            if side is Side.SELL:
                self.arrived[symbol] = time.perf_counter()
                self.event.set()
            return place(account, symbol, side, *args)

        engine.place = timed  # type: ignore[method-assign]

    async def wait(self, symbol: str, seconds: float = 10.0) -> float:
        deadline = time.monotonic() + seconds
        while symbol not in self.arrived:
            self.event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.event.wait(), max(deadline - time.monotonic(), 0))
            if time.monotonic() > deadline:
                raise TimeoutError(f"no SELL of {symbol} reached the simulator")
        return self.arrived.pop(symbol)


@dataclass(frozen=True)
class Kis:
    """Where the application finds its KIS (a simulator here or in another process)."""

    rest_url: str
    ws_url: str
    account: list[str]  # app key, secret, account number, HTS ID

    @classmethod
    def of(cls, sim: Simulator) -> Kis:
        a = sim.accounts[0]
        return cls(sim.rest_url, sim.ws_url, [a.app_key, a.app_secret, a.number, a.hts_id])


@contextlib.asynccontextmanager
async def application(kis: Kis, data_dir: Path, **extra: Any) -> AsyncIterator[App]:
    key, secret, number, hts = kis.account
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": f"sqlite+aiosqlite:///{data_dir / 'hantu.db'}",
        "kis_simulator_rest_url": kis.rest_url,
        "kis_simulator_ws_url": kis.ws_url,
        "kis_app_key": key,
        "kis_app_secret": secret,
        "kis_account": number,
        "kis_hts_id": hts,
        "kis_ws_subscribe_interval": 0.0,
        "exit_stop_loss_pct": 3,
        "exit_take_profit_pct": 5,
        "settle_interval_seconds": 0.2,
    }
    values.update(extra)
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    app = build(settings, hasher=PasswordHashing(time_cost=1, memory_cost=8))
    async with app:
        freeze_startup_objects()  # as `hantu serve` and `hantu monitor start` do once started
        yield app


async def until(predicate: Callable[[], Awaitable[bool]], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not await predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.005)


SetPrice = Callable[[str, int], Awaitable[None]]


def price_setter(sim: Simulator) -> SetPrice:
    async def set_price(code: str, price: int) -> None:
        sim.feed.set_price(code, price)

    return set_price


async def buy(app: App, set_price: SetPrice, code: str, key: str) -> None:
    """Buy one share at 70,000원 and wait until the monitor protects it."""
    await set_price(code, BASE)
    request = OrderRequest(
        idempotency_key=key,
        strategy_account_id=ACCOUNT,
        symbol=Symbol(code),
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=Quantity(1),
        price=Price(BASE),
    )
    result = await submit(app.deps, request)
    monitor = app.monitor
    assert monitor is not None

    async def protected() -> bool:
        order = await queries.get_order(app.deps, str(result.order.id))
        filled = order is not None and order.status is OrderStatus.FILLED
        return filled and (ACCOUNT, Symbol(code)) in monitor.watched()

    await until(protected)


async def closed(app: App, code: str) -> None:
    monitor = app.monitor
    assert monitor is not None

    async def gone() -> bool:
        return (ACCOUNT, Symbol(code)) not in monitor.watched()

    await until(gone)


async def path_is(app: App, code: str, path: WatchPath) -> None:
    monitor = app.monitor
    assert monitor is not None

    async def there() -> bool:
        shown = monitor.watch_paths().get(Symbol(code))
        return shown is not None and shown.path is path

    await until(there)


async def streaming(app: App, code: str) -> None:
    broker = await app.deps.brokers.broker_for(int(ACCOUNT))
    realtime = getattr(broker, "realtime", None)
    assert realtime is not None

    async def acked() -> bool:
        return bool(realtime.receiving("H0STCNT0", code))

    await until(acked)


class RemoteSim:
    """The simulator process of section 1 (`bench/monitor_sim.py`), one command at a time."""

    def __init__(self, child: asyncio.subprocess.Process) -> None:
        self._child = child

    async def _ask(self, line: str) -> str:
        assert self._child.stdin is not None
        assert self._child.stdout is not None
        self._child.stdin.write(line.encode() + b"\n")
        await self._child.stdin.drain()
        answer = await asyncio.wait_for(self._child.stdout.readline(), 10)
        if not answer:
            raise RuntimeError("the simulator process ended")
        return answer.decode().strip()

    async def set_price(self, code: str, price: int) -> None:
        await self._ask(f"price {code} {price}")

    async def cross(self, code: str, price: int) -> dict[str, float]:
        """The timed trade: the simulator's CLOCK_MONOTONIC stamps of it and of the SELL."""
        stamps: dict[str, float] = json.loads(await self._ask(f"cross {code} {price}"))
        return stamps


@contextlib.asynccontextmanager
async def remote_simulator(codes: list[str]) -> AsyncIterator[tuple[RemoteSim, Kis]]:
    script = str(Path(__file__).with_name("monitor_sim.py"))
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        script,
        *codes,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": "src"},
    )
    try:
        assert child.stdout is not None
        hello = json.loads(await asyncio.wait_for(child.stdout.readline(), 30))
        yield RemoteSim(child), Kis(hello["rest"], hello["ws"], hello["account"])
    finally:
        if child.stdin is not None:
            child.stdin.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(child.wait(), 10)
        if child.returncode is None:
            child.kill()
            await child.wait()


class Decided(logging.Filter):
    """Stamps the exit monitor's "crossed ... selling" line (written just before it submits
    the sell) and keeps that logger's records below ERROR out of the output, as before.
    The line's wording is what it looks for: the bench fails on a round without it."""

    def __init__(self) -> None:
        super().__init__()
        self.at: list[float] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if "crossed at" in str(record.msg):
            self.at.append(time.monotonic())
        return record.levelno >= logging.ERROR


Spans = dict[str, list[float]]


@contextlib.contextmanager
def sells_written(at: list[float]) -> Iterator[None]:
    """Stamp each SELL order-cash request (TTTC0011U / VTTC0011U) as this process hands it to
    its socket: on the wire (a stamp of asyncio's transport, not of hantu's code)."""
    transport = selector_events._SelectorSocketTransport
    write = transport.write

    def stamped(self: Any, data: Any) -> None:
        # Stamped as handed to the kernel: on loopback the send itself may wake the reader
        # and lose the CPU to it for a while before returning.
        now = time.monotonic()
        head = bytes(data[:1000])
        if head.startswith(b"POST ") and b"/trading/order-cash" in head and b"0011U" in head:
            at.append(now)
        write(self, data)

    transport.write = stamped  # type: ignore[method-assign]
    try:
        yield
    finally:
        transport.write = write  # type: ignore[method-assign]


async def bench_tick_to_wire(rounds: int, data_dir: Path) -> Spans:
    """CLOCK_MONOTONIC seconds of each crossing, from the simulator publishing the frame of
    a trade through the stop to the SELL on the wire, and of the parts of that path."""
    code = next(iter(symbols(1)))
    names = ("wire", "read", "engine", "heard", "decided", "placed", "from_trade")
    spans: Spans = {name: [] for name in names}
    heard: list[float] = []
    placed: list[float] = []
    written: list[float] = []
    decided = Decided()
    monitor_log = logging.getLogger("hantu.service_layer.exit_monitor")
    level = monitor_log.level
    monitor_log.setLevel(logging.WARNING)
    monitor_log.addFilter(decided)

    def stamp(tick: Tick) -> None:
        if tick.price == THROUGH:
            heard.append(time.monotonic())

    # No reconcile loop: the notices carry every fill here, and its inquiries would take
    # the REST slots the exit order then waits for (a figure of the rate limit, not ours).
    with sells_written(written):
        async with (
            remote_simulator([code]) as (sim, kis),
            application(kis, data_dir, settle_interval_seconds=0) as app,
        ):
            app.realtime.ticks.insert(0, stamp)  # heard just before the monitor hears it
            broker = await app.deps.brokers.broker_for(int(ACCOUNT))
            place = broker.place_order

            async def timed(order: BrokerOrder) -> Any:
                if order.side is Side.SELL:
                    placed.append(time.monotonic())
                return await place(order)

            broker.place_order = timed  # type: ignore[method-assign]
            for n in range(rounds + 20):
                await buy(app, sim.set_price, code, f"tick-{n}")
                await streaming(app, code)
                await asyncio.sleep(0.1)  # the buy's REST slot is free again
                heard.clear()
                placed.clear()
                written.clear()
                decided.at.clear()
                stamps = await sim.cross(code, THROUGH)
                if n >= 20:  # warm-up
                    start = stamps["published"]
                    spans["wire"].append(written[0] - start)
                    spans["read"].append(stamps["arrived"] - start)
                    spans["engine"].append(stamps["engine"] - start)
                    spans["heard"].append(heard[0] - start)
                    spans["decided"].append(decided.at[0] - start)
                    spans["placed"].append(placed[0] - start)
                    spans["from_trade"].append(written[0] - stamps["traded"])
                await closed(app, code)  # the sell fills on arrival; its notice closes it
    monitor_log.removeFilter(decided)
    monitor_log.setLevel(level)
    return spans


async def bench_outage_to_wire(rounds: int, held: int, data_dir: Path) -> list[float]:
    """Seconds from a trade through the stop during a WebSocket outage to the SELL arriving."""
    codes = list(symbols(held))
    latencies: list[float] = []
    async with Simulator(symbols=symbols(held), rate_limit=20, pingpong_interval=None) as sim:
        wire = WireTimes(sim)
        extra = {"exit_fill_wait_seconds": 0.2}  # the lost notices: the broker check lands it
        async with application(Kis.of(sim), data_dir, **extra) as app:
            for n, code in enumerate(codes):
                await buy(app, price_setter(sim), code, f"held-{n}")
            sim.faults.refuse_websockets(3600)
            sim.faults.drop_websockets()
            for code in codes:
                await path_is(app, code, WatchPath.REST_POLLING)
            for n in range(rounds):
                code = codes[n % held]
                await asyncio.sleep(0.05 * (n % 7))  # cross at varying points of the cycle
                started = time.perf_counter()
                sim.feed.set_price(code, THROUGH)
                latencies.append(await wire.wait(code) - started)
                await closed(app, code)
                await buy(app, price_setter(sim), code, f"again-{n}")  # filled by REST sync
    return latencies


async def bench_rss(streamed: int, polled: int, seconds: float, data_dir: Path) -> dict[str, Any]:
    """The memory figures of two monitor processes (`bench/monitor_rss.py`) against this
    process's simulator: one watching nothing (the application's own floor) and one watching
    `streamed + polled` positions, each started on a database an earlier process prepared."""
    count = streamed + polled
    # Bytecode as an installed package has it (pip compiles on install): a process that
    # compiles every module from source keeps ~2 MB more of the compiler's leftovers.
    compileall.compile_dir(str(Path(__file__).parents[1] / "src" / "hantu"), quiet=1)
    sim_symbols = symbols(count)
    async with Simulator(symbols=sim_symbols, rate_limit=20, pingpong_interval=None) as sim:
        for code in sim_symbols:
            sim.feed.set_price(code, BASE)
        account = sim.accounts[0]
        remote = [sim.rest_url, sim.ws_url, account.app_key, account.app_secret]
        remote += [account.number, account.hts_id]
        figures: dict[str, Any] = {}
        for name, held in (("baseline", 0), ("monitor", count)):
            (data_dir / name).mkdir()
            args = [str(data_dir / name), str(held), str(seconds), *remote]
            await _child("prepare", args)
            figures[name] = json.loads((await _child("measure", args)).splitlines()[-1])
    return figures


async def _child(step: str, args: list[str]) -> str:
    script = str(Path(__file__).with_name("monitor_rss.py"))
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        script,
        step,
        *args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,  # its warnings (the polled symbols), shown only on failure
        env={**os.environ, "PYTHONPATH": "src"},
    )
    out, err = await child.communicate()
    if child.returncode != 0:
        sys.stderr.write(err.decode())
        raise RuntimeError(f"the memory run's {step} failed ({child.returncode})")
    return out.decode().strip()


def _summary(name: str, latencies: list[float], unit: float, label: str, target: str) -> None:
    latencies = sorted(latencies)

    def rank(q: float) -> float:  # nearest-rank percentile
        return latencies[max(int(len(latencies) * q + 0.999999) - 1, 0)] / unit

    print(
        f"{name} over {len(latencies)} crossings: p50 {rank(0.50):.3f} {label}, "
        f"p95 {rank(0.95):.3f} {label}, p99 {rank(0.99):.3f} {label}, "
        f"max {latencies[-1] / unit:.3f} {label} ({target})"
    )


def _parts(spans: Spans) -> None:
    """The first figure and its parts, each a difference of two stamps of one crossing."""
    ms = 1e-3
    _summary("tick -> sell on the wire", spans["wire"], ms, "ms", "target p99 <= 5 ms")
    steps = [
        ("published -> monitor callback", "heard", None, "WebSocket read, frame parse"),
        ("callback -> decided to sell", "decided", "heard", "exit evaluation"),
        ("decided -> broker asked", "placed", "decided", "risk, NEW order committed"),
        ("broker asked -> on the wire", "wire", "placed", "REST client, loopback"),
    ]
    for name, end, begin, what in steps:
        before = spans[begin] if begin else [0.0] * len(spans[end])
        part = [b - a for a, b in zip(before, spans[end], strict=True)]
        _summary(f"  of which {name}", part, ms, "ms", what)
    _summary("trade -> sell on the wire", spans["from_trade"], ms, "ms", "+ the frame's making")
    _summary("tick -> sell read by the simulator", spans["read"], ms, "ms", "+ its wake-up")
    _summary("tick -> sell at the simulator's engine", spans["engine"], ms, "ms", "+ its HTTP")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--outage-rounds", type=int, default=60)
    parser.add_argument("--held", type=int, default=10, help="positions polled in the outage")
    parser.add_argument("--rss-seconds", type=float, default=20.0)
    parser.add_argument("--memory-only", action="store_true", help="section 3 only")
    parser.add_argument("--tick-only", action="store_true", help="section 1 only")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="hantu-bench-monitor-") as tmp:
        root = Path(tmp)
        for name in ("tick", "outage", "rss"):  # rss: see bench/monitor_rss.py
            (root / name).mkdir()
        if not args.memory_only:
            _parts(asyncio.run(bench_tick_to_wire(args.rounds, root / "tick")))
        if args.tick_only:
            return
        if not args.memory_only:
            latencies = asyncio.run(
                bench_outage_to_wire(args.outage_rounds, args.held, root / "outage")
            )
            _summary(
                f"outage -> sell at the simulator's engine, {args.held} positions polled at 10/s",
                latencies,
                1.0,
                "s",
                "target p99 <= 2 s",
            )
        figures = asyncio.run(bench_rss(20, 100, args.rss_seconds, root / "rss"))
        base, watching = figures["baseline"], figures["monitor"]
        print(
            f"memory of the monitor process: VmRSS {watching['rss_mb']:.1f} MB, VmHWM "
            f"{watching['peak_mb']:.1f} MB with {watching['registrations']} WebSocket "
            f"registrations and {watching['watched']} positions, {watching['polled']} polled "
            f"({watching['polls']} polls in {args.rss_seconds:.0f} s) (target <= 80 MB)"
        )
        print(
            f"  the same application watching nothing: VmRSS {base['rss_mb']:.1f} MB, VmHWM "
            f"{base['peak_mb']:.1f} MB; the monitor adds "
            f"{watching['rss_mb'] - base['rss_mb']:.1f} MB"
        )


if __name__ == "__main__":
    main()
