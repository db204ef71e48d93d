"""search-info (CTPF1604R) and search-stock-info (CTPF1002R): python-kis resolves every
stock through the first, so a 404 there made the simulator unusable from python-kis."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from hantu.simulator.rest_products import isin_check_digit
from tests.fixtures.kis_simulator import KisSimHandle
from tests.simulator.helpers import STOCK, headers, issue_token


async def product(
    sim: KisSimHandle, api: str, tr_id: str, code: str, kind: str = "300"
) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=sim.rest_url) as client:
        token = await issue_token(client, sim)
        response = await client.get(
            f"{STOCK}/quotations/{api}",
            headers=headers(sim, token, tr_id),
            params={"PDNO": code, "PRDT_TYPE_CD": kind},
        )
    assert response.status_code == 200
    return dict(response.json())


async def test_search_info_names_the_stock(kis_sim: KisSimHandle) -> None:
    body = await product(kis_sim, "search-info", "CTPF1604R", "005930")
    output = body["output"]
    assert body["rt_cd"] == "0"
    assert (output["shtn_pdno"], output["std_pdno"]) == ("005930", "KR7005930003")
    assert output["prdt_abrv_name"] == "삼성전자"
    assert output["prdt_type_cd"] == "300"


async def test_search_stock_info_lists_shares_and_closes(kis_sim: KisSimHandle) -> None:
    kis_sim.feed.set_price("000660", 181_000)
    output = (await product(kis_sim, "search-stock-info", "CTPF1002R", "000660"))["output"]
    assert output["std_pdno"] == "KR7000660001"
    assert (output["thdt_clpr"], output["bfdy_clpr"]) == ("181000", "180000")
    assert Decimal(output["lstg_cptl_amt"]) == Decimal(output["lstg_stqt"]) * 500
    assert output["cptt_trad_tr_psbl_yn"] == "Y"


@pytest.mark.parametrize(("code", "kind"), [("999999", "300"), ("005930", "512")])
async def test_unknown_product_answers_no_data(kis_sim: KisSimHandle, code: str, kind: str) -> None:
    body = await product(kis_sim, "search-info", "CTPF1604R", code, kind)
    assert (body["rt_cd"], body["msg_cd"]) == ("7", "KIOK0560")
    assert "output" not in body


def test_isin_check_digit_matches_krx_codes() -> None:
    assert isin_check_digit("KR703542000") == "9"  # NAVER, KR7035420009
    assert isin_check_digit("KR700066000") == "1"  # SK하이닉스, KR7000660001
