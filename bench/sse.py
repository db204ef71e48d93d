"""The `sse` section of `bench/pages.py`: how soon an order change reaches every open SSE
client (issue 10: p99 ≤ 250 ms).

`--clients` streams of `/api/v1/live` are opened on one signed-in demo session (one user's
tabs); then `--sse-orders` webhook orders are placed at `--rate` per second. For every order's
`created` and `sent` notices the latency is the time from the commit (a bus handler in the
committing runtime stamps each committed event) to each client having read the event off its
socket; notices that never arrived are counted and printed.

On PostgreSQL the run is repeated with the orders placed through a second runtime over the
same database (a worker would be one; here a second server on the same data dir, trading the
same simulator account as an external simulator), so every notice travels from that
runtime's commit by NOTIFY to the web runtime's LISTEN and on to its streams. (The second
runtime's fill stream finds the app key's one KIS WebSocket session taken, as a real second
process on the same key would, and says so on stderr; its orders go over REST regardless.)

    PYTHONPATH=src:. .venv/bin/python bench/sse.py [pages.py options]

The clients run in this process, beside the servers' threads: their parsing shares the GIL
with the servers, so the figures are, if anything, pessimistic.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.web.server import ServerThread

from hantu.adapters.passwords import PasswordHashing
from hantu.domain.events import OrderCreated, OrderEvent, OrderSent

if TYPE_CHECKING:
    from bench.pages import Bench, Samples

KINDS = {OrderCreated: "created", OrderSent: "sent"}
STREAM_TIMEOUT = httpx.Timeout(10.0, read=None)  # a stream may be quiet for long
Stamps = dict[tuple[str, str], float]


def _stamp_commits(server: ServerThread) -> Stamps:
    """Stamp each committed created/sent event of this runtime (on its own loop)."""
    committed: Stamps = {}

    async def stamp(event: OrderEvent) -> None:
        kind = KINDS.get(type(event))
        if kind is not None:
            committed[(event.order_id, kind)] = time.perf_counter()

    assert server.runtime is not None
    bus = server.runtime.state.bus
    assert bus is not None

    async def subscribe() -> None:
        bus.subscribe(OrderEvent, stamp)

    server.run(subscribe)
    return committed


async def _listen(client: httpx.AsyncClient, received: Stamps, ready: asyncio.Event) -> None:
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


async def _place(base_url: str, token: str, label: str, orders: int, rate: float) -> int:
    accepted = 0
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        for n in range(orders):
            body = {
                "token": token,
                "id": f"bench-sse-{label}-{n}",
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


async def _measure(
    bench: Bench, placing: ServerThread, committed: Stamps, token: str, label: str
) -> tuple[list[float], int, int]:
    """(latencies in ms, deliveries that never arrived, orders accepted)."""
    from bench.pages import DEMO, sign_in

    options = bench.options
    cookies = sign_in(bench.server.base_url, *DEMO).cookies
    clients = [
        httpx.AsyncClient(base_url=bench.server.base_url, cookies=cookies, timeout=STREAM_TIMEOUT)
        for _ in range(options.clients)
    ]
    received: list[Stamps] = [{} for _ in clients]
    ready = [asyncio.Event() for _ in clients]
    tasks = [
        asyncio.create_task(_listen(c, r, e))
        for c, r, e in zip(clients, received, ready, strict=True)
    ]
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in ready)), 10)
    committed.clear()
    accepted = await _place(placing.base_url, token, label, options.sse_orders, options.rate)
    await asyncio.sleep(1.0)  # the last notices
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for client in clients:
        await client.aclose()
    latencies, missing = [], 0
    for key, at in committed.items():
        for seen in received:
            if key in seen:
                latencies.append((seen[key] - at) * 1000)
            else:
                missing += 1
    return latencies, missing, accepted


def _second_runtime(bench: Bench) -> ServerThread:
    """Another runtime over the same database and data dir, trading the same simulator
    account as an external simulator (no simulator, demo or web state of its own needed)."""
    runtime = bench.server.runtime
    assert runtime is not None
    simulator = runtime.simulator
    assert simulator is not None
    account = simulator.accounts[0]
    settings = bench.settings.model_copy(
        update={
            "demo": False,
            "kis_simulator_rest_url": simulator.rest_url,
            "kis_simulator_ws_url": simulator.ws_url,
            "kis_app_key": SecretStr(account.app_key),
            "kis_app_secret": SecretStr(account.app_secret),
            "kis_account": account.number,
            "kis_hts_id": account.hts_id or "hantudemo",
        }
    )
    server = ServerThread(settings, {"hasher": PasswordHashing(time_cost=1, memory_cost=8)})
    server.start()
    return server


def sse_section(bench: Bench) -> Samples:
    options = bench.options
    runtime = bench.server.runtime
    assert runtime is not None
    assert runtime.demo is not None
    token = runtime.demo.token
    committed = _stamp_commits(bench.server)
    runs: list[tuple[str, ServerThread, Stamps]] = [("same runtime", bench.server, committed)]
    second = _second_runtime(bench) if bench.backend == "postgresql" else None
    if second is not None:
        runs.append(("other runtime (NOTIFY)", second, _stamp_commits(second)))
    out: Samples = []
    try:
        for label, placing, stamps in runs:
            latencies, missing, accepted = asyncio.run(
                _measure(bench, placing, stamps, token, label.split()[0])
            )
            print(
                f"  (sse {label}: {options.clients} clients, {options.sse_orders} orders at "
                f"{options.rate:g}/s, {accepted} accepted, {len(stamps)} notices committed, "
                f"{len(latencies)} deliveries, never arrived: {missing})"
            )
            out.append((f"SSE commit -> client, {label}", latencies))
    finally:
        if second is not None:
            second.stop()
    return out


if __name__ == "__main__":
    from bench.pages import main

    main(["--sections", "sse", *sys.argv[1:]])
