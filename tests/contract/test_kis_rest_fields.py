"""Contract: the simulator's REST answers carry every field KIS documents (issue 8).

Two checks per API: the declared layout (`hantu.simulator.layouts`) covers the reference
field list, and the answer on the wire carries exactly the layout, in order, for the real
and the paper TR ID alike. A field dropped from either side fails here, not in a user's
client (python-kis stops at the first field missing).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hantu.simulator import layouts
from hantu.simulator.calendar import seoul
from tests.contract import kis_reference as ref
from tests.fixtures.kis_simulator import KisSimHandle
from tests.simulator.helpers import STOCK, daily_params, headers, issue_token, place

COVERAGE = [
    ("inquire-price", ref.INQUIRE_PRICE, layouts.PRICE_OUTPUT),
    ("inquire-balance", ref.INQUIRE_BALANCE, layouts.BALANCE_OUTPUT1 + layouts.BALANCE_OUTPUT2),
    (
        "inquire-daily-ccld",
        ref.INQUIRE_DAILY_CCLD,
        layouts.DAILY_CCLD_OUTPUT1 + layouts.DAILY_CCLD_OUTPUT2,
    ),
    ("inquire-psbl-order", ref.INQUIRE_PSBL_ORDER, layouts.PSBL_ORDER_OUTPUT),
    ("order-cash", ref.ORDER_CASH, layouts.ORDER_OUTPUT),
    ("search-info", ref.SEARCH_INFO + ref.PYTHON_KIS_SEARCH_INFO, layouts.SEARCH_INFO_OUTPUT),
    ("search-stock-info", ref.SEARCH_STOCK_INFO, layouts.SEARCH_STOCK_INFO_OUTPUT),
    (
        "inquire-daily-itemchartprice",
        ref.INQUIRE_DAILY_ITEMCHARTPRICE_OUTPUT1 + ref.INQUIRE_DAILY_ITEMCHARTPRICE_OUTPUT2,
        layouts.CHART_OUTPUT1 + layouts.CHART_OUTPUT2,
    ),
]


@pytest.mark.parametrize(("api", "reference", "layout"), COVERAGE, ids=[c[0] for c in COVERAGE])
def test_layout_covers_the_reference_fields(
    api: str, reference: tuple[str, ...], layout: tuple[str, ...]
) -> None:
    assert set(reference) - set(layout) == set(), api


LAYOUTS = {
    name: value
    for name, value in vars(layouts).items()
    if name.isupper() and isinstance(value, tuple)
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_no_layout_declares_a_field_twice(name: str) -> None:
    assert len(set(LAYOUTS[name])) == len(LAYOUTS[name])


def test_layout_sizes_match_the_official_counts() -> None:
    assert (len(ref.INQUIRE_PRICE), len(layouts.PRICE_OUTPUT)) == (82, 82)
    assert (len(layouts.BALANCE_OUTPUT1), len(layouts.BALANCE_OUTPUT2)) == (26, 24)
    assert len(layouts.DAILY_CCLD_OUTPUT1) == 36
    assert len(set(layouts.DAILY_CCLD_OUTPUT1 + layouts.DAILY_CCLD_OUTPUT2)) == 39
    assert len(layouts.SEARCH_INFO_OUTPUT) == 20
    assert len(layouts.SEARCH_STOCK_INFO_OUTPUT) == 67
    assert (len(layouts.CHART_OUTPUT1), len(layouts.CHART_OUTPUT2)) == (30, 13)


async def get(
    client: httpx.AsyncClient, sim: KisSimHandle, token: str, api: str, tr_id: str, **params: str
) -> dict[str, Any]:
    response = await client.get(f"{STOCK}/{api}", headers=headers(sim, token, tr_id), params=params)
    body = dict(response.json())
    assert body["rt_cd"] == "0", body
    return body


def account(sim: KisSimHandle) -> dict[str, str]:
    return {"CANO": sim.cano, "ACNT_PRDT_CD": sim.acnt_prdt_cd}


@pytest.mark.parametrize("dialect", ["T", "V"])
async def test_account_answers_carry_exactly_the_layout(
    kis_sim: KisSimHandle, dialect: str
) -> None:
    kis_sim.feed.set_price("005930", 71_000)
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        order = await place(client, kis_sim, token, f"{dialect}TTC0012U", "005930", 1, 71_000)
        day = seoul(kis_sim.clock.now()).strftime("%Y%m%d")
        daily = await get(
            client,
            kis_sim,
            token,
            "trading/inquire-daily-ccld",
            f"{dialect}TTC0081R",
            **daily_params(kis_sim, day),
        )
        balance = await get(
            client,
            kis_sim,
            token,
            "trading/inquire-balance",
            f"{dialect}TTC8434R",
            **account(kis_sim),
            AFHR_FLPR_YN="N",
            OFL_YN="",
            INQR_DVSN="02",
            UNPR_DVSN="01",
            FUND_STTL_ICLD_YN="N",
            FNCG_AMT_AUTO_RDPT_YN="N",
            PRCS_DVSN="00",
            CTX_AREA_FK100="",
            CTX_AREA_NK100="",
        )
        psbl = await get(
            client,
            kis_sim,
            token,
            "trading/inquire-psbl-order",
            f"{dialect}TTC8908R",
            **account(kis_sim),
            PDNO="005930",
            ORD_UNPR="71000",
            ORD_DVSN="00",
            CMA_EVLU_AMT_ICLD_YN="N",
            OVRS_ICLD_YN="N",
        )
    assert list(order["output"]) == list(layouts.ORDER_OUTPUT)
    assert daily["output1"]
    for row in daily["output1"]:
        assert list(row) == list(layouts.DAILY_CCLD_OUTPUT1)
    assert list(daily["output2"]) == list(layouts.DAILY_CCLD_OUTPUT2)
    assert len(balance["output1"]) == 3
    for row in balance["output1"]:
        assert list(row) == list(layouts.BALANCE_OUTPUT1)
    assert [list(s) for s in balance["output2"]] == [list(layouts.BALANCE_OUTPUT2)]
    assert list(psbl["output"]) == list(layouts.PSBL_ORDER_OUTPUT)


async def test_quotation_answers_carry_exactly_the_layout(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        price = await get(
            client,
            kis_sim,
            token,
            "quotations/inquire-price",
            "FHKST01010100",
            FID_COND_MRKT_DIV_CODE="J",
            FID_INPUT_ISCD="005930",
        )
        info = await get(
            client,
            kis_sim,
            token,
            "quotations/search-info",
            "CTPF1604R",
            PDNO="005930",
            PRDT_TYPE_CD="300",
        )
        stock = await get(
            client,
            kis_sim,
            token,
            "quotations/search-stock-info",
            "CTPF1002R",
            PDNO="005930",
            PRDT_TYPE_CD="300",
        )
        chart = await get(
            client,
            kis_sim,
            token,
            "quotations/inquire-daily-itemchartprice",
            "FHKST03010100",
            FID_COND_MRKT_DIV_CODE="J",
            FID_INPUT_ISCD="005930",
            FID_INPUT_DATE_1="20260101",
            FID_INPUT_DATE_2=seoul(kis_sim.clock.now()).strftime("%Y%m%d"),
            FID_PERIOD_DIV_CODE="D",
            FID_ORG_ADJ_PRC="0",
        )
    assert list(chart["output1"]) == list(layouts.CHART_OUTPUT1)
    assert chart["output2"]
    for row in chart["output2"]:
        assert list(row) == list(layouts.CHART_OUTPUT2)
    assert list(price["output"]) == list(layouts.PRICE_OUTPUT)
    assert list(info["output"]) == list(layouts.SEARCH_INFO_OUTPUT)
    assert list(stock["output"]) == list(layouts.SEARCH_STOCK_INFO_OUTPUT)


def test_emit_refuses_a_field_outside_the_layout() -> None:
    with pytest.raises(KeyError, match="hts_avls"):
        layouts.emit(layouts.ORDER_OUTPUT, {"ODNO": "1", "hts_avls": "0"})
