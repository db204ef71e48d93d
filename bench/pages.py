"""Benchmark: the trader's pages with a realistic history in the database (issue 10).

Seeds `--orders` orders (default 50,000) and `--fills` fills (default 100,000) — two users,
several strategies, broker accounts and symbols, every status, fills for every filled and
partly filled order, failed orders for refused ones, a year of trading days — into a SQLite
file (and, with `--postgres`, a throwaway PostgreSQL database), runs the real app under
uvicorn, signs in over HTTP and prints p50/p95 per section. Target: `/orders` first page and
`/api/orders` p95 ≤ 150 ms.

    PYTHONPATH=src:. .venv/bin/python bench/pages.py [--orders 50000] [--fills 100000]
        [--requests 200] [--postgres]

The history is settled (filled, canceled, rejected, refused) but for `QUIET_OPEN` resting
SENT/PARTIAL orders and `PENDING_RETRY` failed orders; the app runs with the settlement loop
off (`settle_interval_seconds=0`) so the sections time the pages, not background settling.

Sections are functions in `SECTIONS` taking a signed-in `Bench` and returning named samples;
`/positions` and the SSE latency can be added the same way.

PostgreSQL: HANTU_BENCH_POSTGRES_URL (default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres)
is the admin connection used to create and drop `hantu_bench_<random>`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
from sqlalchemy import insert, make_url
from tests.fakes import FakeClock
from tests.inprocess_broker import InProcessBroker
from tests.integration.web.server import ServerThread

from hantu.adapters.db import tables as t
from hantu.adapters.passwords import PasswordHashing
from hantu.bootstrap import AccountBrokers
from hantu.config import Settings
from hantu.domain.accounts import BrokerCredentials
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.accounts import NewBrokerAccount
from hantu.service_layer.orders import order_id_for
from hantu.service_layer.ports import Broker

ADMIN_URL = os.environ.get(
    "HANTU_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
SEOUL = ZoneInfo("Asia/Seoul")
PASSWORD = "bench-password-1"
SYMBOLS = ["005930", "000660", "035420", "051910", "005380", "035720", "068270", "105560"]
SYMBOLS += ["055550", "012330", "028260", "066570"]
STATUSES = [  # (status, share of orders): a settled history; QUIET_OPEN recent ones stay live
    ("FILLED", 0.62),
    ("CANCELED", 0.20),
    ("ERROR", 0.10),
    ("REJECTED", 0.08),
]
QUIET_OPEN = 40  # the newest orders, alternately SENT and PARTIAL (resting at the broker)
PENDING_RETRY = 10  # of the refused orders, this many still wait for a retry; the rest are done
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


# --- seeding --------------------------------------------------------------------------------


@dataclass
class Seeded:
    trader_accounts: list[int]
    other_accounts: list[int]


async def _people(server: ServerThread) -> Seeded:
    assert server.runtime is not None
    deps = server.runtime.state.accounts
    found: dict[str, list[int]] = {}
    for name, strategies, brokers in (("trader", 4, 2), ("other", 1, 1)):
        user = await accounts_service.create_user(deps, name, PASSWORD)
        made = []
        for b in range(brokers):
            form = NewBrokerAccount(
                f"계좌{b + 1}", "SIMULATOR", "k" * 36, "s" * 180, f"5012345{b}-01", "hts"
            )
            made.append(await accounts_service.add_broker_account(deps, user.id, form))
        links = []
        for s in range(strategies):
            strategy, _ = await accounts_service.create_strategy(deps, user.id, f"전략{s + 1}")
            for account in made:
                link = await accounts_service.link_account(deps, user.id, strategy.id, account.id)
                links.append(int(link.id))
        found[name] = links
    return Seeded(found["trader"], found["other"])


def _trading_days(count: int, last: date) -> list[date]:
    days: list[date] = []
    day = last
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days


def _plan(
    orders: int, fills: int, seeded: Seeded, rng: random.Random
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]], bool]]:
    """Yield (order row, its fill rows, refused?) for the whole history."""
    days = _trading_days(250, datetime.now(SEOUL).date())
    statuses = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES], k=orders)
    for k in range(min(QUIET_OPEN, orders)):
        statuses[orders - 1 - k] = "SENT" if k % 2 else "PARTIAL"
    filling = [i for i, s in enumerate(statuses) if s in ("FILLED", "PARTIAL")]
    pieces = dict.fromkeys(filling, 1)
    for i in rng.choices(filling, k=max(0, fills - len(filling))):
        pieces[i] += 1
    for i, status in enumerate(statuses):
        account = rng.choice(seeded.other_accounts if i % 5 == 0 else seeded.trader_accounts)
        day = days[i * len(days) // orders]
        opened = datetime(day.year, day.month, day.day, 9, 0, tzinfo=SEOUL)
        created = (
            opened
            + timedelta(seconds=rng.randrange(6 * 3600 + 1800), microseconds=rng.randrange(10**6))
        ).astimezone(UTC)
        n = pieces.get(i, 0)
        quantity = max(n, rng.randrange(1, 300))
        price = 1000 * rng.randrange(20, 400)
        market = rng.random() < 0.2
        key = f"bench:{i}"
        broker_id = None if status in ("NEW", "REJECTED", "ERROR") else f"{i:010d}"
        filled = quantity if status == "FILLED" else (n if status == "PARTIAL" else 0)
        order = {
            "id": order_id_for(key),
            "idempotency_key": key,
            "strategy_account_id": account,
            "symbol": rng.choice(SYMBOLS),
            "side": rng.choice(("BUY", "SELL")),
            "order_type": "MARKET" if market else "LIMIT",
            "quantity": quantity,
            "price": None if market else price,
            "status": status,
            "broker_order_id": broker_id,
            "filled_quantity": filled,
            "average_fill_price": price if filled else None,
            "reason": "주문가능금액을 초과 했습니다" if status in ("ERROR", "REJECTED") else None,
            "source": "webhook",
            "version": 1,
            "created_at": created,
            "updated_at": created,
        }
        yield order, _fills(order, n, filled, rng), status == "ERROR"


def _fills(order: dict[str, Any], n: int, filled: int, rng: random.Random) -> list[dict[str, Any]]:
    if not n:
        return []
    sizes = [filled // n] * n
    sizes[-1] += filled - sum(sizes)
    at = order["created_at"]
    rows = []
    for k, size in enumerate(sizes):
        at += timedelta(seconds=rng.randrange(1, 120))
        rows.append(
            {
                "fill_id": f"{order['broker_order_id']}-{k}",
                "order_id": order["id"],
                "broker_order_id": order["broker_order_id"],
                "broker_account": f"broker_account:{order['strategy_account_id']}",
                "strategy_account_id": order["strategy_account_id"],
                "symbol": order["symbol"],
                "side": order["side"],
                "quantity": size,
                "price": order["average_fill_price"],
                "filled_at": at,
                "recorded_at": at,
            }
        )
    return rows


def _failed(order: dict[str, Any], pending: bool, rng: random.Random) -> dict[str, Any]:
    """A refused order's failed row: most were retried (resolved) or removed long ago."""
    done = "resolved" if rng.random() < 0.6 else "removed"
    return {
        "strategy_account_id": order["strategy_account_id"],
        "symbol": order["symbol"],
        "side": order["side"],
        "order_type": order["order_type"],
        "quantity": order["quantity"],
        "price": order["price"],
        "reason": order["reason"],
        "broker_error": "APBK0919 주문가능금액을 초과 했습니다",
        "order_params": {"idempotency_key": order["idempotency_key"]},
        "status": "pending_retry" if pending else done,
        "retry_count": 0 if pending or done == "removed" else 1,
        "order_id": order["id"],
        "created_at": order["created_at"],
        "updated_at": order["created_at"],
    }


def _decimals(row: dict[str, Any]) -> dict[str, Any]:
    from decimal import Decimal

    return {k: Decimal(v) if isinstance(v, int) and k in _MONEY else v for k, v in row.items()}


_MONEY = {"quantity", "price", "filled_quantity", "average_fill_price"}


def seed(server: ServerThread, orders: int, fills: int) -> tuple[int, int]:
    """Write the history through the app's own database, in chunks; return the counts."""
    seeded = server.run(lambda: _people(server))
    rng = random.Random(20261202)
    assert server.runtime is not None
    db = server.runtime.app.db
    chunk: list[tuple[dict[str, Any], list[dict[str, Any]], bool]] = []
    counts = [0, 0]
    refusals = [0]

    async def write(rows: list[tuple[dict[str, Any], list[dict[str, Any]], bool]]) -> None:
        async with db.begin() as connection:
            await connection.execute(insert(t.orders), [_decimals(o) for o, _, _ in rows])
            fill_rows = [_decimals(f) for _, fs, _ in rows for f in fs]
            if fill_rows:
                await connection.execute(insert(t.fills), fill_rows)
            failed = []
            for o, _, refused in rows:
                if refused:
                    failed.append(_decimals(_failed(o, refusals[0] < PENDING_RETRY, rng)))
                    refusals[0] += 1
            if failed:
                await connection.execute(insert(t.failed_orders), failed)

    for planned in _plan(orders, fills, seeded, rng):
        chunk.append(planned)
        counts[0] += 1
        counts[1] += len(planned[1])
        if len(chunk) == 5000:
            server.run(lambda rows=chunk: write(rows))  # type: ignore[misc]
            chunk = []
    if chunk:
        server.run(lambda: write(chunk))
    return counts[0], counts[1]


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Bench:
    client: httpx.Client
    requests: int

    def timed(self, path: str, params: dict[str, str] | None = None) -> list[float]:
        """Milliseconds per GET, after two warm-up requests; every answer must be 200."""
        samples = []
        for n in range(self.requests + 2):
            started = time.perf_counter()
            response = self.client.get(path, params=params)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:200]}")
            if n >= 2:
                samples.append(elapsed)
        return samples


def orders_section(bench: Bench) -> list[tuple[str, list[float]]]:
    """The orders page and its API: first pages (the target), then common filters."""
    first = bench.client.get("/api/orders").json()
    cursor = first["next_cursor"]
    month_end = datetime.now(SEOUL).date()
    month = {"date_from": str(month_end - timedelta(days=30)), "date_to": str(month_end)}
    return [
        ("/orders (first page)", bench.timed("/orders")),
        ("/api/orders (first page)", bench.timed("/api/orders")),
        ("/api/orders page 2 (cursor)", bench.timed("/api/orders", {"cursor": cursor})),
        ("/api/orders symbol=000660", bench.timed("/api/orders", {"symbol": "000660"})),
        ("/api/orders status=SENT", bench.timed("/api/orders", {"status": "SENT"})),
        ("/api/orders last 30 days", bench.timed("/api/orders", month)),
        (
            "/orders strategy + status",
            bench.timed("/orders", {"strategy_id": "2", "status": "FILLED"}),
        ),
    ]


Section = Callable[[Bench], list[tuple[str, list[float]]]]
SECTIONS: dict[str, Section] = {"orders": orders_section}


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _sign_in(base_url: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=30)
    found = _CSRF.search(client.get("/login").text)
    assert found is not None
    form = {"username": "trader", "password": PASSWORD, "csrf_token": found.group(1)}
    answer = client.post("/login", data=form)
    assert answer.status_code == 303, answer.text
    return client


def run(label: str, database_url: str, data_dir: Path, args: argparse.Namespace) -> None:
    clock = FakeClock(datetime.now(UTC))
    broker = InProcessBroker(clock)

    async def factory(_credentials: BrokerCredentials) -> Broker:
        return broker

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=data_dir,
        database_url=database_url,
        demo=False,
        settle_interval_seconds=0,  # history sections: no settlement loop working beside them
    )
    options = {
        "brokers": AccountBrokers(factory),
        "hasher": PasswordHashing(time_cost=1, memory_cost=8),
    }
    server = ServerThread(settings, options)
    server.start()
    try:
        started = time.perf_counter()
        orders, fills = seed(server, args.orders, args.fills)
        seconds = time.perf_counter() - started
        print(f"\n{label}: seeded {orders:,} orders and {fills:,} fills in {seconds:.1f}s")
        bench = Bench(_sign_in(server.base_url), args.requests)
        for name in args.sections:
            for what, samples in SECTIONS[name](bench):
                p50, p95 = statistics.median(samples), _percentile(samples, 0.95)
                print(f"  {what:<34} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   (n={len(samples)})")
    finally:
        broker.release()
        server.stop()


async def _postgres_database() -> str:
    name = f"hantu_bench_{secrets.token_hex(6)}"
    admin = make_url(ADMIN_URL).set(drivername="postgresql")
    connection = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


async def _drop(url: str) -> None:
    admin = make_url(ADMIN_URL).set(drivername="postgresql")
    connection = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--fills", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--sections", nargs="+", default=list(SECTIONS), choices=list(SECTIONS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp) / "sqlite", args)
        if args.postgres:
            url = asyncio.run(_postgres_database())
            try:
                run("PostgreSQL", url, Path(tmp) / "postgres", args)
            finally:
                asyncio.run(_drop(url))


if __name__ == "__main__":
    main()
