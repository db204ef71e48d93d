"""Quotations: `quotations/inquire-price` (FHKST01010100) and `quotations/chk-holiday`
(CTCA0903R), reference §4.7 and §4.8.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from starlette.responses import Response

from hantu.simulator.calendar import is_business_day, is_trading_day
from hantu.simulator.feed import SymbolState
from hantu.simulator.rest_common import (
    Call,
    SimContext,
    answer,
    envelope,
    ok_message,
    paginate,
    parse_date,
    rate,
    require,
    won,
)

PRICE_TR_IDS = frozenset({"FHKST01010100"})
HOLIDAY_TR_IDS = frozenset({"CTCA0903R"})
MARKETS = frozenset({"J", "NX", "UN"})


def sign(state: SymbolState) -> str:
    """KIS sign code of the last price against the base: 1 upper … 5 fall (§7)."""
    if state.last >= state.upper:
        return "1"
    if state.last <= state.lower:
        return "4"
    if state.last > state.base:
        return "2"
    return "3" if state.last == state.base else "5"


def _price_output(state: SymbolState) -> dict[str, str]:
    change = state.last - state.base
    avg = state.value / state.volume if state.volume else state.last
    return {
        "stck_shrn_iscd": state.code,
        "rprs_mrkt_kor_name": "KOSPI",
        "bstp_kor_isnm": "시뮬레이터",
        "iscd_stat_cls_code": "55",
        "stck_prpr": won(state.last),
        "prdy_vrss": won(change),
        "prdy_vrss_sign": sign(state),
        "prdy_ctrt": rate(change / state.base * 100),
        "acml_vol": str(state.volume),
        "acml_tr_pbmn": won(state.value),
        "stck_oprc": won(state.open),
        "stck_hgpr": won(state.high),
        "stck_lwpr": won(state.low),
        "stck_mxpr": won(state.upper),
        "stck_llam": won(state.lower),
        "stck_sdpr": won(state.base),
        "wghn_avrg_stck_prc": rate(Decimal(avg)),
        "aspr_unit": won(state.tick),
        "temp_stop_yn": "Y" if state.halted else "N",
        "vi_cls_code": state.vi,
        "ovtm_vi_cls_code": "N",
        "mrkt_warn_cls_code": "00",
        "invt_caful_yn": "N",
        "short_over_yn": "N",
        "sltr_yn": "N",
        "mang_issu_cls_code": "N",
        "marg_rate": "20.00",
        "crdt_able_yn": "Y",
    }


async def inquire_price(ctx: SimContext, call: Call) -> Response:
    """The current price and the day's limits of one symbol."""
    market = require(call, "FID_COND_MRKT_DIV_CODE")
    code = require(call, "FID_INPUT_ISCD")
    state = ctx.feed.get(code)
    if market not in MARKETS or state is None:
        # Unknown symbols answer with an empty output at KIS; keep that shape.
        return answer(envelope("0", *ok_message(call), output={}), call.tr_id)
    return answer(envelope("0", *ok_message(call), output=_price_output(state)), call.tr_id)


async def chk_holiday(ctx: SimContext, call: Call) -> Response:
    """Business / trading / open days from BASS_DT onward (cursors without `100`)."""
    start = parse_date(require(call, "BASS_DT"), "BASS_DT")
    days = [start + timedelta(days=i) for i in range(ctx.pages.holidays * 3)]
    rows = [
        {
            "bass_dt": day.strftime("%Y%m%d"),
            # 01 Sunday … 07 Saturday
            "wday_dvsn_cd": f"{(day.isoweekday() % 7) + 1:02d}",
            "bzdy_yn": "Y" if is_business_day(day) else "N",
            "tr_day_yn": "Y" if is_business_day(day) else "N",
            "opnd_yn": "Y" if is_trading_day(day) else "N",
            "sttl_day_yn": "Y" if is_trading_day(day) else "N",
        }
        for day in days
    ]
    page, tr_cont, cursors = paginate(rows, call, ctx.pages.holidays, suffix="")
    body = envelope("0", *ok_message(call), output=page, **cursors)
    return answer(body, call.tr_id, tr_cont=tr_cont)
