"""The access-token cache and re-issue rules of `KisAuth`.

KIS itself is played by a small aiohttp server on loopback here, only to count issuances and
to answer "token expired" on demand; the contract tests run the same code against the
simulator, including two real processes sharing one token.
"""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web

from hantu.adapters.kis.auth import KisAuth, KisCredentials, cache_file
from hantu.adapters.kis.environments import KisProfile, profile_for
from hantu.adapters.kis.errors import RequestNotSent
from hantu.adapters.kis.transport import KisHttp, KisResponse
from hantu.config import KisEnvironment
from hantu.errors import BrokerAuthError, BrokerUnavailable, OrderNotPlaced
from tests.fakes import FakeClock

APP_KEY = "PS" + "k" * 34
CREDENTIALS = KisCredentials(APP_KEY, "s" * 180, "12345678-01", "htsuser")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def kis_at(handler: Handler, *, read_timeout: float = 2.0) -> AsyncIterator[Kis]:
    """`handler` answering every path on a loopback port, and a client and profile for it."""

    async def route(request: web.Request) -> web.StreamResponse:
        return await handler(request)

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", route)
    runner = web.AppRunner(app, shutdown_timeout=0.2)  # a hanging handler is not waited for
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    url = f"http://127.0.0.1:{port}"
    profile = profile_for(KisEnvironment.SIMULATOR, rest_base_url=url, ws_url="ws://kis.test")
    try:
        async with KisHttp(timeout=read_timeout, trust_env=False) as http:
            yield Kis(http, profile)
    finally:
        await runner.cleanup()


class Kis:
    """The client side of a `kis_at` server: its HTTP client and profile."""

    def __init__(self, http: KisHttp, profile: KisProfile) -> None:
        self.http = http
        self.profile = profile

    def auth(self, clock: FakeClock, cache: Path | None) -> KisAuth:
        return KisAuth(self.http, self.profile, CREDENTIALS, clock, cache_dir=cache)

    async def signed(self, auth: KisAuth, method: str, path: str) -> KisResponse:
        """A request signed by `auth`, as the REST client sends one."""
        url = self.profile.rest_base_url + path

        async def send(signature: dict[str, str]) -> KisResponse:
            return await self.http.request(method, url, json_body={}, headers=signature)

        return await auth.signed(method, send)


class FakeKis:
    """Answers tokenP with numbered tokens; `expire` makes reads answer EGW00123 once."""

    def __init__(self) -> None:
        self.issued = 0
        self.expire_next_read = False
        self.reads: list[str] = []

    async def __call__(self, request: web.Request) -> web.Response:
        if request.path == "/oauth2/tokenP":
            self.issued += 1
            return web.json_response(
                {
                    "access_token": f"token-{self.issued}",
                    "token_type": "Bearer",
                    "expires_in": 86400,
                }
            )
        self.reads.append(request.headers["authorization"])
        if self.expire_next_read:
            self.expire_next_read = False
            body = {"rt_cd": "1", "msg_cd": "EGW00123", "msg1": "기간이 만료된 token 입니다."}
            return web.json_response(body, status=500)
        return web.json_response({"rt_cd": "0", "msg_cd": "MCA00000", "msg1": "ok"})


@pytest.fixture
def kis() -> FakeKis:
    return FakeKis()


@pytest.fixture
async def server(kis: FakeKis) -> AsyncIterator[Kis]:
    async with kis_at(kis) as running:
        yield running


async def test_token_is_reused_until_ten_minutes_before_expiry(server: Kis, kis: FakeKis) -> None:
    clock = FakeClock()
    auth = server.auth(clock, None)

    first = await auth.access_token()
    clock.advance(86400 - 11 * 60)
    again = await auth.access_token()
    clock.advance(2 * 60)
    renewed = await auth.access_token()

    assert first == again == "token-1"
    assert renewed == "token-2"
    assert kis.issued == 2


async def test_two_clients_share_one_cached_token(
    server: Kis, kis: FakeKis, tmp_path: Path
) -> None:
    clock = FakeClock()

    first = await server.auth(clock, tmp_path).access_token()
    second = await server.auth(clock, tmp_path).access_token()

    assert first == second
    assert kis.issued == 1


async def test_cache_file_hides_the_app_key_and_is_private(server: Kis, tmp_path: Path) -> None:
    await server.auth(FakeClock(), tmp_path).access_token()

    path = cache_file(tmp_path, server.profile, APP_KEY)
    assert path.exists()
    assert APP_KEY not in path.name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["access_token"] == "token-1"


async def test_expired_cached_token_is_reissued(server: Kis, kis: FakeKis, tmp_path: Path) -> None:
    clock = FakeClock()
    await server.auth(clock, tmp_path).access_token()
    clock.advance(86400)

    token = await server.auth(clock, tmp_path).access_token()

    assert token == "token-2"
    assert kis.issued == 2


async def test_expired_token_answer_reissues_once_and_retries_the_read(
    server: Kis, kis: FakeKis, tmp_path: Path
) -> None:
    auth = server.auth(FakeClock(), tmp_path)
    await auth.access_token()
    kis.expire_next_read = True

    response = await server.signed(auth, "GET", "/uapi/x")

    assert response.json()["rt_cd"] == "0"
    assert kis.reads == ["Bearer token-1", "Bearer token-2"]
    assert kis.issued == 2


async def test_expired_token_answer_to_an_order_is_not_resent(server: Kis, kis: FakeKis) -> None:
    auth = server.auth(FakeClock(), None)
    kis.expire_next_read = True

    response = await server.signed(auth, "POST", "/uapi/order")

    assert response.json()["msg_cd"] == "EGW00123"
    assert len(kis.reads) == 1
    assert await auth.access_token() == "token-2"  # the dead token was dropped


async def test_throttled_issuance_raises_auth_error(tmp_path: Path) -> None:
    async def throttled(request: web.Request) -> web.Response:
        body = {"error_code": "EGW00133", "error_description": "1분당 1회"}
        return web.json_response(body, status=403)

    async with kis_at(throttled) as server:
        auth = server.auth(FakeClock(), tmp_path)
        with pytest.raises(BrokerAuthError) as caught:
            await auth.access_token()

    assert caught.value.code == "EGW00133"


def test_credentials_repr_masks_secrets() -> None:
    text = repr(CREDENTIALS)

    assert APP_KEY not in text
    assert "s" * 20 not in text
    assert "12345678" not in text


async def test_throttled_issuance_is_not_asked_again_within_the_minute() -> None:
    calls: list[str] = []

    async def throttled(request: web.Request) -> web.Response:
        calls.append(request.path)
        body = {"error_code": "EGW00133", "error_description": "1분당 1회"}
        return web.json_response(body, status=403)

    clock = FakeClock()
    async with kis_at(throttled) as server:
        auth = server.auth(clock, None)
        for _ in range(3):
            with pytest.raises(BrokerAuthError):
                await auth.access_token()
        clock.advance(61)
        with pytest.raises(BrokerAuthError):
            await auth.access_token()

    assert len(calls) == 2


async def test_token_timeout_means_the_order_was_not_sent() -> None:
    # The simulator cannot delay tokenP, so this KIS takes tokenP and never answers it.
    orders: list[str] = []

    async def hanging_token(request: web.Request) -> web.Response:
        if request.path == "/oauth2/tokenP":
            await asyncio.sleep(5)  # the answer is lost; the client's read times out
        orders.append(request.path)
        return web.json_response({"rt_cd": "0"})

    async with kis_at(hanging_token, read_timeout=0.3) as server:
        auth = server.auth(FakeClock(), None)
        with pytest.raises(RequestNotSent) as caught:
            await server.signed(auth, "POST", "/uapi/order")

    assert isinstance(caught.value, OrderNotPlaced)
    assert orders == []


async def test_an_answer_of_the_wrong_shape_is_a_broker_error_not_a_crash() -> None:
    # KIS answering 200 without the fields we need must not escape as a pydantic error:
    # the pipeline would then treat an order that never left as "maybe placed".
    async def odd_kis(request: web.Request) -> web.Response:
        return web.json_response({"token_type": "Bearer", "note": "no token here"})

    async with kis_at(odd_kis) as server:
        auth = server.auth(FakeClock(), None)
        with pytest.raises(BrokerUnavailable) as token_error:
            await auth.access_token()
        with pytest.raises(BrokerUnavailable) as hashkey_error:
            await auth.hashkey({"PDNO": "005930"})

    assert "access_token" in token_error.value.message
    assert "HASH" in hashkey_error.value.message.upper()
