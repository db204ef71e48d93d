"""Raw-protocol helpers for simulator tests: plain httpx and websockets, not our adapter."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection

from tests.fixtures.kis_simulator import KisSimHandle

STOCK = "/uapi/domestic-stock/v1"


async def issue_token(client: httpx.AsyncClient, sim: KisSimHandle) -> str:
    """Get an access token the way any KIS client does."""
    body = {"grant_type": "client_credentials", "appkey": sim.app_key, "appsecret": sim.app_secret}
    response = await client.post("/oauth2/tokenP", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def headers(sim: KisSimHandle, token: str, tr_id: str, tr_cont: str = "") -> dict[str, str]:
    """The KIS request headers for one TR."""
    return {
        "content-type": "application/json; charset=utf-8",
        "authorization": f"Bearer {token}",
        "appkey": sim.app_key,
        "appsecret": sim.app_secret,
        "tr_id": tr_id,
        "custtype": "P",
        "tr_cont": tr_cont,
    }


def order_body(
    sim: KisSimHandle, symbol: str, qty: int, price: int, ord_dvsn: str = "00"
) -> dict[str, str]:
    """An order-cash body: upper-case keys, string values."""
    return {
        "CANO": sim.cano,
        "ACNT_PRDT_CD": sim.acnt_prdt_cd,
        "PDNO": symbol,
        "ORD_DVSN": ord_dvsn,
        "ORD_QTY": str(qty),
        "ORD_UNPR": str(price),
        "EXCG_ID_DVSN_CD": "KRX",
    }


async def place(
    client: httpx.AsyncClient,
    sim: KisSimHandle,
    token: str,
    tr_id: str,
    symbol: str,
    qty: int,
    price: int,
    ord_dvsn: str = "00",
) -> dict[str, Any]:
    """POST order-cash and return the JSON body."""
    response = await client.post(
        f"{STOCK}/trading/order-cash",
        headers=headers(sim, token, tr_id),
        json=order_body(sim, symbol, qty, price, ord_dvsn),
    )
    return dict(response.json())


def daily_params(sim: KisSimHandle, day: str, **extra: str) -> dict[str, str]:
    """Query parameters of inquire-daily-ccld for one day."""
    params = {
        "CANO": sim.cano,
        "ACNT_PRDT_CD": sim.acnt_prdt_cd,
        "INQR_STRT_DT": day,
        "INQR_END_DT": day,
        "SLL_BUY_DVSN_CD": "00",
        "INQR_DVSN": "00",
        "PDNO": "",
        "CCLD_DVSN": "00",
        "ORD_GNO_BRNO": "",
        "ODNO": "",
        "INQR_DVSN_3": "00",
        "INQR_DVSN_1": "",
        "CTX_AREA_FK100": "",
        "CTX_AREA_NK100": "",
    }
    params.update(extra)
    return params


async def approval_key(client: httpx.AsyncClient, sim: KisSimHandle) -> str:
    """A WebSocket approval key (note: `secretkey`, not `appsecret`)."""
    body = {"grant_type": "client_credentials", "appkey": sim.app_key, "secretkey": sim.app_secret}
    response = await client.post("/oauth2/Approval", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["approval_key"])


def sub_message(key: str, tr_id: str, tr_key: str, tr_type: str = "1") -> str:
    """A subscribe (`1`) or unsubscribe (`2`) request."""
    return json.dumps(
        {
            "header": {
                "approval_key": key,
                "custtype": "P",
                "tr_type": tr_type,
                "content-type": "utf-8",
            },
            "body": {"input": {"tr_id": tr_id, "tr_key": tr_key}},
        }
    )


async def recv_json(ws: ClientConnection, wait: float = 2.0) -> dict[str, Any]:
    """The next control frame, skipping PINGPONGs."""
    while True:
        raw = await asyncio.wait_for(ws.recv(), wait)
        assert isinstance(raw, str)
        if raw.startswith("{"):
            message = dict(json.loads(raw))
            if message["header"]["tr_id"] != "PINGPONG":
                return message


async def recv_data(ws: ClientConnection, wait: float = 2.0) -> str:
    """The next realtime data frame (`0|...` or `1|...`)."""
    while True:
        raw = await asyncio.wait_for(ws.recv(), wait)
        assert isinstance(raw, str)
        if raw[:2] in ("0|", "1|"):
            return raw
