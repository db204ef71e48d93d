"""Benchmark: submit → SENT through the service layer with the in-process broker.

Runs the real pipeline (idempotency check, risk check, NEW committed before sending, broker
call with timeout, SENT committed with its events) on SQLite (a temp file, WAL) and on a
throwaway PostgreSQL database, and prints orders/s and p50/p99 latency per submit, one order
at a time and with several submits in flight.

    PYTHONPATH=src:. .venv/bin/python bench/order_pipeline.py [--orders 2000] [--sqlite-only]

(`.` on the path: the in-process broker lives with the tests, in `tests/inprocess_broker.py`.)

PostgreSQL: HANTU_BENCH_POSTGRES_URL (default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres)
is the admin connection used to create and drop `hantu_bench_<random>`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import asyncpg
from sqlalchemy import make_url
from tests.inprocess_broker import InProcessBroker

from hantu.adapters.clock import SystemClock
from hantu.bootstrap import build
from hantu.config import Settings
from hantu.domain.enums import OrderStatus, OrderType, Side
from hantu.domain.order import OrderRequest
from hantu.domain.values import Price, Quantity, StrategyAccountId, Symbol
from hantu.service_layer.orders import submit

ADMIN_URL = os.environ.get(
    "HANTU_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
# Orders are never filled here, so every one stays live; spread over this many strategy
# accounts, each account holds a realistic few dozen live orders for the exposure rule to sum.
ACCOUNTS = 100
SYMBOLS = [Symbol(code) for code in ("005930", "000660", "035420", "051910", "005380")]


def request(i: int, run: str) -> OrderRequest:
    return OrderRequest(
        idempotency_key=f"bench-{run}-{i}",
        strategy_account_id=StrategyAccountId(1 + i % ACCOUNTS),
        symbol=SYMBOLS[i % len(SYMBOLS)],
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=Quantity(1 + i % 10),
        price=Price(70_000),
    )


async def run_backend(name: str, url: str, orders: int, concurrency: int, limits: bool) -> None:
    clock = SystemClock()
    overrides = (
        {
            "daily_loss_limit": Decimal(10_000_000),
            "max_symbol_exposure": Decimal(10**12),
            "max_open_positions": 50,
        }
        if limits
        else {}
    )
    # No reconcile loop: the figure is the submit path alone, as before the supervisor.
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=url, settle_interval_seconds=0, **overrides
    )
    app = build(settings, clock=clock, brokers=InProcessBroker(clock))
    await app.start()
    try:
        run = secrets.token_hex(3)
        for i in range(200):  # warm up pools, statement caches
            await submit(app.deps, request(i, f"warm{run}"))
        latencies: list[float] = []
        pending = iter(range(orders))

        async def worker() -> None:
            for i in pending:
                started = time.perf_counter()
                result = await submit(app.deps, request(i, run))
                latencies.append(time.perf_counter() - started)
                if result.order.status is not OrderStatus.SENT:
                    raise AssertionError(f"order {i} ended {result.order.status}")

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    finally:
        await app.close()
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    label = f"{name:<10} in-flight={concurrency:<2} risk={'on ' if limits else 'off'}"
    print(f"{label}  {orders / elapsed:8.0f} orders/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms")


async def _admin(statement: str) -> None:
    admin = make_url(ADMIN_URL).set(drivername="postgresql").render_as_string(False)
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def with_postgres(orders: int, cases: list[tuple[int, bool]]) -> None:
    for concurrency, limits in cases:  # a fresh database per case
        name = f"hantu_bench_{secrets.token_hex(4)}"
        await _admin(f'CREATE DATABASE "{name}"')
        url = make_url(ADMIN_URL).set(database=name).render_as_string(False)
        try:
            await run_backend("postgresql", url, orders, concurrency, limits)
        finally:
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    cases = [(1, False), (1, True), (4, False)]
    loop = type(asyncio.get_running_loop()).__module__.split(".")[0]
    print(f"submit → SENT, {args.orders} orders per run, {os.cpu_count()} CPUs, {loop} loop")
    with tempfile.TemporaryDirectory() as tmp:
        for n, (concurrency, limits) in enumerate(cases):  # a fresh file per case
            url = f"sqlite:///{Path(tmp) / f'bench{n}.db'}"
            await run_backend("sqlite", url, args.orders, concurrency, limits)
    if not args.sqlite_only:
        await with_postgres(args.orders, cases)


if __name__ == "__main__":
    try:  # the server runs under uvicorn, which uses uvloop when it is installed
        import uvloop
    except ImportError:
        asyncio.run(main())
    else:
        uvloop.run(main())
