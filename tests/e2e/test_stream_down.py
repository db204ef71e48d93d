"""While the notice stream is down, fills still land within seconds (through the REST sync),
and `/healthz` and `/metrics` say the stream is down; it comes back by itself."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx
from fastapi import FastAPI

from hantu.entrypoints.web.runtime import Runtime
from hantu.service_layer import queries
from hantu.simulator.server import Simulator

CONNECTED = 'hantu_realtime_connected{broker_account="1"}'


async def _until(predicate: Callable[[], Awaitable[bool]], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def _buy(token: str, key: str) -> dict[str, str]:
    return {
        "token": token,
        "symbol": "005930",
        "side": "BUY",
        "order_type": "MARKET",
        "quantity": "1",
        "id": key,
    }


async def _realtime(client: httpx.AsyncClient) -> str:
    body = (await client.get("/healthz")).json()
    assert body["status"] == "ok"  # a down stream never turns liveness red
    return str(body["realtime"]["state"])


async def _gauge(client: httpx.AsyncClient) -> str:
    text = (await client.get("/metrics")).text
    return next((line for line in text.splitlines() if line.startswith(CONNECTED)), "")


def _trading(runtime: Runtime) -> tuple[str, Simulator]:
    """The demo strategy's token and the built-in simulator, 005930 trading at 70,000원."""
    assert runtime.demo is not None
    assert runtime.simulator is not None
    runtime.simulator.feed.set_price("005930", 70_000)
    return runtime.demo.token, runtime.simulator


def _stream_is(client: httpx.AsyncClient, state: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await _realtime(client) == state

    return check


def _filled(runtime: Runtime, order_id: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        order = await queries.get_order(runtime.app.deps, order_id)
        return order is not None and order.status.value == "FILLED"

    return check


async def test_stream_down_fills_land_by_rest_sync_within_seconds_and_health_says_so(
    embedded: tuple[FastAPI, Runtime, httpx.AsyncClient],
) -> None:
    _app, runtime, client = embedded
    token, sim = _trading(runtime)
    assert await _realtime(client) == "none"  # no broker made yet, so no stream
    first = await client.post("/api/webhook", json=_buy(token, "up"))
    assert first.status_code == 200, first.text
    up, down = _stream_is(client, "up"), _stream_is(client, "down")

    await _until(up, 10)
    assert (await _gauge(client)).endswith(" 1.0")

    sim.faults.refuse_websockets(3600)
    sim.faults.drop_websockets()
    await _until(down, 5)
    assert (await _gauge(client)).endswith(" 0.0")
    started = time.monotonic()
    response = await client.post("/api/webhook", json=_buy(token, "down"))
    filled = _filled(runtime, response.json()["orders"][0]["hantu_order_id"])

    await _until(filled, 20)  # the sync's 30 s patience would not make it
    assert time.monotonic() - started < 20
    sim.faults.refuse_websockets(0)
    await _until(up, 40)  # the back-off's next attempt connects (1+2+4+8+16 s at most)


async def test_a_first_order_filled_before_the_notices_begin_lands_within_seconds(
    embedded: tuple[FastAPI, Runtime, httpx.AsyncClient],
) -> None:
    # The first order after start makes the broker and its stream; this one fills before the
    # stream's notice subscription is acked (KIS refuses the socket for 2 s), so its notice
    # is never sent. The stream is up by the time the sync sees the gap: without knowing
    # the order came first, the sync would wait out its 30 s patience for that notice.
    _app, runtime, client = embedded
    token, sim = _trading(runtime)
    sim.faults.refuse_websockets(2)
    started = time.monotonic()
    response = await client.post("/api/webhook", json=_buy(token, "first"))
    assert response.status_code == 200, response.text
    filled = _filled(runtime, response.json()["orders"][0]["hantu_order_id"])

    await _until(_stream_is(client, "up"), 15)
    assert not await filled()  # no notice brought it
    await _until(filled, 20)
    assert time.monotonic() - started < 20
