"""Embedded defaults end to end: a webhook becomes an order at the simulator, its fill
notice comes back over the WebSocket, and the position appears — no mocks anywhere."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from fastapi import FastAPI

from hantu.config import KisEnvironment, Settings
from hantu.entrypoints.web.app import create_app
from hantu.entrypoints.web.runtime import Runtime
from hantu.service_layer import queries


async def _until(predicate: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_embedded_first_start_creates_the_demo_set(
    embedded: tuple[FastAPI, Runtime, httpx.AsyncClient],
) -> None:
    _app, runtime, _client = embedded

    assert runtime.demo is not None
    assert runtime.simulator is not None
    assert runtime.demo.username == "demo"
    assert runtime.demo.token.startswith("whk_")


async def test_embedded_webhook_fills_at_the_simulator_and_updates_the_position(
    embedded: tuple[FastAPI, Runtime, httpx.AsyncClient],
) -> None:
    _app, runtime, client = embedded
    assert runtime.demo is not None
    assert runtime.simulator is not None
    runtime.simulator.feed.set_price("005930", 70_000)
    body = {
        "token": runtime.demo.token,
        "symbol": "KRX:005930",
        "side": "BUY",
        "order_type": "MARKET",
        "quantity": "3",
        "id": "e2e-1",
    }

    response = await client.post("/api/webhook", json=body)

    assert response.status_code == 200, response.text
    order_id = response.json()["orders"][0]["hantu_order_id"]
    deps = runtime.app.deps

    async def filled() -> bool:
        order = await queries.get_order(deps, order_id)
        return order is not None and order.status.value == "FILLED"

    await _until(filled)
    positions = await runtime.state.pipeline.positions([1])
    assert [(p.symbol.code, int(p.quantity)) for p in positions] == [("005930", 3)]


async def test_embedded_simulator_rejection_becomes_a_failed_order(
    embedded: tuple[FastAPI, Runtime, httpx.AsyncClient],
) -> None:
    _app, runtime, client = embedded
    assert runtime.demo is not None
    assert runtime.simulator is not None
    runtime.simulator.faults.reject_next_order("APBK0952", "주문가능금액을 초과 했습니다")
    body = {
        "token": runtime.demo.token,
        "symbol": "005930",
        "side": "buy",
        "order_type": "LIMIT",
        "quantity": "1",
        "price": "70000",
    }

    response = await client.post("/api/webhook", json=body)

    assert response.status_code == 400, response.text
    assert "주문가능금액" in response.json()["error"]
    assert response.json()["failed_order_id"] >= 1


async def test_with_kis_keys_the_simulator_and_demo_are_off(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        kis_environment=KisEnvironment.PAPER,
        kis_app_key="PS" + "A" * 34,
        kis_app_secret="B" * 180,
        kis_account="50112233-01",
    )
    app = create_app(settings)

    async with app.router.lifespan_context(app):
        runtime = app.state.runtime

        assert runtime.simulator is None
        assert runtime.demo is None
        assert runtime.state.webhook_url() == "http://127.0.0.1:8000/api/webhook"
