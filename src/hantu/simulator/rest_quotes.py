"""Quotations: `quotations/inquire-price` (FHKST01010100) and `quotations/chk-holiday`
(CTCA0903R), reference §4.7 and §4.8.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from starlette.responses import Response

from hantu.simulator.calendar import is_business_day, is_trading_day, seoul
from hantu.simulator.feed import SymbolState
from hantu.simulator.layouts import PRICE_OUTPUT, emit
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
from hantu.simulator.rest_products import Listing

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


def _price_output(state: SymbolState, today: str) -> dict[str, str]:
    change = state.last - state.base
    avg = state.value / state.volume if state.volume else state.last
    values = {
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
        "prdy_vrss_vol_rate": "0.00",
        "stck_oprc": won(state.open),
        "stck_hgpr": won(state.high),
        "stck_lwpr": won(state.low),
        "stck_mxpr": won(state.upper),
        "stck_llam": won(state.lower),
        "stck_sdpr": won(state.base),
        "wghn_avrg_stck_prc": rate(Decimal(avg)),
        "rstc_wdth_prc": won(state.upper - state.base),
        "stck_sspr": won(state.base * Decimal("0.7")),
        "aspr_unit": won(state.tick),
        "hts_deal_qty_unit_val": "1",
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
        "ssts_yn": "Y",
    }
    values |= _pivots(state) | _fundamentals(state) | _ranges(state, today)
    return emit(PRICE_OUTPUT, values)


def _pivots(state: SymbolState) -> dict[str, str]:
    """Classic floor pivots on the day's high, low and last."""
    high, low = state.high, state.low
    pivot = (high + low + state.last) / 3
    return {
        "pvt_scnd_dmrs_prc": won(pivot + high - low),
        "pvt_frst_dmrs_prc": won(2 * pivot - low),
        "pvt_pont_val": won(pivot),
        "pvt_frst_dmsp_prc": won(2 * pivot - high),
        "pvt_scnd_dmsp_prc": won(pivot - high + low),
        "dmrs_val": won(2 * pivot - low),
        "dmsp_val": won(2 * pivot - high),
    }


def _fundamentals(state: SymbolState) -> dict[str, str]:
    """Listing facts and ratios: EPS a tenth of the base price, BPS five sixths of it."""
    listing = Listing(state.code)
    eps = state.base / 10
    bps = state.base * 5 / 6
    return {
        "cpfn": won(listing.capital / 100_000_000),  # 억원
        "stck_fcam": str(listing.par_value),
        "fcam_cnnm": "원",
        "cpfn_cnnm": "억",
        "lstn_stcn": str(listing.shares),
        "hts_avls": won(state.last * listing.shares / 100_000_000),  # 억원
        "per": rate(state.last / eps),
        "pbr": rate(state.last / bps),
        "eps": rate(eps),
        "bps": rate(bps),
        "stac_month": "12",
        "vol_tnrt": rate(Decimal(state.volume * 100) / listing.shares),
        "hts_frgn_ehrt": "0.00",
        "whol_loan_rmnd_rate": "0.00",
        "apprch_rate": "0.00",
    }


def _ranges(state: SymbolState, today: str) -> dict[str, str]:
    """250-day, yearly and 52-week extremes: the simulator's memory is one day long."""
    high, low = max(state.high, state.base), min(state.low, state.base)
    from_high = rate((state.last - high) / high * 100)
    from_low = rate((state.last - low) / low * 100)
    values: dict[str, str] = {}
    for high_name, low_name, stem, suffix in (
        ("d250_hgpr", "d250_lwpr", "d250_", "_rate"),
        ("stck_dryy_hgpr", "stck_dryy_lwpr", "dryy_", "_rate"),
        ("w52_hgpr", "w52_lwpr", "w52_", "_ctrt"),
    ):
        values[high_name], values[low_name] = won(high), won(low)
        values[f"{stem}hgpr_date"] = values[f"{stem}lwpr_date"] = today
        values[f"{stem}hgpr_vrss_prpr{suffix}"] = from_high
        values[f"{stem}lwpr_vrss_prpr{suffix}"] = from_low
    return values


async def inquire_price(ctx: SimContext, call: Call) -> Response:
    """The current price and the day's limits of one symbol."""
    market = require(call, "FID_COND_MRKT_DIV_CODE")
    code = require(call, "FID_INPUT_ISCD")
    state = ctx.feed.get(code)
    if market not in MARKETS or state is None:
        # Unknown symbols answer with an empty output at KIS; keep that shape.
        return answer(envelope("0", *ok_message(call), output={}), call.tr_id)
    today = seoul(ctx.clock.now()).strftime("%Y%m%d")
    output = _price_output(state, today)
    return answer(envelope("0", *ok_message(call), output=output), call.tr_id)


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
