"""Response header names on the wire, as KIS spells them (issue 8).

The official sample client keeps the lower-case header names of an answer and builds a
namedtuple from them, so one lower-case `content-type` fails every call there.
"""

from __future__ import annotations

import asyncio
import collections
import json
from typing import Any

import httpx
import requests

from tests.fixtures.kis_simulator import KisSimHandle
from tests.simulator.helpers import STOCK, headers, issue_token

PRICE_PARAMS = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}


async def raw_header_names(
    sim: KisSimHandle, path: str, request_headers: dict[str, str]
) -> list[str]:
    """Send one GET over a bare socket; return the answer's header names byte for byte."""
    reader, writer = await asyncio.open_connection(sim.sim.host, sim.sim.rest_port)
    lines = [f"GET {path} HTTP/1.1", f"Host: {sim.sim.host}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in request_headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    writer.close()
    await writer.wait_closed()
    return [line.split(b":", 1)[0].decode("latin-1") for line in head.split(b"\r\n")[1:-2]]


async def test_answer_headers_spelled_as_kis_on_the_wire(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
    query = "&".join(f"{k}={v}" for k, v in PRICE_PARAMS.items())
    names = await raw_header_names(
        kis_sim,
        f"{STOCK}/quotations/inquire-price?{query}",
        headers(kis_sim, token, "FHKST01010100"),
    )
    for expected in ("Content-Type", "Content-Length", "Date", "tr_id", "tr_cont", "gt_uid"):
        assert expected in names, names
    assert not any(name.islower() and "-" in name for name in names), names


async def test_gateway_error_and_unknown_path_headers_spelled_as_kis(
    kis_sim: KisSimHandle,
) -> None:
    rejected = await raw_header_names(
        kis_sim, f"{STOCK}/quotations/inquire-price", {"appkey": "nobody", "tr_id": "X"}
    )
    missing = await raw_header_names(kis_sim, "/no/such/path", {})
    assert {"Content-Type", "tr_id", "gt_uid"} <= set(rejected), rejected
    assert "Content-Type" in missing, missing
    assert "content-type" not in missing, missing


def official_sample_header(response: requests.Response) -> tuple[Any, Any]:
    """What the official sample does with an answer: namedtuples of lower-case headers and body."""
    fields = {k: response.headers[k] for k in response.headers if k.islower()}
    header = collections.namedtuple("header", fields.keys())(**fields)  # type: ignore[misc]
    body_json = response.json()
    body = collections.namedtuple("body", body_json.keys())(**body_json)  # type: ignore[misc]
    return header, body


def sample_calls(sim: KisSimHandle) -> list[tuple[Any, Any]]:
    """A token, a quote and an order with `requests`, read the sample's way."""
    base = sim.rest_url
    grant = {"grant_type": "client_credentials", "appkey": sim.app_key, "appsecret": sim.app_secret}
    token = requests.post(f"{base}/oauth2/tokenP", data=json.dumps(grant), timeout=5).json()
    quote = requests.get(
        f"{base}{STOCK}/quotations/inquire-price",
        headers=headers(sim, token["access_token"], "FHKST01010100"),
        params=PRICE_PARAMS,
        timeout=5,
    )
    order = {
        "CANO": sim.cano,
        "ACNT_PRDT_CD": sim.acnt_prdt_cd,
        "PDNO": "005930",
        "ORD_DVSN": "01",
        "ORD_QTY": "1",
        "ORD_UNPR": "0",
    }
    placed = requests.post(
        f"{base}{STOCK}/trading/order-cash",
        headers=headers(sim, token["access_token"], "VTTC0802U"),
        data=json.dumps(order),
        timeout=5,
    )
    return [official_sample_header(quote), official_sample_header(placed)]


async def test_official_sample_reads_quote_and_order_answers(kis_sim: KisSimHandle) -> None:
    kis_sim.feed.set_price("005930", 71_000)
    (quote_header, quote), (order_header, order) = await asyncio.to_thread(sample_calls, kis_sim)
    assert quote_header.tr_id == "FHKST01010100"
    assert quote.rt_cd == "0"
    assert order_header.tr_id == "VTTC0802U"
    assert order.rt_cd == "0", order
    assert len(order_header.gt_uid) == 32
