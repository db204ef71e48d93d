"""Benchmark: the trader's pages with a realistic history in the database (issue 10).

Runs the real app under uvicorn on its embedded defaults (the KIS simulator in-process,
reached through the real KIS adapter, prices walking; the demo user, account and strategy),
seeds `--orders` orders (default 50,000) and `--fills` fills (default 100,000) for two more
users (`bench/pages_seed.py`), into a SQLite file and, with `--postgres`, a throwaway
PostgreSQL database, and prints p50/p95/p99 per section:

    orders     `/orders` first page and `/api/orders` (target p95 ≤ 150 ms), then filters
    positions  `/positions` and `/api/balance` for the demo account holding 20 symbols at the
               simulator, hantu 20 positions (3 differ, 2 the broker lacks): warm, and cold
               (no kept broker reads: each load asks KIS) (target p95 ≤ 200 ms)
    sse        an order change → every open `/api/v1/live` client (target p99 ≤ 250 ms); on
               PostgreSQL also placed through a second runtime over the same database, so
               the change travels by LISTEN/NOTIFY (`bench/sse.py`)

    PYTHONPATH=src:. .venv/bin/python bench/pages.py [--orders 50000] [--fills 100000]
        [--requests 200] [--postgres] [--sections orders positions sse]

The app runs with the settlement loop off (`settle_interval_seconds=0`) so the sections time
the pages, not background settling. A section is a function in `SECTIONS` taking the signed-in
`Bench` and returning named samples in milliseconds.

PostgreSQL: HANTU_BENCH_POSTGRES_URL (default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres)
is the admin connection used to create and drop `hantu_bench_<random>`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.*, bench.*

from bench.pages_seed import PASSWORD, SEOUL, seed
from tests.integration.web.server import ServerThread

from hantu.adapters.passwords import PasswordHashing
from hantu.config import Settings

ADMIN_URL = os.environ.get(
    "HANTU_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
DEMO = ("demo", "hantu-demo")
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')

Samples = list[tuple[str, list[float]]]


@dataclass
class Bench:
    """The running server, a client signed in as the seeded trader, and the run's settings."""

    server: ServerThread
    settings: Settings
    client: httpx.Client
    requests: int
    backend: str
    options: argparse.Namespace

    def timed(
        self, path: str, params: dict[str, str] | None = None, client: httpx.Client | None = None
    ) -> list[float]:
        """Milliseconds per GET, after two warm-up requests; every answer must be 200."""
        client = client or self.client
        samples = []
        for n in range(self.requests + 2):
            started = time.perf_counter()
            response = client.get(path, params=params)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:200]}")
            if n >= 2:
                samples.append(elapsed)
        return samples

    def sign_in(self, username: str, password: str) -> httpx.Client:
        return sign_in(self.server.base_url, username, password)


def orders_section(bench: Bench) -> Samples:
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


def positions_section(bench: Bench) -> Samples:
    from bench.pages_positions import positions_section as section

    return section(bench)


def sse_section(bench: Bench) -> Samples:
    from bench.sse import sse_section as section

    return section(bench)


Section = Callable[[Bench], Samples]
SECTIONS: dict[str, Section] = {
    "orders": orders_section,
    "positions": positions_section,
    "sse": sse_section,
}


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def sign_in(base_url: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=30)
    found = _CSRF.search(client.get("/login").text)
    assert found is not None
    form = {"username": username, "password": password, "csrf_token": found.group(1)}
    answer = client.post("/login", data=form)
    assert answer.status_code == 303, answer.text
    return client


def bench_settings(database_url: str, data_dir: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=data_dir,
        database_url=database_url,
        settle_interval_seconds=0,  # no settlement loop working beside the pages
    )


def run(label: str, database_url: str, data_dir: Path, args: argparse.Namespace) -> None:
    settings = bench_settings(database_url, data_dir)
    hasher = PasswordHashing(time_cost=1, memory_cost=8)
    server = ServerThread(settings, {"hasher": hasher})
    server.start()
    try:
        started = time.perf_counter()
        orders, fills = seed(server, args.orders, args.fills)
        seconds = time.perf_counter() - started
        print(f"\n{label}: seeded {orders:,} orders and {fills:,} fills in {seconds:.1f}s")
        backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
        client = sign_in(server.base_url, "trader", PASSWORD)
        bench = Bench(server, settings, client, args.requests, backend, args)
        for name in args.sections:
            for what, samples in SECTIONS[name](bench):
                print(_line(what, samples), flush=True)
    finally:
        server.stop()


def _line(what: str, samples: list[float]) -> str:
    if not samples:
        return f"  {what:<46} no samples"
    p50, p95, p99 = (
        statistics.median(samples),
        percentile(samples, 0.95),
        percentile(samples, 0.99),
    )
    return (
        f"  {what:<46} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   p99 {p99:7.1f} ms"
        f"   (n={len(samples)})"
    )


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--fills", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--only-postgres", action="store_true", help="run on PostgreSQL only")
    parser.add_argument("--sections", nargs="+", default=list(SECTIONS), choices=list(SECTIONS))
    parser.add_argument("--clients", type=int, default=20, help="sse: open streams")
    parser.add_argument("--sse-orders", type=int, default=200, help="sse: orders placed")
    parser.add_argument("--rate", type=float, default=20.0, help="sse: orders per second")
    args = parser.parse_args(argv)
    print(f"bench/pages.py at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, sections {args.sections}")
    with tempfile.TemporaryDirectory() as tmp:
        if not args.only_postgres:
            run("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp) / "sqlite", args)
        if args.postgres or args.only_postgres:
            url = asyncio.run(_postgres_database())
            try:
                run("PostgreSQL", url, Path(tmp) / "postgres", args)
            finally:
                asyncio.run(_drop(url))


if __name__ == "__main__":
    main()
