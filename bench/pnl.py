"""Benchmark: the PnL report (`/pnl` and `GET /api/pnl`) over a large fill history.

Seeds `--fills` valid fills (a seeded walk) over `--days` Seoul days, 4 strategy accounts
(2 strategies x 2 broker accounts) x `--symbols` symbols (200 books by default), the last
day being today, into a real database (SQLite, and with `--postgres` a throwaway PostgreSQL
database) and builds the app with the real bootstrap. Then it times, in process (the
report's use case and the API's JSON body; no HTTP server):

- cold: the first report, which folds every closed day and stores it;
- warm: `--requests` reports from the stored days plus today's fills, p50/p95, for the page
  (the report) and the API (the report and its JSON body);
- replay: the same report by replaying every fill (the way before stored days), p50/p95.

    PYTHONPATH=src:. .venv/bin/python bench/pnl.py [--fills 100000] [--days 120]
        [--symbols 50] [--requests 100] [--postgres]

PostgreSQL: HANTU_BENCH_POSTGRES_URL (default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import secrets
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from tests.fakes import FakeClock
from tests.inprocess_broker import InProcessBroker

from hantu.adapters.db import tables as t
from hantu.bootstrap import App, build
from hantu.config import Settings
from hantu.domain.accounts import BrokerAccountId, StrategyAccountView, StrategyId
from hantu.domain.pnl import SEOUL, MarkBook, summarize, summarize_by
from hantu.domain.values import Price, StrategyAccountId, Symbol
from hantu.entrypoints.web.pnl import report_json
from hantu.service_layer.pnl_folding import pnl_fill
from hantu.service_layer.pnl_report import PnlQuery, pnl_report

ADMIN_URL = os.environ.get(
    "HANTU_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
ACCOUNTS = ((1, 1, 1), (2, 1, 2), (3, 2, 1), (4, 2, 2))  # (view, strategy, broker account)
VIEWS = [
    StrategyAccountView(
        StrategyAccountId(i), StrategyId(s), f"s{s}", BrokerAccountId(a), f"a{a}", f"**{a}"
    )
    for i, s, a in ACCOUNTS
]


def trading_days(count: int, last: date) -> list[date]:
    days: list[date] = []
    day = last
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


def fill_rows(count: int, days: list[date], symbols: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    codes = [f"{100_000 + i * 10:06d}" for i in range(symbols)]
    price = dict.fromkeys(codes, 50_000)
    held: dict[tuple[int, str], int] = defaultdict(int)
    rows = []
    for i in range(count):
        view, _, account = rng.choice(ACCOUNTS)
        code = rng.choice(codes)
        price[code] = max(1_000, price[code] + rng.randint(-5, 5) * 100)
        have = held[(view, code)]
        side = "SELL" if have and rng.random() < 0.45 else "BUY"
        qty = rng.randint(1, have) if side == "SELL" else rng.randint(1, 50)
        held[(view, code)] += qty if side == "BUY" else -qty
        day = days[i * len(days) // count]
        local = datetime.combine(day, clock_time(9), tzinfo=SEOUL) + timedelta(seconds=i % 23_000)
        at = local.astimezone(UTC)
        rows.append(
            {
                "fill_id": f"f{i}",
                "broker_order_id": f"b{i}",
                "broker_account": f"acct{account}",
                "strategy_account_id": view,
                "symbol": code,
                "side": side,
                "quantity": Decimal(qty),
                "price": Decimal(price[code]),
                "filled_at": at,
                "recorded_at": at,
            }
        )
    return rows


async def replayed(app: App) -> None:
    """The report as it was: every fill read and replayed on each request."""
    today = app.clock.now().astimezone(SEOUL).date()
    until = datetime.combine(today + timedelta(days=1), clock_time(), tzinfo=SEOUL)
    by_id = {int(v.id): v for v in VIEWS}
    async with app.deps.uow(read_only=True) as uow:
        records = await uow.fills.history(list(by_id), until)
    fills = [pnl_fill(r, by_id[int(r.strategy_account_id or 0)]) for r in records]
    marks = MarkBook(fills, {}, today)
    summarize(fills, marks, end=today)
    summarize_by(fills, marks, lambda f: f.strategy, end=today)
    summarize_by(fills, marks, lambda f: f.account, end=today)


Samples = tuple[list[float], list[float]]  # wall ms, this process's CPU ms


async def timed(call: Callable[[], Awaitable[object]], requests: int) -> Samples:
    wall, cpu = [], []
    for _ in range(requests):
        started, used = time.perf_counter(), time.process_time()
        await call()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return wall, cpu


def line(what: str, samples: Samples) -> str:
    def p95(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    wall, cpu = samples
    return (
        f"  {what:<32} p50 {statistics.median(wall):7.1f} ms  p95 {p95(wall):7.1f} ms"
        f"   (cpu p50 {statistics.median(cpu):6.1f} ms, n={len(wall)})"
    )


async def run(label: str, url: str, data_dir: Path, args: argparse.Namespace) -> None:
    now = datetime(2026, 11, 27, 14, 0, tzinfo=SEOUL)  # a Friday afternoon
    clock = FakeClock(now.astimezone(UTC))
    broker = InProcessBroker(clock)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=url, data_dir=data_dir, settle_interval_seconds=0
    )
    app = build(settings, clock=clock, brokers=broker)
    await app.start()
    try:
        rows = fill_rows(args.fills, trading_days(args.days, now.date()), args.symbols)
        for code in {r["symbol"] for r in rows}:
            broker.prices[Symbol(code)] = Price(50_000)
        async with app.db.begin() as conn:
            for start in range(0, len(rows), 5_000):
                await conn.execute(insert(t.fills), rows[start : start + 5_000])
        seeded = len(rows)
        del rows  # a server holds no copy of the fills: keep the collector's heap realistic
        gc.collect()
        query = PnlQuery()

        async def page() -> object:
            return await pnl_report(app.deps, VIEWS, query)

        async def api() -> object:
            return report_json(await pnl_report(app.deps, VIEWS, query), {})

        cold, _ = await timed(page, 1)
        report = await pnl_report(app.deps, VIEWS, query)
        print(
            f"\n{label}: {seeded:,} fills, {len(report.total.days)} days, "
            f"{report.total.stats.trades:,} trades, 200 books; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        print(f"  cold first build (fold + store)  {cold[0]:9.1f} ms")
        print(line("warm /pnl (report)", await timed(page, args.requests)))
        print(line("warm /api/pnl (report + JSON)", await timed(api, args.requests)))
        print(line("replay every fill (before)", await timed(lambda: replayed(app), 5)))
    finally:
        broker.release()
        await app.close()


async def _admin(statement: str) -> None:
    admin = make_url(ADMIN_URL).set(drivername="postgresql").render_as_string(False)
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fills", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--symbols", type=int, default=50)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await run("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp) / "s", args)
        if args.postgres:
            name = f"hantu_bench_{secrets.token_hex(4)}"
            await _admin(f'CREATE DATABASE "{name}"')
            url = make_url(ADMIN_URL).set(database=name).render_as_string(False)
            try:
                await run("PostgreSQL", url, Path(tmp) / "p", args)
            finally:
                await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
