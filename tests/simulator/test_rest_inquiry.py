"""Inquiries over raw HTTP: pagination cursors, balance, buying power, price, holidays."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from hantu.simulator.accounts import Holding
from hantu.simulator.calendar import seoul
from hantu.simulator.rest_common import PageSizes
from tests.fixtures.kis_simulator import KisSimHandle, MakeKisSim
from tests.simulator.helpers import STOCK, daily_params, headers, issue_token, place

DAILY = f"{STOCK}/trading/inquire-daily-ccld"
BALANCE = f"{STOCK}/trading/inquire-balance"


async def all_pages(
    client: httpx.AsyncClient,
    sim: KisSimHandle,
    token: str,
    path: str,
    tr_id: str,
    params: dict[str, str],
    block: str,
) -> tuple[list[list[dict[str, Any]]], list[str]]:
    """Follow `tr_cont` and the NK100 cursor the way KIS clients do."""
    pages: list[list[dict[str, Any]]] = []
    conts: list[str] = []
    tr_cont = ""
    while True:
        response = await client.get(
            path, headers=headers(sim, token, tr_id, tr_cont), params=params
        )
        body = response.json()
        assert body["rt_cd"] == "0", body
        pages.append(body[block])
        conts.append(response.headers["tr_cont"])
        if response.headers["tr_cont"] not in ("F", "M"):
            return pages, conts
        params = params | {
            "CTX_AREA_FK100": body["ctx_area_fk100"],
            "CTX_AREA_NK100": body["ctx_area_nk100"],
        }
        tr_cont = "N"


async def test_daily_ccld_five_orders_page_two_walks_three_pages(
    make_kis_sim: MakeKisSim,
) -> None:
    sim = await make_kis_sim(pages=PageSizes(daily_ccld=2))
    async with httpx.AsyncClient(base_url=sim.rest_url) as client:
        token = await issue_token(client, sim)
        odnos = [
            (await place(client, sim, token, "TTTC0012U", "005930", 1, 69_000 - i * 100))["output"][
                "ODNO"
            ]
            for i in range(5)
        ]
        day = seoul(sim.clock.now()).strftime("%Y%m%d")
        pages, conts = await all_pages(
            client, sim, token, DAILY, "TTTC0081R", daily_params(sim, day), "output1"
        )
    assert [len(p) for p in pages] == [2, 2, 1]
    assert conts == ["F", "M", "D"]
    assert [row["odno"] for page in pages for row in page] == list(reversed(odnos))


async def test_daily_ccld_forward_order_and_filled_filter(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        await place(client, kis_sim, token, "TTTC0012U", "005930", 1, 69_000)
        filled = await place(client, kis_sim, token, "TTTC0012U", "005930", 2, 71_000)
        day = seoul(kis_sim.clock.now()).strftime("%Y%m%d")
        params = daily_params(kis_sim, day, INQR_DVSN="01", CCLD_DVSN="01")
        response = await client.get(
            DAILY, headers=headers(kis_sim, token, "VTTC8001R"), params=params
        )
    body = response.json()
    assert [r["odno"] for r in body["output1"]] == [filled["output"]["ODNO"]]
    row = body["output1"][0]
    assert (row["tot_ccld_qty"], row["avg_prvs"], row["rmn_qty"]) == ("2", "71000", "0")
    assert row["sll_buy_dvsn_cd"] == "02"
    assert body["output2"]["tot_ccld_qty"] == "2"
    assert body["msg_cd"] == "20310000"  # paper inquiry code for a V TR


async def test_daily_ccld_cancel_row_points_to_original(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        placed = await place(client, kis_sim, token, "TTTC0012U", "005930", 3, 69_000)
        odno = placed["output"]["ODNO"]
        kis_sim.engine.cancel(kis_sim.account_obj, odno, None)
        day = seoul(kis_sim.clock.now()).strftime("%Y%m%d")
        response = await client.get(
            DAILY, headers=headers(kis_sim, token, "TTTC0081R"), params=daily_params(kis_sim, day)
        )
    cancel, original = response.json()["output1"]
    assert (cancel["orgn_odno"], cancel["cncl_yn"], cancel["cnc_cfrm_qty"]) == (odno, "Y", "3")
    assert (original["odno"], original["rmn_qty"]) == (odno, "0")


async def test_balance_page_two_of_three_holdings(make_kis_sim: MakeKisSim) -> None:
    sim = await make_kis_sim(pages=PageSizes(balance=2))
    params = balance_params(sim)
    async with httpx.AsyncClient(base_url=sim.rest_url) as client:
        token = await issue_token(client, sim)
        pages, conts = await all_pages(client, sim, token, BALANCE, "TTTC8434R", params, "output1")
        last = await client.get(BALANCE, headers=headers(sim, token, "TTTC8434R"), params=params)
    assert conts == ["F", "D"]
    codes = [row["pdno"] for page in pages for row in page]
    assert codes == ["000660", "005930", "035420"]
    samsung = next(r for p in pages for r in p if r["pdno"] == "005930")
    assert (samsung["hldg_qty"], samsung["ord_psbl_qty"]) == ("100", "100")
    assert samsung["pchs_avg_pric"] == "70000.0000"
    summary = last.json()["output2"]
    assert isinstance(summary, list)
    assert summary[0]["dnca_tot_amt"] == "100000000"


async def test_psbl_order_market_uses_upper_limit(kis_sim: KisSimHandle) -> None:
    params = {
        "CANO": kis_sim.cano,
        "ACNT_PRDT_CD": kis_sim.acnt_prdt_cd,
        "PDNO": "005930",
        "ORD_UNPR": "",
        "ORD_DVSN": "01",
        "CMA_EVLU_AMT_ICLD_YN": "N",
        "OVRS_ICLD_YN": "N",
    }
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        response = await client.get(
            f"{STOCK}/trading/inquire-psbl-order",
            headers=headers(kis_sim, token, "TTTC8908R"),
            params=params,
        )
    output = response.json()["output"]
    upper = kis_sim.feed["005930"].upper
    assert output["psbl_qty_calc_unpr"] == str(upper)
    assert output["max_buy_qty"] == str(int(Decimal(100_000_000) // upper))


async def test_psbl_rvsecncl_lists_open_orders_with_psbl_qty(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        kis_sim.feed.set_liquidity("005930", 2)
        placed = await place(client, kis_sim, token, "TTTC0011U", "005930", 5, 72_000)
        await place(client, kis_sim, token, "TTTC0012U", "005930", 1, 71_000)  # fills
        params = {
            "CANO": kis_sim.cano,
            "ACNT_PRDT_CD": kis_sim.acnt_prdt_cd,
            "CTX_AREA_FK100": "",
            "CTX_AREA_NK100": "",
            "INQR_DVSN_1": "0",
            "INQR_DVSN_2": "0",
        }
        response = await client.get(
            f"{STOCK}/trading/inquire-psbl-rvsecncl",
            headers=headers(kis_sim, token, "TTTC0084R"),
            params=params,
        )
    rows = response.json()["output"]
    assert [r["odno"] for r in rows] == [placed["output"]["ODNO"]]
    assert rows[0]["psbl_qty"] == "5"


async def test_inquire_price_reports_limits_and_tick(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)

        async def quote(price: int, qty: int = 1) -> dict[str, str]:
            kis_sim.feed.set_price("005930", price, qty=qty)
            response = await client.get(
                f"{STOCK}/quotations/inquire-price",
                headers=headers(kis_sim, token, "FHKST01010100"),
                params={"fid_cond_mrkt_div_code": "J", "fid_input_iscd": "005930"},
            )
            return dict(response.json()["output"])

        output = await quote(72_000, qty=10)
        pivots = await quote(71_000)
    assert output["stck_prpr"] == "72000"
    assert (output["stck_sdpr"], output["stck_mxpr"], output["stck_llam"]) == (
        "71000",
        "92300",
        "49700",
    )
    assert output["aspr_unit"] == "100"
    assert output["prdy_vrss_sign"] == "2"
    assert output["acml_vol"] == "10"
    # Fields python-kis reads beyond the price itself, each consistent with the price.
    shares = Decimal(output["lstn_stcn"])
    assert Decimal(output["hts_avls"]) == 72_000 * shares / 100_000_000  # 억원
    assert Decimal(output["per"]) == (72_000 / Decimal(output["eps"])).quantize(Decimal("0.01"))
    assert Decimal(output["w52_lwpr"]) <= 72_000 <= Decimal(output["w52_hgpr"])
    assert output["w52_hgpr_date"] == seoul(kis_sim.clock.now()).strftime("%Y%m%d")
    assert pivots["pvt_pont_val"] == "71333"  # (high 72,000 + low 71,000 + last 71,000) / 3
    assert pivots["pvt_frst_dmrs_prc"] == "71667"  # 2 × pivot − low


async def test_chk_holiday_marks_weekend_closed(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        response = await client.get(
            f"{STOCK}/quotations/chk-holiday",
            headers=headers(kis_sim, token, "CTCA0903R"),
            params={"BASS_DT": "20261219", "CTX_AREA_NK": "", "CTX_AREA_FK": ""},
        )
    body = response.json()
    days = {row["bass_dt"]: row for row in body["output"]}
    assert days["20261219"]["opnd_yn"] == "N"  # Saturday
    assert days["20261219"]["wday_dvsn_cd"] == "07"
    assert days["20261221"]["opnd_yn"] == "Y"  # Monday
    assert days["20261225"]["opnd_yn"] == "N"  # Christmas
    assert days["20261231"]["opnd_yn"] == "N"  # KRX year-end closing day
    assert "ctx_area_nk" in body


def balance_params(sim: KisSimHandle) -> dict[str, str]:
    """Query parameters of inquire-balance, first page."""
    return {
        "CANO": sim.cano,
        "ACNT_PRDT_CD": sim.acnt_prdt_cd,
        "AFHR_FLPR_YN": "N",
        "OFL_YN": "",
        "INQR_DVSN": "02",
        "UNPR_DVSN": "01",
        "FUND_STTL_ICLD_YN": "N",
        "FNCG_AMT_AUTO_RDPT_YN": "N",
        "PRCS_DVSN": "00",
        "CTX_AREA_FK100": "",
        "CTX_AREA_NK100": "",
    }


async def test_paper_pages_balance_at_20_rows_real_at_50(kis_sim: KisSimHandle) -> None:
    for i in range(22):
        kis_sim.account_obj.holdings[f"9{i:05d}"] = Holding(1, Decimal(1000))
    params = balance_params(kis_sim)
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        paper, paper_conts = await all_pages(
            client, kis_sim, token, BALANCE, "VTTC8434R", params, "output1"
        )
        real, _ = await all_pages(client, kis_sim, token, BALANCE, "TTTC8434R", params, "output1")
    assert [len(p) for p in paper] == [20, 5]
    assert paper_conts == ["F", "D"]
    assert [len(p) for p in real] == [25]
    assert [r["pdno"] for p in paper for r in p] == [r["pdno"] for r in real[0]]


async def test_paper_pages_daily_ccld_at_15_rows_real_at_100(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        for i in range(16):
            await place(client, kis_sim, token, "VTTC0802U", "005930", 1, 60_000 + i * 100)
        day = seoul(kis_sim.clock.now()).strftime("%Y%m%d")
        params = daily_params(kis_sim, day)
        paper, conts = await all_pages(
            client, kis_sim, token, DAILY, "VTTC0081R", params, "output1"
        )
        real, _ = await all_pages(client, kis_sim, token, DAILY, "TTTC0081R", params, "output1")
    assert [len(p) for p in paper] == [15, 1]
    assert conts == ["F", "D"]
    assert [len(p) for p in real] == [16]
