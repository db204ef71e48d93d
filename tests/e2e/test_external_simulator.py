"""External simulator mode: `hantu serve` on SIMULATOR uses an already running simulator
(`hantu sim`, or one shared by several hantu processes) named by its URLs, and trades the
account given in the KIS settings — orders reach that simulator and fill there."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from hantu.adapters.passwords import PasswordHashing
from hantu.config import KisEnvironment, Settings, load_settings
from hantu.entrypoints.cli_serve import env_broker_account
from hantu.entrypoints.web.app import create_app
from hantu.entrypoints.web.runtime import Runtime
from hantu.errors import ConfigError
from hantu.service_layer import queries
from hantu.simulator.accounts import Account, demo_account
from hantu.simulator.server import Simulator

FAST_HASH = PasswordHashing(time_cost=1, memory_cost=8)


async def _until(predicate: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


def _external_settings(data_dir: Path, sim: Simulator, account: Account) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        kis_simulator_rest_url=sim.rest_url,
        kis_simulator_ws_url=sim.ws_url,
        kis_app_key=account.app_key,
        kis_app_secret=account.app_secret,
        kis_account=account.number,
        kis_hts_id=account.hts_id,
    )


@pytest.fixture
async def shared_simulator() -> AsyncIterator[Simulator]:
    # Two accounts, so each hantu process can trade its own.
    async with Simulator(accounts=[demo_account(7), demo_account(8)]) as sim:
        sim.feed.set_price("005930", 70_000)
        yield sim


async def _buy(client: httpx.AsyncClient, token: str, quantity: int, key: str) -> str:
    body = {
        "token": token,
        "symbol": "KRX:005930",
        "side": "BUY",
        "order_type": "MARKET",
        "quantity": str(quantity),
        "id": key,
    }
    response = await client.post("/api/webhook", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["orders"][0]["hantu_order_id"])


async def _wait_filled(runtime: Runtime, order_id: str) -> None:
    async def filled() -> bool:
        order = await queries.get_order(runtime.app.deps, order_id)
        return order is not None and order.status.value == "FILLED"

    await _until(filled)


async def test_external_simulator_webhook_fills_at_the_running_simulator(
    tmp_path: Path, shared_simulator: Simulator
) -> None:
    account = shared_simulator.accounts[0]
    settings = _external_settings(tmp_path, shared_simulator, account)
    app = create_app(settings, hasher=FAST_HASH)
    held_before = account.holdings["005930"].qty if "005930" in account.holdings else 0

    async with app.router.lifespan_context(app):
        runtime: Runtime = app.state.runtime
        assert runtime.simulator is None
        assert runtime.external_simulator == (shared_simulator.rest_url, shared_simulator.ws_url)
        assert runtime.demo is not None
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            order_id = await _buy(client, runtime.demo.token, 4, "ext-1")
            await _wait_filled(runtime, order_id)

        positions = await runtime.state.pipeline.positions([1])
        assert [(p.symbol.code, int(p.quantity)) for p in positions] == [("005930", 4)]
    assert account.holdings["005930"].qty == held_before + 4


async def test_external_simulator_shared_by_two_apps_fills_each_account(
    tmp_path: Path, shared_simulator: Simulator
) -> None:
    first, second = shared_simulator.accounts
    before = [a.holdings["005930"].qty if "005930" in a.holdings else 0 for a in (first, second)]
    apps = [
        create_app(s, hasher=FAST_HASH)
        for s in (
            _external_settings(tmp_path / "a", shared_simulator, first),
            _external_settings(tmp_path / "b", shared_simulator, second),
        )
    ]

    async with apps[0].router.lifespan_context(apps[0]), apps[1].router.lifespan_context(apps[1]):
        for app, quantity in zip(apps, (2, 5), strict=True):
            runtime: Runtime = app.state.runtime
            assert runtime.demo is not None
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                order_id = await _buy(client, runtime.demo.token, quantity, "shared-1")
                await _wait_filled(runtime, order_id)

    assert first.holdings["005930"].qty == before[0] + 2
    assert second.holdings["005930"].qty == before[1] + 5


def test_external_simulator_without_hts_id_names_the_setting(tmp_path: Path) -> None:
    account = demo_account(7)

    with pytest.raises(ConfigError) as caught:
        load_settings(
            _env_file=None,
            data_dir=tmp_path,
            kis_simulator_rest_url="http://127.0.0.1:9443",
            kis_simulator_ws_url="ws://127.0.0.1:21000",
            kis_app_key=account.app_key,
            kis_app_secret=account.app_secret,
            kis_account=account.number,
        )

    message = str(caught.value)
    assert "HANTU_KIS_HTS_ID" in message
    assert "HANTU_KIS_APP_KEY" not in message
    assert account.app_secret not in message


def test_external_simulator_with_one_url_names_the_other(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(
            _env_file=None, data_dir=tmp_path, kis_simulator_rest_url="http://127.0.0.1:9443"
        )

    message = str(caught.value)
    assert "HANTU_KIS_SIMULATOR_WS_URL" in message
    assert "HANTU_KIS_APP_SECRET" in message


def test_external_simulator_urls_on_real_environment_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"HANTU_KIS_SIMULATOR_REST_URL.*SIMULATOR"):
        load_settings(
            _env_file=None,
            data_dir=tmp_path,
            kis_environment=KisEnvironment.REAL,
            kis_app_key="PS" + "A" * 34,
            kis_app_secret="B" * 180,
            kis_account="50112233-01",
            kis_simulator_rest_url="http://127.0.0.1:9443",
        )


def test_serve_with_an_incomplete_external_simulator_exits_with_the_setting(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANTU_")}
    env |= {"HANTU_DATA_DIR": str(tmp_path), "HANTU_KIS_SIMULATOR_WS_URL": "ws://127.0.0.1:1"}

    result = subprocess.run(
        [sys.executable, "-m", "hantu", "serve"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert "HANTU_KIS_SIMULATOR_REST_URL" in result.stderr
    assert "HANTU_KIS_HTS_ID" in result.stderr


def test_users_create_account_on_external_simulator_is_the_configured_one(
    tmp_path: Path,
) -> None:
    account = demo_account(7)
    settings = load_settings(
        _env_file=None,
        data_dir=tmp_path,
        kis_simulator_rest_url="http://127.0.0.1:9443",
        kis_simulator_ws_url="ws://127.0.0.1:21000",
        kis_app_key=account.app_key,
        kis_app_secret=account.app_secret,
        kis_account=account.number,
        kis_hts_id=account.hts_id,
    )

    form = env_broker_account(settings)

    assert form is not None
    assert (form.environment, form.account_number, form.hts_id) == (
        "SIMULATOR",
        account.number,
        account.hts_id,
    )
    assert env_broker_account(load_settings(_env_file=None, data_dir=tmp_path)) is None
