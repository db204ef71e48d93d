"""Benchmark: how soon an order change reaches every open SSE client (target p99 ≤ 250 ms).

The real app on its embedded defaults (SQLite, the KIS simulator in-process reached through
the real KIS adapter, the demo user and strategy) runs under uvicorn in a thread. `--clients`
streams of `/api/v1/live` are opened on one signed-in session (one user's tabs); then
`--orders` webhook orders are placed at `--rate` per second. For every order's `created` and
`sent` notices the latency is the time from the commit (a bus handler in the server stamps
each committed event) to each client having read the event off its socket. Prints
p50/p95/p99/max over all (client, notice) pairs and how many never arrived.

    .venv/bin/python bench/sse.py [--clients 20] [--orders 200] [--rate 20]

The clients run in this process, beside the server's thread: their parsing shares the GIL
with the server, so the figures are, if anything, pessimistic.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.web.server import ServerThread

from hantu.adapters.passwords import PasswordHashing
from hantu.config import Settings
from hantu.domain.events import OrderCreated, OrderEvent, OrderSent

_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
KINDS = {OrderCreated: "created", OrderSent: "sent"}
STREAM_TIMEOUT = httpx.Timeout(10.0, read=None)  # a stream may be quiet for long


def start(data_dir: Path) -> tuple[ServerThread, dict[tuple[str, str], float]]:
    settings = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]
    server = ServerThread(settings, {"hasher": PasswordHashing(time_cost=1, memory_cost=8)})
    server.start()
    committed: dict[tuple[str, str], float] = {}

    async def stamp(event: OrderEvent) -> None:
        kind = KINDS.get(type(event))
        if kind is not None:
            committed[(event.order_id, kind)] = time.perf_counter()

    assert server.runtime is not None
    assert server.runtime.state.bus is not None
    bus = server.runtime.state.bus

    async def subscribe() -> None:  # on the server's loop, where the bus runs
        bus.subscribe(OrderEvent, stamp)

    server.run(subscribe)
    return server, committed


async def signed_in(base_url: str) -> httpx.Cookies:
    async with httpx.AsyncClient(base_url=base_url) as client:
        page = await client.get("/login")
        found = _CSRF.search(page.text)
        assert found
        form = {"username": "demo", "password": "hantu-demo", "csrf_token": found.group(1)}
        assert (await client.post("/login", data=form)).status_code == 303
        return client.cookies


async def listen(
    client: httpx.AsyncClient, received: dict[tuple[str, str], float], ready: asyncio.Event
) -> None:
    async with client.stream("GET", "/api/v1/live") as response:
        event = "message"
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                if event == "ready":
                    ready.set()
                else:
                    data = json.loads(line[5:])
                    if data.get("topic") == "order" and "order_id" in data:
                        received[(data["order_id"], data["kind"])] = time.perf_counter()
            elif line == "":
                event = "message"


async def place(base_url: str, token: str, orders: int, rate: float) -> int:
    accepted = 0
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        for n in range(orders):
            body = {
                "token": token,
                "id": f"bench-sse-{n}",
                "symbol": "005930",
                "side": "BUY",
                "order_type": "LIMIT",
                "quantity": "1",
                "price": "70000",
            }
            answer = await client.post("/api/webhook", content=json.dumps(body))
            accepted += answer.status_code == 200
            await asyncio.sleep(1 / rate)
    return accepted


async def run(
    server: ServerThread, committed: dict[tuple[str, str], float], args: argparse.Namespace
) -> None:
    clients_n, orders, rate = args.clients, args.orders, args.rate
    assert server.runtime is not None
    assert server.runtime.demo is not None
    cookies = await signed_in(server.base_url)
    clients = [
        httpx.AsyncClient(base_url=server.base_url, cookies=cookies, timeout=STREAM_TIMEOUT)
        for _ in range(clients_n)
    ]
    received: list[dict[tuple[str, str], float]] = [{} for _ in clients]
    ready = [asyncio.Event() for _ in clients]
    tasks = [
        asyncio.create_task(listen(c, r, e))
        for c, r, e in zip(clients, received, ready, strict=True)
    ]
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in ready)), 10)
    accepted = await place(server.base_url, server.runtime.demo.token, orders, rate)
    await asyncio.sleep(1.0)  # the last notices
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for client in clients:
        await client.aclose()
    report(committed, received, clients_n, orders, accepted, rate)


def report(
    committed: dict[tuple[str, str], float],
    received: list[dict[tuple[str, str], float]],
    clients: int,
    orders: int,
    accepted: int,
    rate: float,
) -> None:
    latencies, missing = [], 0
    for key, at in committed.items():
        for seen in received:
            if key in seen:
                latencies.append((seen[key] - at) * 1000)
            else:
                missing += 1
    latencies.sort()
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    print(f"SSE fan-out: {clients} clients, {orders} orders at {rate:g}/s ({accepted} accepted)")
    print(f"  notices committed: {len(committed)}, deliveries measured: {len(latencies)}")
    p50, p95, p99 = cuts[49], cuts[94], cuts[98]
    print(f"  commit -> client  p50 {p50:.1f} ms  p95 {p95:.1f} ms  p99 {p99:.1f} ms")
    print(f"  max {latencies[-1]:.1f} ms, never arrived: {missing}")
    verdict = "within" if p99 <= 250 else "OVER"
    print(f"  target p99 <= 250 ms: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="webhook orders per second")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        server, committed = start(Path(data_dir))
        try:
            asyncio.run(run(server, committed, args))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
