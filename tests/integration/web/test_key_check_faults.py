"""Saving a broker account checks its keys with a real token request to the KIS simulator
over a socket (both databases), on a bad day: the one-token-a-minute rule (EGW00133), a
gateway answering 503, and nothing listening at all. Each answers a clear Korean error and
saves nothing; keys re-typed inside the minute reuse the shared token instead of colliding."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from hantu import messages_ko as ko
from hantu.adapters.passwords import PasswordHashing
from hantu.config import Settings
from hantu.entrypoints.web.app import create_app
from hantu.service_layer import accounts as accounts_service
from hantu.simulator.accounts import Account, make_account
from hantu.simulator.server import Simulator
from tests.integration.web.conftest import PASSWORD, WebClient
from tests.integration.web.server import free_port

GOOD = make_account("50222222-01", hts_id="hantukeys", cash=Decimal(10_000_000))


def _body(name: str, account: Account = GOOD) -> dict[str, str]:
    return {
        "name": name,
        "environment": "SIMULATOR",
        "app_key": account.app_key,
        "app_secret": account.app_secret,
        "account_number": account.number,
        "hts_id": account.hts_id,
    }


class Product:
    def __init__(self, client: httpx.AsyncClient, simulator: Simulator | None, csrf: str) -> None:
        self.client, self.headers = client, {"X-CSRF-Token": csrf}
        self._simulator = simulator

    @property
    def simulator(self) -> Simulator:
        assert self._simulator is not None
        return self._simulator

    def issued(self) -> int:
        return self.simulator.tokens.issued.get(GOOD.app_key, 0)

    async def save(self, name: str) -> httpx.Response:
        body = _body(name)
        return await self.client.post("/api/broker-accounts", json=body, headers=self.headers)

    async def listed(self) -> list[dict[str, Any]]:
        answer = await self.client.get("/api/broker-accounts")
        assert answer.status_code == 200, answer.text
        accounts: list[dict[str, Any]] = answer.json()["broker_accounts"]
        return accounts


@asynccontextmanager
async def _product(settings: Settings, **options: Any) -> AsyncIterator[Product]:
    app = create_app(settings, hasher=PasswordHashing(time_cost=1, memory_cost=8), **options)
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        await accounts_service.create_user(runtime.state.accounts, "alice", PASSWORD)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            web = WebClient(app, None, None, runtime.state.accounts, settings.database_url)  # type: ignore[arg-type]
            assert (await web.login(client, "alice", PASSWORD)).status_code == 303
            yield Product(client, runtime.simulator, await web.csrf_of(client, "/positions"))


def _settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        database_url=database_url,
        demo=False,
        order_timeout_seconds=1.0,
        **overrides,
    )


@pytest.fixture
async def product(database_url: str, tmp_path: Path) -> AsyncIterator[Product]:
    """The whole product on the embedded simulator (its REST server on a real socket)."""
    settings = _settings(database_url, tmp_path)
    async with _product(settings, simulator_options={"accounts": [GOOD]}) as running:
        yield running


def _assert_korean_refusal(answer: httpx.Response, status: int, error: str) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body == {"success": False, "error": error}
    assert GOOD.app_secret not in answer.text
    assert GOOD.app_key not in answer.text


async def test_keys_saved_inside_anothers_token_minute_get_korean_429_and_nothing_saved(
    product: Product,
) -> None:
    # Someone else (HTS, another machine without hantu's token cache) issued a token for
    # this app key a moment ago: KIS refuses another inside the minute with 403 EGW00133.
    async with httpx.AsyncClient(base_url=product.simulator.rest_url, timeout=5) as kis:
        issued = await kis.post(
            "/oauth2/tokenP",
            json={
                "grant_type": "client_credentials",
                "appkey": GOOD.app_key,
                "appsecret": GOOD.app_secret,
            },
        )
    assert issued.status_code == 200, issued.text
    assert product.issued() == 1

    answer = await product.save("main")

    _assert_korean_refusal(answer, 429, ko.settings_page.KEYS_THROTTLED)
    assert "1분" in answer.json()["error"]
    assert await product.listed() == []
    assert product.issued() == 1  # refused, not issued
    again = await product.save("main")  # asked again inside the minute: refused at home
    _assert_korean_refusal(again, 429, ko.settings_page.KEYS_THROTTLED)
    assert await product.listed() == []


async def test_keys_retyped_inside_the_minute_reuse_the_shared_token(product: Product) -> None:
    saved = await product.save("main")
    assert saved.status_code == 201, saved.text
    assert product.issued() == 1
    account_id = saved.json()["broker_account"]["id"]

    # Inside the same minute: a new issuance would be EGW00133; the cached token is reused
    # and the secret proved with an approval key instead.
    edited = await product.client.patch(
        f"/api/broker-accounts/{account_id}",
        json={"name": "주계좌", "app_key": GOOD.app_key, "app_secret": GOOD.app_secret},
        headers=product.headers,
    )

    assert edited.status_code == 200, edited.text
    assert edited.json()["broker_account"]["name"] == "주계좌"
    assert product.issued() == 1
    [listed] = await product.listed()
    assert listed["name"] == "주계좌"


async def test_keys_saved_while_the_gateway_answers_503_get_korean_503_and_nothing_saved(
    product: Product,
) -> None:
    product.simulator.faults.fail_rest(60, status=503)

    answer = await product.save("main")

    _assert_korean_refusal(answer, 503, ko.settings_page.KEYS_UNCHECKED)
    assert await product.listed() == []
    assert product.issued() == 0

    product.simulator.faults.fail_rest(0)  # the gateway is back: the same keys are accepted
    saved = await product.save("main")
    assert saved.status_code == 201, saved.text
    assert [a["name"] for a in await product.listed()] == ["main"]
    assert product.issued() == 1


async def test_keys_saved_with_nothing_listening_get_korean_503_and_nothing_saved(
    database_url: str, tmp_path: Path
) -> None:
    closed = free_port()  # nothing listens here: connection refused
    settings = _settings(
        database_url,
        tmp_path,
        kis_simulator_rest_url=f"http://127.0.0.1:{closed}",
        kis_simulator_ws_url=f"ws://127.0.0.1:{closed}",
        kis_app_key=GOOD.app_key,  # an external simulator's account, as `.env` names it
        kis_app_secret=GOOD.app_secret,
        kis_account=GOOD.number,
        kis_hts_id=GOOD.hts_id,
    )
    async with _product(settings) as running:
        answer = await running.save("main")

        _assert_korean_refusal(answer, 503, ko.settings_page.KEYS_UNCHECKED)
        assert "연결하지 못해" in answer.json()["error"]
        assert await running.listed() == []
