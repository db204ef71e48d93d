"""A burst of webhooks on a paper-rate account (2 requests/s at the simulator and in hantu):
each answers 200 (placed) or 400 (not sent: the rate limit, a failed order to retry), never
408, and at once; the simulator holds exactly the orders hantu recorded as placed."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hantu import messages_ko as ko
from hantu.adapters.passwords import PasswordHashing
from hantu.config import Settings
from hantu.domain.enums import OrderStatus
from hantu.entrypoints.web.app import create_app
from hantu.entrypoints.web.runtime import Runtime
from hantu.service_layer import queries
from hantu.service_layer.queries import OrderView
from hantu.simulator.accounts import demo_account
from hantu.simulator.server import Simulator

BURST = 60
QUEUE_SECONDS = 1.5


@pytest.fixture
async def paper_simulator() -> AsyncIterator[Simulator]:
    async with Simulator(accounts=[demo_account(7)], rate_limit=2) as sim:
        sim.feed.set_price("005930", 61_000)
        yield sim


def _settings(data_dir: Path, sim: Simulator) -> Settings:
    account = sim.accounts[0]
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        kis_simulator_rest_url=sim.rest_url,
        kis_simulator_ws_url=sim.ws_url,
        kis_app_key=account.app_key,
        kis_app_secret=account.app_secret,
        kis_account=account.number,
        kis_hts_id=account.hts_id,
        kis_rest_rate_limit=2,
        order_timeout_seconds=2.0,
        order_queue_seconds=QUEUE_SECONDS,
    )


def _signal(token: str, key: str) -> dict[str, str]:
    return {
        "token": token,
        "symbol": "005930",
        "side": "BUY",
        "order_type": "LIMIT",
        "quantity": "1",
        "price": "60000",
        "id": key,
    }


async def _burst(
    tmp_path: Path, sim: Simulator, *, warm: bool
) -> tuple[list[httpx.Response], float, list[OrderView]]:
    app = create_app(_settings(tmp_path, sim), hasher=PasswordHashing(time_cost=1, memory_cost=8))
    async with app.router.lifespan_context(app):
        runtime: Runtime = app.state.runtime
        assert runtime.demo is not None
        token = runtime.demo.token
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            if warm:
                first = await client.post("/api/webhook", json=_signal(token, "warm-up"))
                assert first.status_code == 200, first.text  # token and symbol check done
                await asyncio.sleep(1.2)
            started = time.monotonic()
            answers = await asyncio.gather(
                *(client.post("/api/webhook", json=_signal(token, f"b-{n}")) for n in range(BURST))
            )
            elapsed = time.monotonic() - started
        deps = runtime.app.deps
        orders = await queries.orders_since(deps, [1], deps.trading_day_start(), limit=1000)
    return answers, elapsed, orders


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
async def test_webhook_burst_on_a_paper_rate_answers_placed_or_not_sent_at_once(
    tmp_path: Path, paper_simulator: Simulator, warm: bool
) -> None:
    answers, elapsed, orders = await _burst(tmp_path, paper_simulator, warm=warm)

    statuses = Counter(answer.status_code for answer in answers)
    assert set(statuses) == {200, 400}, statuses
    refusal = ko.REASON_NOT_SENT_RATE_LIMITED.format(per_second=2)
    assert {a.json()["error"] for a in answers if a.status_code == 400} == {refusal}
    assert all(a.json()["failed_order_id"] for a in answers if a.status_code == 400)
    # Cold, the burst's symbol check is one quote for all, not one each at 2 a second.
    assert elapsed < QUEUE_SECONDS + 1.5
    at_sim = paper_simulator.engine.orders_of(paper_simulator.accounts[0])
    placed = [o for o in orders if o.status is OrderStatus.SENT]
    assert len(at_sim) == len(placed) == statuses[200] + warm
    assert {o.odno for o in at_sim} == {o.broker_order_id for o in placed}
    assert paper_simulator.limiter.refused == 0
