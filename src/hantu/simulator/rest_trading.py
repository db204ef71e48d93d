"""Order endpoints: `trading/order-cash` and `trading/order-rvsecncl` (reference §4.1, §4.2).

Both generations of TR IDs are accepted, real and paper (`V` prefix), as §1.2 asks of a
simulator. Success answers APBK0013 for real TR IDs and the numeric 40600000 family for
paper ones (reference §4.1); output keys are upper-case in these TRs.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from starlette.responses import Response

from hantu.domain.enums import Side
from hantu.simulator.calendar import seoul
from hantu.simulator.layouts import ORDER_OUTPUT, emit
from hantu.simulator.matching import BAD_QTY, OrderRejected, SimOrder
from hantu.simulator.rest_common import Call, SimContext, answer, envelope, require

BUY_TR_IDS = frozenset({"TTTC0012U", "VTTC0012U", "TTTC0802U", "VTTC0802U"})
SELL_TR_IDS = frozenset({"TTTC0011U", "VTTC0011U", "TTTC0801U", "VTTC0801U"})
ORDER_TR_IDS = BUY_TR_IDS | SELL_TR_IDS
RVSECNCL_TR_IDS = frozenset({"TTTC0013U", "VTTC0013U", "TTTC0803U", "VTTC0803U"})
VENUES = frozenset({"", "KRX", "NXT", "SOR"})

_PAPER_DONE = {
    "buy": "모의투자 매수주문이 완료 되었습니다.",
    "sell": "모의투자 매도주문이 완료 되었습니다.",
    "modify": "모의투자 정정주문이 완료 되었습니다.",
    "cancel": "모의투자 취소주문이 완료 되었습니다.",
}


def _qty(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise OrderRejected(*BAD_QTY) from None


def _price(raw: str) -> Decimal:
    try:
        value = Decimal(raw or "0")
    except InvalidOperation:
        raise OrderRejected("APBK0507", "주문단가가 올바르지 않습니다.") from None
    if not value.is_finite() or value < 0:
        raise OrderRejected("APBK0507", "주문단가가 올바르지 않습니다.")
    return value


def _accepted(call: Call, order: SimOrder, what: str) -> Response:
    if call.paper:
        code, message = "40600000", _PAPER_DONE[what]
    else:
        code, message = "APBK0013", "주문 전송 완료 되었습니다."
    output = {
        "KRX_FWDG_ORD_ORGNO": order.branch,
        "ODNO": order.odno,
        "ORD_TMD": seoul(order.placed_at).strftime("%H%M%S"),
    }
    output = emit(ORDER_OUTPUT, output)
    return answer(envelope("0", code, message, output=output), call.tr_id)


def _rejected(call: Call, exc: OrderRejected) -> Response:
    return answer(envelope("1", exc.msg_cd, exc.msg1), call.tr_id)


def _check_venue(call: Call) -> None:
    if call.params.get("EXCG_ID_DVSN_CD", "").strip() not in VENUES:
        raise OrderRejected("APBK0512", "거래소구분코드가 올바르지 않습니다.")


async def order_cash(ctx: SimContext, call: Call) -> Response:
    """Place a cash buy or sell (TTTC0012U/TTTC0011U and their old and paper twins)."""
    side = Side.BUY if call.tr_id in BUY_TR_IDS else Side.SELL
    symbol = require(call, "PDNO")
    ord_dvsn = require(call, "ORD_DVSN")
    raw_qty, raw_price = require(call, "ORD_QTY"), require(call, "ORD_UNPR")
    injected = ctx.faults.take_reject()
    if injected is not None:
        return _rejected(call, OrderRejected(*injected))
    try:
        _check_venue(call)
        order = ctx.engine.place(
            call.account, symbol, side, ord_dvsn, _qty(raw_qty), _price(raw_price)
        )
    except OrderRejected as exc:
        return _rejected(call, exc)
    return _accepted(call, order, "buy" if side is Side.BUY else "sell")


async def order_rvsecncl(ctx: SimContext, call: Call) -> Response:
    """Modify (`01`) or cancel (`02`) an open order (TTTC0013U and twins)."""
    require(call, "KRX_FWDG_ORD_ORGNO")
    orgn_odno = require(call, "ORGN_ODNO")
    kind = require(call, "RVSE_CNCL_DVSN_CD")
    ord_dvsn = require(call, "ORD_DVSN")
    raw_qty, raw_price = require(call, "ORD_QTY"), require(call, "ORD_UNPR")
    all_qty = require(call, "QTY_ALL_ORD_YN").upper() == "Y"
    injected = ctx.faults.take_reject()
    if injected is not None:
        return _rejected(call, OrderRejected(*injected))
    try:
        _check_venue(call)
        qty = None if all_qty else _qty(raw_qty)
        if kind == "02":
            order = ctx.engine.cancel(call.account, orgn_odno, qty)
            return _accepted(call, order, "cancel")
        if kind != "01":
            raise OrderRejected("APBK0513", "정정취소구분코드가 올바르지 않습니다.")
        order = ctx.engine.modify(call.account, orgn_odno, ord_dvsn, qty, _price(raw_price))
    except OrderRejected as exc:
        return _rejected(call, exc)
    return _accepted(call, order, "modify")
