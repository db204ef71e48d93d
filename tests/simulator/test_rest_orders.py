"""order-cash and order-rvsecncl over raw HTTP: envelopes, TR generations, rejections."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from tests.fakes import FakeClock
from tests.fixtures.kis_simulator import KisSimHandle, MakeKisSim
from tests.simulator.helpers import STOCK, headers, issue_token, order_body, place

RVSECNCL = f"{STOCK}/trading/order-rvsecncl"


@pytest.fixture
async def client(kis_sim: KisSimHandle) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        yield client


@pytest.fixture
async def token(kis_sim: KisSimHandle, client: httpx.AsyncClient) -> str:
    return await issue_token(client, kis_sim)


@pytest.mark.parametrize("tr_id", ["TTTC0012U", "TTTC0802U"])
async def test_order_cash_real_tr_ids_accepted_apbk0013(
    kis_sim: KisSimHandle, client: httpx.AsyncClient, token: str, tr_id: str
) -> None:
    response = await client.post(
        f"{STOCK}/trading/order-cash",
        headers=headers(kis_sim, token, tr_id),
        json=order_body(kis_sim, "005930", 1, 69_000),
    )
    body = response.json()
    assert response.status_code == 200
    assert (body["rt_cd"], body["msg_cd"]) == ("0", "APBK0013")
    assert set(body["output"]) == {"KRX_FWDG_ORD_ORGNO", "ODNO", "ORD_TMD"}
    assert len(body["output"]["ODNO"]) == 10
    assert len(body["output"]["ORD_TMD"]) == 6
    assert response.headers["tr_id"] == tr_id
    assert response.headers["gt_uid"]


@pytest.mark.parametrize(("tr_id", "word"), [("VTTC0012U", "매수"), ("VTTC0801U", "매도")])
async def test_order_cash_paper_tr_ids_answer_paper_codes(
    kis_sim: KisSimHandle, client: httpx.AsyncClient, token: str, tr_id: str, word: str
) -> None:
    body = await place(client, kis_sim, token, tr_id, "005930", 1, 72_000)
    assert (body["rt_cd"], body["msg_cd"]) == ("0", "40600000")
    assert word in body["msg1"]


async def test_order_cash_sell_tr_id_reduces_holdings(
    kis_sim: KisSimHandle, client: httpx.AsyncClient, token: str
) -> None:
    body = await place(client, kis_sim, token, "TTTC0011U", "005930", 10, 0, ord_dvsn="01")
    assert body["rt_cd"] == "0"
    assert kis_sim.account_obj.holdings["005930"].qty == 90


@pytest.mark.parametrize(
    ("qty", "price", "code"),
    [(10_000, 71_000, "APBK0919"), (1, 71_050, "APBK0507"), (1, 95_000, "APBK0508")],
)
async def test_order_cash_invalid_rejected_http_200_rt_cd_1(
    kis_sim: KisSimHandle,
    client: httpx.AsyncClient,
    token: str,
    qty: int,
    price: int,
    code: str,
) -> None:
    body = await place(client, kis_sim, token, "TTTC0012U", "005930", qty, price)
    assert (body["rt_cd"], body["msg_cd"]) == ("1", code)
    assert "output" not in body


async def test_order_cash_oversell_rejected_apbk0918(
    kis_sim: KisSimHandle, client: httpx.AsyncClient, token: str
) -> None:
    body = await place(client, kis_sim, token, "TTTC0011U", "005930", 101, 71_000)
    assert body["msg_cd"] == "APBK0918"


async def test_order_cash_injected_reject_once(
    kis_sim: KisSimHandle, client: httpx.AsyncClient, token: str
) -> None:
    kis_sim.faults.reject_next_order("APBK1943", "시장가호가불가")
    first = await place(client, kis_sim, token, "TTTC0012U", "005930", 1, 69_000)
    second = await place(client, kis_sim, token, "TTTC0012U", "005930", 1, 69_000)
    assert (first["rt_cd"], first["msg_cd"], first["msg1"]) == ("1", "APBK1943", "시장가호가불가")
    assert second["rt_cd"] == "0"
    assert len(kis_sim.engine.orders_of(kis_sim.account_obj)) == 1


async def test_order_cash_integer_value_input_error(
    kis_sim: KisSimHandle, client: httpx.AsyncClient, token: str
) -> None:
    sent = order_body(kis_sim, "005930", 1, 69_000) | {"ORD_QTY": 1}
    response = await client.post(
        f"{STOCK}/trading/order-cash", headers=headers(kis_sim, token, "TTTC0012U"), json=sent
    )
    assert response.json()["rt_cd"] == "1"
    assert "ORD_QTY" in response.json()["msg1"]


async def test_order_cash_lower_case_keys_input_error(
    kis_sim: KisSimHandle, client: httpx.AsyncClient, token: str
) -> None:
    sent = {k.lower(): v for k, v in order_body(kis_sim, "005930", 1, 69_000).items()}
    response = await client.post(
        f"{STOCK}/trading/order-cash", headers=headers(kis_sim, token, "TTTC0012U"), json=sent
    )
    assert response.json()["rt_cd"] == "1"
    assert kis_sim.engine.orders_of(kis_sim.account_obj) == []


async def test_order_cash_other_account_input_error(
    kis_sim: KisSimHandle, client: httpx.AsyncClient, token: str
) -> None:
    sent = order_body(kis_sim, "005930", 1, 69_000) | {"CANO": "99999999"}
    response = await client.post(
        f"{STOCK}/trading/order-cash", headers=headers(kis_sim, token, "TTTC0012U"), json=sent
    )
    assert response.json()["rt_cd"] == "1"
    assert "CANO" in response.json()["msg1"]


async def test_order_cash_wrong_tr_id_for_path_500(
    kis_sim: KisSimHandle, client: httpx.AsyncClient, token: str
) -> None:
    response = await client.post(
        f"{STOCK}/trading/order-cash",
        headers=headers(kis_sim, token, "TTTC8434R"),
        json=order_body(kis_sim, "005930", 1, 69_000),
    )
    assert response.status_code == 500
    assert response.json()["rt_cd"] == "1"


def rvse_body(sim: KisSimHandle, odno: str, kind: str, qty: str, price: str) -> dict[str, str]:
    return {
        "CANO": sim.cano,
        "ACNT_PRDT_CD": sim.acnt_prdt_cd,
        "KRX_FWDG_ORD_ORGNO": "06010",
        "ORGN_ODNO": odno,
        "ORD_DVSN": "00",
        "RVSE_CNCL_DVSN_CD": kind,
        "ORD_QTY": qty,
        "ORD_UNPR": price,
        "QTY_ALL_ORD_YN": "Y" if qty == "0" else "N",
        "EXCG_ID_DVSN_CD": "KRX",
    }


@pytest.mark.parametrize("tr_id", ["TTTC0013U", "TTTC0803U", "VTTC0013U", "VTTC0803U"])
async def test_rvsecncl_cancel_all_new_odno(
    kis_sim: KisSimHandle, client: httpx.AsyncClient, token: str, tr_id: str
) -> None:
    placed = await place(client, kis_sim, token, "TTTC0012U", "005930", 5, 69_000)
    odno = placed["output"]["ODNO"]
    response = await client.post(
        RVSECNCL,
        headers=headers(kis_sim, token, tr_id),
        json=rvse_body(kis_sim, odno, "02", "0", "0"),
    )
    body = response.json()
    assert body["rt_cd"] == "0", body
    assert body["output"]["ODNO"] != odno
    assert kis_sim.engine.order(odno) is not None
    assert kis_sim.engine.order(odno).remaining == 0  # type: ignore[union-attr]
    assert kis_sim.account_obj.reserved_cash == 0


async def test_rvsecncl_modify_price_fills(
    kis_sim: KisSimHandle, client: httpx.AsyncClient, token: str
) -> None:
    placed = await place(client, kis_sim, token, "TTTC0012U", "005930", 5, 69_000)
    odno = placed["output"]["ODNO"]
    response = await client.post(
        RVSECNCL,
        headers=headers(kis_sim, token, "TTTC0013U"),
        json=rvse_body(kis_sim, odno, "01", "0", "71000"),
    )
    new = kis_sim.engine.order(response.json()["output"]["ODNO"])
    assert new is not None
    assert (new.orgn_odno, new.filled_qty) == (odno, 5)


async def test_rvsecncl_cancel_filled_rejected(
    kis_sim: KisSimHandle, client: httpx.AsyncClient, token: str
) -> None:
    placed = await place(client, kis_sim, token, "TTTC0012U", "005930", 1, 71_000)
    response = await client.post(
        RVSECNCL,
        headers=headers(kis_sim, token, "TTTC0013U"),
        json=rvse_body(kis_sim, placed["output"]["ODNO"], "02", "0", "0"),
    )
    assert response.json()["rt_cd"] == "1"
    assert response.json()["msg_cd"] == "APBK0344"


async def test_order_cash_market_hours_closed_rejected(make_kis_sim: MakeKisSim) -> None:
    clock = FakeClock(datetime(2026, 11, 21, 1, 0, tzinfo=UTC))  # Saturday 10:00 KST
    sim = await make_kis_sim(clock=clock, market_hours=True)
    async with httpx.AsyncClient(base_url=sim.rest_url) as client:
        token = await issue_token(client, sim)
        body = await place(client, sim, token, "TTTC0012U", "005930", 1, 71_000)
    assert (body["rt_cd"], body["msg_cd"]) == ("1", "APBK0919")
    assert body["msg1"].startswith("장운영시간")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ORD_QTY", "-1"),
        ("ORD_QTY", "abc"),
        ("ORD_QTY", "1.5"),
        ("ORD_QTY", ""),
        ("ORD_QTY", "99999999999999999999"),
        ("ORD_UNPR", "-100"),
        ("ORD_UNPR", "NaN"),
        ("ORD_UNPR", "1e10"),
        ("ORD_UNPR", "abc"),
        ("PDNO", ""),
        ("PDNO", "ZZZZZZ"),
        ("ORD_DVSN", "99"),
        ("EXCG_ID_DVSN_CD", "NYSE"),
    ],
)
async def test_order_cash_odd_field_rejected_as_json_no_order(
    kis_sim: KisSimHandle, client: httpx.AsyncClient, token: str, field: str, value: str
) -> None:
    sent = order_body(kis_sim, "005930", 1, 69_000) | {field: value}
    response = await client.post(
        f"{STOCK}/trading/order-cash", headers=headers(kis_sim, token, "TTTC0012U"), json=sent
    )
    assert response.json()["rt_cd"] == "1"
    assert kis_sim.engine.orders_of(kis_sim.account_obj) == []
    assert kis_sim.account_obj.reserved_cash == 0


async def test_order_cash_not_json_body_input_error(
    kis_sim: KisSimHandle, client: httpx.AsyncClient, token: str
) -> None:
    response = await client.post(
        f"{STOCK}/trading/order-cash",
        headers=headers(kis_sim, token, "TTTC0012U"),
        content=b"{not json",
    )
    assert response.json()["rt_cd"] == "1"
