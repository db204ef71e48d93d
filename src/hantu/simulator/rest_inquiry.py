"""Account inquiries: daily orders, balance, buying power, cancellable orders
(reference §4.3–§4.6). Keys are lower-case in these TRs; every value is a string.
"""

from __future__ import annotations

from decimal import Decimal

from starlette.responses import Response

from hantu.domain.enums import Side
from hantu.simulator.accounts import Account, Holding
from hantu.simulator.calendar import seoul
from hantu.simulator.layouts import (
    BALANCE_OUTPUT1,
    BALANCE_OUTPUT2,
    DAILY_CCLD_OUTPUT1,
    DAILY_CCLD_OUTPUT2,
    PSBL_ORDER_OUTPUT,
    emit,
)
from hantu.simulator.matching import LIMIT, MARKET, SimOrder
from hantu.simulator.rest_common import (
    Call,
    SimContext,
    answer,
    envelope,
    ok_message,
    paginate,
    parse_date,
    rate,
    won,
)

DAILY_TR_IDS = frozenset(
    {"TTTC0081R", "VTTC0081R", "TTTC8001R", "VTTC8001R"}
    | {"CTSC9215R", "VTSC9215R", "CTSC9115R", "VTSC9115R"}
)
BALANCE_TR_IDS = frozenset({"TTTC8434R", "VTTC8434R"})
PSBL_ORDER_TR_IDS = frozenset({"TTTC8908R", "VTTC8908R"})
# Real only at KIS (reference §4.3); the simulator answers it for every account.
PSBL_RVSECNCL_TR_IDS = frozenset({"TTTC0084R", "TTTC8036R"})

_DVSN_NAME = {LIMIT: "지정가", MARKET: "시장가"}
_SIDE_CODE = {Side.SELL: "01", Side.BUY: "02"}
_SIDE_NAME = {Side.SELL: "현금매도", Side.BUY: "현금매수"}
_ACTION_NAME = {"new": "", "modify": "정정", "cancel": "취소"}


def _order_values(order: SimOrder, name: str) -> dict[str, str]:
    placed = seoul(order.placed_at)
    cancelled = order.qty if order.action == "cancel" else order.cancelled_qty
    return {
        "ord_dt": placed.strftime("%Y%m%d"),
        "ord_gno_brno": order.branch,
        "odno": order.odno,
        "orgn_odno": order.orgn_odno,
        "ord_dvsn_name": _DVSN_NAME.get(order.ord_dvsn, "") + _ACTION_NAME[order.action],
        "sll_buy_dvsn_cd": _SIDE_CODE[order.side],
        "sll_buy_dvsn_cd_name": _SIDE_NAME[order.side] + _ACTION_NAME[order.action],
        "pdno": order.symbol,
        "prdt_name": name,
        "ord_qty": str(order.qty),
        "ord_unpr": won(order.price),
        "ord_tmd": placed.strftime("%H%M%S"),
        "tot_ccld_qty": str(order.filled_qty),
        "avg_prvs": won(order.avg_price),
        "cncl_yn": "Y" if order.action == "cancel" else "N",
        "tot_ccld_amt": won(order.filled_amount),
        "ord_dvsn_cd": order.ord_dvsn,
        "cnc_cfrm_qty": str(cancelled),
        "rmn_qty": str(order.remaining),
        "rjct_qty": str(order.rejected_qty),
        "ccld_cndt_name": "없음",
        "infm_tmd": placed.strftime("%H%M%S"),
        "excg_dvsn_cd": "01",
        "excg_id_dvsn_Cd": "KRX",  # sic: mixed case at KIS (reference gotcha 16)
        "stpm_cndt_pric": "0",
        "stpm_efct_occr_dtmd": "",
    }


def _order_row(order: SimOrder, name: str) -> dict[str, str]:
    return emit(DAILY_CCLD_OUTPUT1, _order_values(order, name))


def _name(ctx: SimContext, code: str) -> str:
    state = ctx.feed.get(code)
    return state.name if state else code


def _daily_filter(call: Call, order: SimOrder) -> bool:
    params = call.params
    day = seoul(order.placed_at).date()
    start = parse_date(params.get("INQR_STRT_DT", "").strip(), "INQR_STRT_DT")
    end = parse_date(params.get("INQR_END_DT", "").strip(), "INQR_END_DT")
    side = params.get("SLL_BUY_DVSN_CD", "00").strip() or "00"
    ccld = params.get("CCLD_DVSN", "00").strip() or "00"
    checks = (
        start <= day <= end,
        side == "00" or _SIDE_CODE[order.side] == side,
        not params.get("PDNO", "").strip() or params["PDNO"].strip() == order.symbol,
        not params.get("ODNO", "").strip() or params["ODNO"].strip() == order.odno,
        ccld == "00" or (ccld == "01") == (order.filled_qty > 0),
    )
    return all(checks)


async def inquire_daily_ccld(ctx: SimContext, call: Call) -> Response:
    """Daily orders and fills, newest first unless INQR_DVSN=01 (TTTC0081R and twins)."""
    orders = [o for o in ctx.engine.orders_of(call.account) if _daily_filter(call, o)]
    if call.params.get("INQR_DVSN", "00").strip() != "01":
        orders.reverse()
    rows = [_order_row(o, _name(ctx, o.symbol)) for o in orders]
    page, tr_cont, cursors = paginate(rows, call, ctx.pages.daily_for(call))
    totals = {
        "tot_ord_qty": str(sum(o.qty for o in orders)),
        "tot_ccld_qty": str(sum(o.filled_qty for o in orders)),
        "tot_ccld_amt": won(sum((o.filled_amount for o in orders), Decimal(0))),
        "prsm_tlex_smtl": "0",
        "pchs_avg_pric": "0",
    }
    totals = emit(DAILY_CCLD_OUTPUT2, totals)
    body = envelope("0", *ok_message(call), output1=page, output2=totals, **cursors)
    return answer(body, call.tr_id, tr_cont=tr_cont)


def _holding_row(ctx: SimContext, code: str, holding: Holding) -> dict[str, str]:
    state = ctx.feed.get(code)
    last = state.last if state else holding.avg_price
    bought = holding.avg_price * holding.qty
    value = last * holding.qty
    pnl = value - bought
    pnl_rate = pnl / bought * 100 if bought else Decimal(0)
    values = {
        "pdno": code,
        "prdt_name": state.name if state else code,
        "trad_dvsn_name": "현금",
        "bfdy_buy_qty": "0",
        "bfdy_sll_qty": "0",
        "thdt_buyqty": str(holding.bought_today),
        "thdt_sll_qty": str(holding.sold_today),
        "hldg_qty": str(holding.qty),
        "ord_psbl_qty": str(holding.sellable),
        "pchs_avg_pric": rate(holding.avg_price, "0.0001"),
        "pchs_amt": won(bought),
        "prpr": won(last),
        "evlu_amt": won(value),
        "evlu_pfls_amt": won(pnl),
        "evlu_pfls_rt": rate(pnl_rate),
        "evlu_erng_rt": rate(pnl_rate),
        "fltt_rt": rate((last - state.base) / state.base * 100) if state else "0.00",
        "bfdy_cprs_icdc": won(last - state.base) if state else "0",
        "item_mgna_rt_name": "20%",
        "grta_rt_name": "20%",
        "sbst_pric": won(state.base * Decimal("0.7")) if state else "0",
    }
    return emit(BALANCE_OUTPUT1, values)


def _traded_today(ctx: SimContext, account: Account, side: Side) -> str:
    """The amount filled today on one side (금일매수금액 / 금일매도금액)."""
    today = seoul(ctx.clock.now()).date()
    orders = ctx.engine.orders_of(account)
    today_side = (o for o in orders if o.side is side and seoul(o.placed_at).date() == today)
    return won(sum((o.filled_amount for o in today_side), Decimal(0)))


def _balance_summary(
    ctx: SimContext, account: Account, rows: list[dict[str, str]]
) -> dict[str, str]:
    bought = sum((Decimal(r["pchs_amt"]) for r in rows), Decimal(0))
    value = sum((Decimal(r["evlu_amt"]) for r in rows), Decimal(0))
    cash = account.cash
    values = {
        "dnca_tot_amt": won(cash),
        "nxdy_excc_amt": won(cash),
        "prvs_rcdl_excc_amt": won(cash),
        "cma_evlu_amt": "0",
        "tot_loan_amt": "0",
        "scts_evlu_amt": won(value),
        "tot_evlu_amt": won(cash + value),
        "nass_amt": won(cash + value),
        "pchs_amt_smtl_amt": won(bought),
        "evlu_amt_smtl_amt": won(value),
        "evlu_pfls_smtl_amt": won(value - bought),
        "bfdy_tot_asst_evlu_amt": won(cash + value),
        "asst_icdc_amt": "0",
        "asst_icdc_erng_rt": "0.00000000",
        "thdt_buy_amt": _traded_today(ctx, account, Side.BUY),
        "thdt_sll_amt": _traded_today(ctx, account, Side.SELL),
    }
    return emit(BALANCE_OUTPUT2, values)


async def inquire_balance(ctx: SimContext, call: Call) -> Response:
    """Holdings (`output1`, paginated) and the account summary (`output2`, one-element list)."""
    held = call.account.holdings
    rows = [
        _holding_row(ctx, code, h)
        for code, h in sorted(held.items())
        if h.qty > 0 or h.bought_today or h.sold_today
    ]
    page, tr_cont, cursors = paginate(rows, call, ctx.pages.balance_for(call))
    summary = _balance_summary(ctx, call.account, rows)
    body = envelope("0", *ok_message(call), output1=page, output2=[summary], **cursors)
    return answer(body, call.tr_id, tr_cont=tr_cont)


async def inquire_psbl_order(ctx: SimContext, call: Call) -> Response:
    """Buying power for one symbol at a price (TTTC8908R/VTTC8908R)."""
    state = ctx.feed.get(call.params.get("PDNO", "").strip())
    raw = call.params.get("ORD_UNPR", "").strip() or "0"
    price = Decimal(raw) if raw.isdigit() else Decimal(0)
    market = call.params.get("ORD_DVSN", "00").strip() == MARKET
    if state is not None and (market or price <= 0):
        price = state.upper  # market orders reserve at the upper limit (reference §4.1)
    cash = call.account.available_cash
    qty = int(cash // price) if price > 0 else 0
    values = {
        "ord_psbl_cash": won(cash),
        "ord_psbl_sbst": "0",
        "ruse_psbl_amt": "0",
        "fund_rpch_chgs": "0",
        "psbl_qty_calc_unpr": won(price),
        "nrcvb_buy_amt": won(price * qty),
        "nrcvb_buy_qty": str(qty),
        "max_buy_amt": won(price * qty),
        "max_buy_qty": str(qty),
        "cma_evlu_amt": "0",
        "ovrs_re_use_amt_wcrc": "0",
        "ord_psbl_frcr_amt_wcrc": "0",
    }
    output = emit(PSBL_ORDER_OUTPUT, values)
    return answer(envelope("0", *ok_message(call), output=output), call.tr_id)


def _open_row(order: SimOrder, name: str) -> dict[str, str]:
    row = _order_values(order, name)
    keep = [
        "ord_gno_brno",
        "odno",
        "orgn_odno",
        "ord_dvsn_name",
        "pdno",
        "prdt_name",
        "ord_qty",
        "ord_unpr",
        "ord_tmd",
        "tot_ccld_qty",
        "tot_ccld_amt",
        "sll_buy_dvsn_cd",
        "ord_dvsn_cd",
        "stpm_cndt_pric",
    ]
    out = {k: row[k] for k in keep}
    out.update(
        {
            "psbl_qty": str(order.remaining),
            "rvse_cncl_dvsn_name": _ACTION_NAME[order.action],
            "mgco_aptm_odno": "",
            "excg_dvsn_cd": "01",
            "excg_id_dvsn_cd": "KRX",
            "excg_id_dvsn_name": "한국거래소",
            "stpm_efct_occr_yn": "N",
        }
    )
    return out


async def inquire_psbl_rvsecncl(ctx: SimContext, call: Call) -> Response:
    """Orders that can still be modified or cancelled (TTTC0084R / TTTC8036R)."""
    side = call.params.get("INQR_DVSN_2", "0").strip()
    orders = [
        o
        for o in ctx.engine.orders_of(call.account)
        if o.is_open and (side in ("", "0") or _SIDE_CODE[o.side] == f"0{side}")
    ]
    rows = [_open_row(o, _name(ctx, o.symbol)) for o in orders]
    page, tr_cont, cursors = paginate(rows, call, ctx.pages.psbl_rvsecncl)
    body = envelope("0", *ok_message(call), output=page, **cursors)
    return answer(body, call.tr_id, tr_cont=tr_cont)
