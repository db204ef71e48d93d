"""Product information: `quotations/search-info` (CTPF1604R, 상품기본조회) and
`quotations/search-stock-info` (CTPF1002R, 주식기본조회).

python-kis resolves every stock through search-info (`kis.stock()`), so a simulator
without it is unusable there. KIS paper has neither TR (reference §4.9); the simulator
answers both for every account, as it does inquire-psbl-rvsecncl. The facts a listing
has and the feed does not (shares, par value, ISIN) are fixed, plausible constants.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from starlette.responses import Response

from hantu.simulator.feed import SymbolState
from hantu.simulator.layouts import SEARCH_INFO_OUTPUT, SEARCH_STOCK_INFO_OUTPUT, emit
from hantu.simulator.rest_common import Call, SimContext, answer, envelope, require, won

SEARCH_INFO_TR_IDS = frozenset({"CTPF1604R"})
SEARCH_STOCK_INFO_TR_IDS = frozenset({"CTPF1002R"})
STOCK_PRODUCT_TYPE = "300"  # 주식; python-kis asks 300 for every KRX symbol
LISTED = "20000101"
FOREVER = "99991231"
NOT_FOUND = ("7", "KIOK0560", "조회할 내용이 없습니다")  # python-kis reads rt_cd 7 as "no data"


@dataclass(frozen=True, slots=True)
class Listing:
    """What a symbol's listing says: shares, par value, ISIN."""

    code: str
    shares: int = 100_000_000
    par_value: int = 500

    @property
    def isin(self) -> str:
        """The standard code, `KR7` + code + `00` + check digit (`KR7005930003`)."""
        body = f"KR7{self.code}00"
        return body + isin_check_digit(body)

    @property
    def capital(self) -> Decimal:
        """자본금 in won: shares × par value."""
        return Decimal(self.shares * self.par_value)


def isin_check_digit(body: str) -> str:
    """The ISIN check digit: letters as two-digit numbers, then Luhn (ISO 6166)."""
    digits = "".join(str(int(ch, 36)) for ch in body)
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n // 10 + n % 10
    return str((10 - total % 10) % 10)


def _names(state: SymbolState) -> dict[str, str]:
    return {
        "pdno": f"00000A{state.code}",  # KIS's 12-character product number
        "prdt_type_cd": STOCK_PRODUCT_TYPE,
        "prdt_name": state.name,
        "prdt_name120": state.name,
        "prdt_abrv_name": state.name,
        "prdt_eng_name": f"SIM {state.code}",
        "prdt_eng_name120": f"SIM {state.code}",
        "prdt_eng_abrv_name": f"SIM {state.code}",
        "std_pdno": Listing(state.code).isin,
    }


def _search_info(state: SymbolState) -> dict[str, str]:
    values = _names(state) | {
        "shtn_pdno": state.code,
        "prdt_sale_stat_cd": "00",
        "prdt_clsf_cd": "101210",
        "prdt_clsf_name": "주권",
        "sale_strt_dt": LISTED,
        "sale_end_dt": FOREVER,
        "wrap_asst_type_cd": "00",
        "ivst_prdt_type_cd": "1012",
        "ivst_prdt_type_cd_name": "보통주",
        "frst_erlm_dt": LISTED,
    }
    return emit(SEARCH_INFO_OUTPUT, values)


def _search_stock_info(state: SymbolState) -> dict[str, str]:
    listing = Listing(state.code)
    values = _names(state) | {
        "mket_id_cd": "STK",
        "scty_grp_id_cd": "ST",
        "excg_dvsn_cd": "02",
        "setl_mmdd": "1231",
        "lstg_stqt": str(listing.shares),
        "lstg_cptl_amt": won(listing.capital),
        "cpta": won(listing.capital),
        "papr": str(listing.par_value),
        "issu_pric": str(listing.par_value),
        "scts_mket_lstg_dt": LISTED,
        "stck_kind_cd": "101",
        "sbst_pric": won(state.base * Decimal("0.7")),
        "thco_sbst_pric": won(state.base * Decimal("0.7")),
        "tr_stop_yn": "Y" if state.halted else "N",
        "thdt_clpr": won(state.last),
        "bfdy_clpr": won(state.base),
        "std_idst_clsf_cd": "032604",
        "std_idst_clsf_cd_name": "시뮬레이터",
        "elec_scty_yn": "Y",
        "cptt_trad_tr_psbl_yn": "Y",
    }
    return emit(SEARCH_STOCK_INFO_OUTPUT, values)


def _product(
    ctx: SimContext, call: Call, build: Callable[[SymbolState], dict[str, str]]
) -> Response:
    state = ctx.feed.get(require(call, "PDNO"))
    if state is None or require(call, "PRDT_TYPE_CD") != STOCK_PRODUCT_TYPE:
        return answer(envelope(*NOT_FOUND), call.tr_id)
    return answer(envelope("0", "KIOK0530", "조회되었습니다", output=build(state)), call.tr_id)


async def search_info(ctx: SimContext, call: Call) -> Response:
    """상품기본조회: names and codes of one product (PDNO, PRDT_TYPE_CD)."""
    return _product(ctx, call, _search_info)


async def search_stock_info(ctx: SimContext, call: Call) -> Response:
    """주식기본조회: listing facts of one stock (PDNO, PRDT_TYPE_CD)."""
    return _product(ctx, call, _search_stock_info)
