"""Embedded defaults end to end: a webhook becomes an order at the simulator, its fill
notice comes back over the WebSocket, and the position appears — no mocks anywhere."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
from fastapi import FastAPI

from hantu.config import KisEnvironment, Settings
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.entrypoints.web.app import create_app
from hantu.entrypoints.web.runtime import Runtime
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer import queries
from tests.e2e.streaming import notices_acked

T0 = datetime(2000, 1, 1, tzinfo=UTC)


async def _until(predicate: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def _notices_streaming(runtime: Runtime) -> None:
    await _until(lambda: notices_acked(runtime))


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

    await _notices_streaming(runtime)
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


async def _order_filled(runtime: Runtime, response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    order_id = response.json()["orders"][0]["hantu_order_id"]

    async def filled() -> bool:
        order = await queries.get_order(runtime.app.deps, order_id)
        return order is not None and order.status.value == "FILLED"

    await _until(filled)


async def test_embedded_sell_above_the_position_is_refused_unless_adoption_is_on(
    embedded: tuple[FastAPI, Runtime, httpx.AsyncClient],
) -> None:
    # The demo account holds 100 shares of 005930 (at 70,000) that hantu never bought.
    _app, runtime, client = embedded
    assert runtime.demo is not None
    assert runtime.simulator is not None
    runtime.simulator.feed.set_price("005930", 70_000)
    order = {"token": runtime.demo.token, "symbol": "005930", "order_type": "LIMIT"}
    buy = {**order, "side": "BUY", "quantity": "1", "price": "70000", "id": "buy-1"}
    sell = {**order, "side": "SELL", "quantity": "5", "price": "71000"}
    await _notices_streaming(runtime)
    await _order_filled(runtime, await client.post("/api/webhook", json=buy))
    broker = await runtime.app.deps.brokers.broker_for(1)

    refused = await client.post("/api/webhook", json={**sell, "id": "sell-1"})

    assert refused.status_code == 400, refused.text
    assert "보유 1주" in refused.json()["error"]
    assert "매도 요청 5주" in refused.json()["error"]
    assert [r.side.value for r in await broker.orders_of_day()] == ["BUY"]  # nothing sent

    found = await accounts_service.strategy_for_token(runtime.state.accounts, runtime.demo.token)
    assert found is not None
    strategy = found[0]
    await accounts_service.set_adopt_broker_holdings(
        runtime.state.accounts, strategy.user_id, strategy.id, True
    )
    runtime.simulator.feed.set_price("005930", 71_000)
    await _order_filled(runtime, await client.post("/api/webhook", json={**sell, "id": "sell-2"}))

    async with runtime.app.uow(read_only=True) as uow:
        position = await uow.positions.get(StrategyAccountId(1), Symbol("005930"))
        realized = await uow.fills.realized_pnl_since(StrategyAccountId(1), T0)
    assert position is not None
    assert (position.quantity, position.realized_pnl) == (
        0,
        Decimal(5_000),
    )  # 5 × (71,000 - 70,000)
    assert realized == Decimal(5_000)
    held = {h.symbol.code: h.quantity for h in (await broker.balance()).holdings}
    assert held["005930"] == 96  # 100 + 1 bought − 5 sold
