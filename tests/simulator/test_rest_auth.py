"""Token, revoke, approval key and hash key, spoken as raw HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hantu.service_layer.ports import Clock
from tests.fakes import FakeClock
from tests.fixtures.kis_simulator import KisSimHandle
from tests.simulator.helpers import STOCK, headers, issue_token

PRICE = f"{STOCK}/quotations/inquire-price"
PRICE_PARAMS = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}


@pytest.fixture
def kis_sim_clock() -> Clock:
    return FakeClock()


@pytest.fixture
async def client(kis_sim: KisSimHandle) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        yield client


def fake(sim: KisSimHandle) -> FakeClock:
    assert isinstance(sim.clock, FakeClock)
    return sim.clock


def token_body(sim: KisSimHandle) -> dict[str, str]:
    return {"grant_type": "client_credentials", "appkey": sim.app_key, "appsecret": sim.app_secret}


async def test_token_issue_answers_kis_shape(
    kis_sim: KisSimHandle, client: httpx.AsyncClient
) -> None:
    response = await client.post("/oauth2/tokenP", json=token_body(kis_sim))
    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 86_400
    assert body["access_token_token_expired"] == "2026-11-21 09:30:00"  # KST, a day later
    assert kis_sim.tokens_issued == 1


async def test_token_second_request_within_minute_403_egw00133(
    kis_sim: KisSimHandle, client: httpx.AsyncClient
) -> None:
    await issue_token(client, kis_sim)
    fake(kis_sim).advance(59)
    response = await client.post("/oauth2/tokenP", json=token_body(kis_sim))
    assert response.status_code == 403
    assert response.json()["error_code"] == "EGW00133"
    assert "1분당 1회" in response.json()["error_description"]
    assert kis_sim.tokens_issued == 1


async def test_token_after_minute_within_six_hours_same_token(
    kis_sim: KisSimHandle, client: httpx.AsyncClient
) -> None:
    first = await issue_token(client, kis_sim)
    fake(kis_sim).advance(3600)
    response = await client.post("/oauth2/tokenP", json=token_body(kis_sim))
    assert response.json()["access_token"] == first
    assert response.json()["expires_in"] == 86_400 - 3600


async def test_token_after_six_hours_new_token(
    kis_sim: KisSimHandle, client: httpx.AsyncClient
) -> None:
    first = await issue_token(client, kis_sim)
    fake(kis_sim).advance(6 * 3600 + 1)
    assert await issue_token(client, kis_sim) != first


async def test_token_wrong_secret_403_egw00105(
    kis_sim: KisSimHandle, client: httpx.AsyncClient
) -> None:
    body = token_body(kis_sim) | {"appsecret": "x" * 180}
    response = await client.post("/oauth2/tokenP", json=body)
    assert response.status_code == 403
    assert response.json()["error_code"] == "EGW00105"


async def test_call_expired_token_500_egw00123(
    kis_sim: KisSimHandle, client: httpx.AsyncClient
) -> None:
    token = await issue_token(client, kis_sim)
    fake(kis_sim).advance(86_400)
    response = await client.get(
        PRICE, headers=headers(kis_sim, token, "FHKST01010100"), params=PRICE_PARAMS
    )
    assert response.status_code == 500
    assert response.json()["msg_cd"] == "EGW00123"
    assert response.json()["rt_cd"] == "1"


async def test_call_unknown_token_500_egw00121(
    kis_sim: KisSimHandle, client: httpx.AsyncClient
) -> None:
    response = await client.get(
        PRICE, headers=headers(kis_sim, "nope", "FHKST01010100"), params=PRICE_PARAMS
    )
    assert response.status_code == 500
    assert response.json()["msg_cd"] == "EGW00121"


async def test_call_after_injected_expiry_egw00123(
    kis_sim: KisSimHandle, client: httpx.AsyncClient
) -> None:
    token = await issue_token(client, kis_sim)
    kis_sim.faults.expire_tokens()
    response = await client.get(
        PRICE, headers=headers(kis_sim, token, "FHKST01010100"), params=PRICE_PARAMS
    )
    assert response.json()["msg_cd"] == "EGW00123"


async def test_call_without_bearer_egw00205(
    kis_sim: KisSimHandle, client: httpx.AsyncClient
) -> None:
    token = await issue_token(client, kis_sim)
    sent = headers(kis_sim, token, "FHKST01010100") | {"authorization": token}
    response = await client.get(PRICE, headers=sent, params=PRICE_PARAMS)
    assert response.json()["msg_cd"] == "EGW00205"


async def test_call_unknown_app_key_egw00103(
    kis_sim: KisSimHandle, client: httpx.AsyncClient
) -> None:
    token = await issue_token(client, kis_sim)
    sent = headers(kis_sim, token, "FHKST01010100") | {"appkey": "P" * 36}
    response = await client.get(PRICE, headers=sent, params=PRICE_PARAMS)
    assert response.json()["msg_cd"] == "EGW00103"


async def test_revoked_token_then_rejected(
    kis_sim: KisSimHandle, client: httpx.AsyncClient
) -> None:
    token = await issue_token(client, kis_sim)
    body = {"appkey": kis_sim.app_key, "appsecret": kis_sim.app_secret, "token": token}
    revoked = await client.post("/oauth2/revokeP", json=body)
    assert revoked.json()["code"] == 200
    response = await client.get(
        PRICE, headers=headers(kis_sim, token, "FHKST01010100"), params=PRICE_PARAMS
    )
    assert response.json()["msg_cd"] == "EGW00121"


async def test_approval_key_uses_secretkey_field(
    kis_sim: KisSimHandle, client: httpx.AsyncClient
) -> None:
    good = {"grant_type": "client_credentials", "appkey": kis_sim.app_key}
    wrong = await client.post("/oauth2/Approval", json=good | {"appsecret": kis_sim.app_secret})
    right = await client.post("/oauth2/Approval", json=good | {"secretkey": kis_sim.app_secret})
    assert wrong.status_code == 403
    assert len(right.json()["approval_key"]) == 36


async def test_hashkey_echoes_body_with_hash(
    kis_sim: KisSimHandle, client: httpx.AsyncClient
) -> None:
    order = {"CANO": kis_sim.cano, "PDNO": "005930", "ORD_QTY": "1"}
    sent = {"appkey": kis_sim.app_key, "appsecret": kis_sim.app_secret}
    response = await client.post("/uapi/hashkey", json=order, headers=sent)
    body = response.json()
    assert body["JsonBody"] == order
    assert len(body["HASH"]) == 64
