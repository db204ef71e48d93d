"""The access-token cache and re-issue rules of `KisAuth`.

KIS itself is replaced by an `httpx.MockTransport` here only to count issuances and to
answer "token expired" on demand; the contract tests run the same code against the
simulator, including two real processes sharing one token.
"""

from __future__ import annotations

import json
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hantu.adapters.kis.auth import KisAuth, KisCredentials, cache_file
from hantu.adapters.kis.environments import profile_for
from hantu.adapters.kis.errors import RequestNotSent
from hantu.config import KisEnvironment
from hantu.errors import BrokerAuthError, BrokerUnavailable, OrderNotPlaced
from tests.fakes import FakeClock

APP_KEY = "PS" + "k" * 34
CREDENTIALS = KisCredentials(APP_KEY, "s" * 180, "12345678-01", "htsuser")
PROFILE = profile_for(
    KisEnvironment.SIMULATOR, rest_base_url="http://kis.test", ws_url="ws://kis.test"
)


class FakeKis:
    """Answers tokenP with numbered tokens; `expire` makes reads answer EGW00123 once."""

    def __init__(self) -> None:
        self.issued = 0
        self.expire_next_read = False
        self.reads: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/tokenP":
            self.issued += 1
            return httpx.Response(
                200,
                json={
                    "access_token": f"token-{self.issued}",
                    "token_type": "Bearer",
                    "expires_in": 86400,
                },
            )
        self.reads.append(request.headers["authorization"])
        if self.expire_next_read:
            self.expire_next_read = False
            body = {"rt_cd": "1", "msg_cd": "EGW00123", "msg1": "기간이 만료된 token 입니다."}
            return httpx.Response(500, json=body)
        return httpx.Response(200, json={"rt_cd": "0", "msg_cd": "MCA00000", "msg1": "ok"})


@pytest.fixture
def kis() -> FakeKis:
    return FakeKis()


@pytest.fixture
async def http(kis: FakeKis) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(kis)) as client:
        yield client


def _auth(http: httpx.AsyncClient, clock: FakeClock, cache: Path | None) -> KisAuth:
    return KisAuth(http, PROFILE, CREDENTIALS, clock, cache_dir=cache)


async def test_token_is_reused_until_ten_minutes_before_expiry(
    http: httpx.AsyncClient, kis: FakeKis
) -> None:
    clock = FakeClock()
    auth = _auth(http, clock, None)

    first = await auth.access_token()
    clock.advance(86400 - 11 * 60)
    again = await auth.access_token()
    clock.advance(2 * 60)
    renewed = await auth.access_token()

    assert first == again == "token-1"
    assert renewed == "token-2"
    assert kis.issued == 2


async def test_two_clients_share_one_cached_token(
    http: httpx.AsyncClient, kis: FakeKis, tmp_path: Path
) -> None:
    clock = FakeClock()

    first = await _auth(http, clock, tmp_path).access_token()
    second = await _auth(http, clock, tmp_path).access_token()

    assert first == second
    assert kis.issued == 1


async def test_cache_file_hides_the_app_key_and_is_private(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    await _auth(http, FakeClock(), tmp_path).access_token()

    path = cache_file(tmp_path, PROFILE, APP_KEY)
    assert path.exists()
    assert APP_KEY not in path.name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["access_token"] == "token-1"


async def test_expired_cached_token_is_reissued(
    http: httpx.AsyncClient, kis: FakeKis, tmp_path: Path
) -> None:
    clock = FakeClock()
    await _auth(http, clock, tmp_path).access_token()
    clock.advance(86400)

    token = await _auth(http, clock, tmp_path).access_token()

    assert token == "token-2"
    assert kis.issued == 2


async def test_expired_token_answer_reissues_once_and_retries_the_read(
    http: httpx.AsyncClient, kis: FakeKis, tmp_path: Path
) -> None:
    auth = _auth(http, FakeClock(), tmp_path)
    await auth.access_token()
    kis.expire_next_read = True

    response = await http.get("http://kis.test/uapi/x", auth=auth)

    assert response.json()["rt_cd"] == "0"
    assert kis.reads == ["Bearer token-1", "Bearer token-2"]
    assert kis.issued == 2


async def test_expired_token_answer_to_an_order_is_not_resent(
    http: httpx.AsyncClient, kis: FakeKis
) -> None:
    auth = _auth(http, FakeClock(), None)
    kis.expire_next_read = True

    response = await http.post("http://kis.test/uapi/order", json={}, auth=auth)

    assert response.json()["msg_cd"] == "EGW00123"
    assert len(kis.reads) == 1
    assert await auth.access_token() == "token-2"  # the dead token was dropped


async def test_throttled_issuance_raises_auth_error(tmp_path: Path) -> None:
    def throttled(request: httpx.Request) -> httpx.Response:
        body = {"error_code": "EGW00133", "error_description": "1분당 1회"}
        return httpx.Response(403, json=body)

    async with httpx.AsyncClient(transport=httpx.MockTransport(throttled)) as http:
        auth = _auth(http, FakeClock(), tmp_path)
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

    def throttled(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        body = {"error_code": "EGW00133", "error_description": "1분당 1회"}
        return httpx.Response(403, json=body)

    clock = FakeClock()
    async with httpx.AsyncClient(transport=httpx.MockTransport(throttled)) as http:
        auth = _auth(http, clock, None)
        for _ in range(3):
            with pytest.raises(BrokerAuthError):
                await auth.access_token()
        clock.advance(61)
        with pytest.raises(BrokerAuthError):
            await auth.access_token()

    assert len(calls) == 2


async def test_token_timeout_means_the_order_was_not_sent() -> None:
    # The simulator cannot delay tokenP, so a transport plays a KIS whose token call hangs.
    orders: list[str] = []

    def hanging_token(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/tokenP":
            raise httpx.ReadTimeout("token answer lost", request=request)
        orders.append(request.url.path)
        return httpx.Response(200, json={"rt_cd": "0"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(hanging_token)) as http:
        auth = _auth(http, FakeClock(), None)
        with pytest.raises(RequestNotSent) as caught:
            await http.post("http://kis.test/uapi/order", json={}, auth=auth)

    assert isinstance(caught.value, OrderNotPlaced)
    assert orders == []


async def test_an_answer_of_the_wrong_shape_is_a_broker_error_not_a_crash() -> None:
    # KIS answering 200 without the fields we need must not escape as a pydantic error:
    # the pipeline would then treat an order that never left as "maybe placed".
    def odd_kis(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"token_type": "Bearer", "note": "no token here"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(odd_kis)) as http:
        auth = _auth(http, FakeClock(), None)
        with pytest.raises(BrokerUnavailable) as token_error:
            await auth.access_token()
        with pytest.raises(BrokerUnavailable) as hashkey_error:
            await auth.hashkey({"PDNO": "005930"})

    assert "access_token" in token_error.value.message
    assert "HASH" in hashkey_error.value.message.upper()
