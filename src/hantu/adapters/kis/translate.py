"""Pure translation between KIS fields and domain values / the broker port's dataclasses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from hantu.domain.enums import OrderType, Side
from hantu.domain.exits import Candle
from hantu.domain.reports import BrokerOrderReport, BrokerOrderState, FillNotice
from hantu.domain.values import BrokerOrderId, FillId, Money, Price, Quantity, Symbol
from hantu.errors import BrokerUnavailable, ConfigError, UnknownSymbol
from hantu.service_layer.ports import (
    Balance,
    BrokerOrder,
    Holding,
    Quote,
)

from .realtime import ExecutionNotice
from .schemas import (
    BalanceSummary,
    BuyableAnswer,
    DailyBarRow,
    DailyOrderRow,
    HoldingRow,
    PriceAnswer,
)

SEOUL = ZoneInfo("Asia/Seoul")

# SLL_BUY_DVSN_CD / SELN_BYOV_CLS (reference §4.4, §7.3)
_SIDE_CODE = {Side.SELL: "01", Side.BUY: "02"}
_CODE_SIDE = {code: side for side, code in _SIDE_CODE.items()}
# ORD_DVSN (reference §8.1): only the two types the domain knows.
_TYPE_CODE = {OrderType.LIMIT: "00", OrderType.MARKET: "01"}
_CODE_TYPE = {code: kind for kind, code in _TYPE_CODE.items()}


def split_account(account: str) -> tuple[str, str]:
    """Split `12345678-01` into CANO and ACNT_PRDT_CD."""
    digits = account.replace("-", "")
    if len(digits) != 10 or not digits.isdigit():
        raise ConfigError("KIS account must be 8+2 digits")
    return digits[:8], digits[8:]


def side_of(code: str) -> Side:
    """Side from SLL_BUY_DVSN_CD / SELN_BYOV_CLS."""
    try:
        return _CODE_SIDE[code.strip()]
    except KeyError:
        raise BrokerUnavailable(f"unknown KIS side code {code!r}") from None


def order_type_code(order_type: OrderType) -> str:
    """KIS ORD_DVSN for an order type."""
    return _TYPE_CODE[order_type]


def order_type_of(code: str) -> OrderType:
    """Order type from ORD_DVSN; other KIS types read as limit orders."""
    return _CODE_TYPE.get(code.strip(), OrderType.LIMIT)


def decimal_of(raw: str, default: Decimal | None = None) -> Decimal:
    """Parse a KIS numeric string ("", "0000123", "-5.25")."""
    text = raw.strip()
    if not text:
        if default is None:
            raise BrokerUnavailable("KIS sent an empty number")
        return default
    try:
        return Decimal(text)
    except InvalidOperation:
        raise BrokerUnavailable(f"KIS sent a malformed number {raw!r}") from None


def order_cash_body(account: str, order: BrokerOrder) -> dict[str, str]:
    """Body of order-cash (TTTC0012U buy / TTTC0011U sell): upper-case keys, string values."""
    cano, product = split_account(account)
    if order.order_type is OrderType.LIMIT and order.price is None:
        raise ConfigError("a limit order needs a price")
    price = "0" if order.order_type is OrderType.MARKET else _plain(order.price)
    body = {
        "CANO": cano,
        "ACNT_PRDT_CD": product,
        "PDNO": order.symbol.code,
        "ORD_DVSN": order_type_code(order.order_type),
        "ORD_QTY": _plain(order.quantity),
        "ORD_UNPR": price,
        "EXCG_ID_DVSN_CD": "KRX",
    }
    if order.side is Side.SELL:
        body["SLL_TYPE"] = "01"  # normal sale (not discretionary / borrowed stock)
    return body


def cancel_body(
    account: str, org_no: str, broker_order_id: str, quantity: Quantity | None
) -> dict[str, str]:
    """Body of order-rvsecncl (TTTC0013U) cancelling all (or part) of an order."""
    cano, product = split_account(account)
    return {
        "CANO": cano,
        "ACNT_PRDT_CD": product,
        "KRX_FWDG_ORD_ORGNO": org_no,
        "ORGN_ODNO": broker_order_id,
        "ORD_DVSN": "00",
        "RVSE_CNCL_DVSN_CD": "02",
        "ORD_QTY": "0" if quantity is None else _plain(quantity),
        "ORD_UNPR": "0",
        "QTY_ALL_ORD_YN": "Y" if quantity is None else "N",
        "EXCG_ID_DVSN_CD": "KRX",
    }


def modify_body(
    account: str,
    org_no: str,
    broker_order_id: str,
    order_type: OrderType,
    price: Decimal | None,
    quantity: Quantity | None,
) -> dict[str, str]:
    """Body of order-rvsecncl (TTTC0013U) modifying price or type (RVSE_CNCL_DVSN_CD=01)."""
    if order_type is OrderType.LIMIT and price is None:
        raise ConfigError("a limit modification needs a price")
    body = cancel_body(account, org_no, broker_order_id, quantity)
    body["ORD_DVSN"] = order_type_code(order_type)
    body["RVSE_CNCL_DVSN_CD"] = "01"
    body["ORD_UNPR"] = "0" if order_type is OrderType.MARKET else _plain(price)
    return body


def _plain(value: Decimal | None) -> str:
    if value is None:
        return "0"
    return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)


def kst_datetime(day: str, hhmmss: str) -> datetime:
    """`YYYYMMDD` + `HHMMSS` in Seoul → an aware UTC datetime."""
    stamp = day + hhmmss.ljust(6, "0")[:6]
    if len(stamp) != 14 or not stamp.isdigit():
        raise BrokerUnavailable(f"KIS sent a malformed date/time {stamp!r}")
    try:
        local = datetime(
            int(stamp[0:4]),
            int(stamp[4:6]),
            int(stamp[6:8]),
            int(stamp[8:10]),
            int(stamp[10:12]),
            int(stamp[12:14]),
            tzinfo=SEOUL,
        )
    except ValueError:
        raise BrokerUnavailable(f"KIS sent an impossible date/time {stamp!r}") from None
    return local.astimezone(UTC)


def kst_date(moment: datetime) -> date:
    """The Seoul calendar day of an aware instant."""
    return moment.astimezone(SEOUL).date()


def _broker_id(raw: str) -> BrokerOrderId | None:
    text = raw.strip()
    return BrokerOrderId(text) if text and text.strip("0") else None


def order_state(row: DailyOrderRow) -> BrokerOrderState:
    """Settle a daily-orders row into the port's coarse state."""
    ordered = decimal_of(row.ord_qty, Decimal(0))
    filled = decimal_of(row.tot_ccld_qty, Decimal(0))
    canceled = decimal_of(row.cnc_cfrm_qty, Decimal(0))
    rejected = decimal_of(row.rjct_qty, Decimal(0))
    remaining = decimal_of(row.rmn_qty, ordered - filled - canceled - rejected)
    if ordered > 0 and filled >= ordered:
        return BrokerOrderState.FILLED
    if rejected > 0 and filled == 0 and canceled == 0:
        return BrokerOrderState.REJECTED
    if canceled > 0 or (row.cncl_yn.strip() == "Y" and remaining <= 0):
        return BrokerOrderState.CANCELED
    if ordered > 0 and remaining <= 0:
        # Nothing left and not all filled: the rest moved into a modify order (TTTC0013U),
        # whose own row links back through orgn_odno. This order can no longer fill.
        return BrokerOrderState.CANCELED
    return BrokerOrderState.OPEN


def order_report(row: DailyOrderRow) -> BrokerOrderReport:
    """One inquire-daily-ccld row → the port's report."""
    order_type = order_type_of(row.ord_dvsn_cd)
    price = decimal_of(row.ord_unpr, Decimal(0))
    filled = Quantity(decimal_of(row.tot_ccld_qty, Decimal(0)))
    average = decimal_of(row.avg_prvs, Decimal(0))
    odno = _broker_id(row.odno)
    if odno is None:
        raise BrokerUnavailable("KIS sent a daily-orders row without an order number")
    return BrokerOrderReport(
        broker_order_id=odno,
        symbol=Symbol(row.pdno.strip()),
        side=side_of(row.sll_buy_dvsn_cd),
        order_type=order_type,
        quantity=Quantity(decimal_of(row.ord_qty, Decimal(0))),
        price=Price(price) if price > 0 else None,
        filled_quantity=filled,
        average_fill_price=Price(average) if filled > 0 and average > 0 else None,
        state=order_state(row),
        ordered_at=kst_datetime(row.ord_dt.strip(), row.ord_tmd.strip()),
        original_broker_order_id=_broker_id(row.orgn_odno),
    )


def holding_of(row: HoldingRow) -> Holding | None:
    """One inquire-balance holding; None for the zero rows KIS keeps until D+2."""
    quantity = decimal_of(row.hldg_qty, Decimal(0))
    if quantity <= 0:
        return None
    return Holding(
        symbol=Symbol(row.pdno.strip()),
        quantity=Quantity(quantity),
        average_price=Price(decimal_of(row.pchs_avg_pric, Decimal(0))),
        current_price=_positive_price(row.prpr),
    )


def balance_of(rows: Sequence[HoldingRow], summary: BalanceSummary) -> Balance:
    """Holdings and cash; cash is the D+2 provisional amount, as buying power follows it."""
    # prvs_rcdl_excc_amt already nets today's buys and sells (settled at D+2); dnca_tot_amt
    # is the raw deposit and would double-count cash spent today.
    cash = decimal_of(summary.prvs_rcdl_excc_amt, decimal_of(summary.dnca_tot_amt, Decimal(0)))
    holdings = [h for h in (holding_of(row) for row in rows) if h is not None]
    return Balance(
        cash=Money(cash),
        holdings=holdings,
        deposit=_money(summary.dnca_tot_amt),
        stock_value=_money(summary.scts_evlu_amt),
        total_value=_money(summary.tot_evlu_amt),
        purchase_total=_money(summary.pchs_amt_smtl_amt),
        evaluation_pnl=_money(summary.evlu_pfls_smtl_amt),
    )


def _money(raw: str) -> Money | None:
    # An absent summary field stays None: "not reported" must not read as 0원.
    return Money(decimal_of(raw)) if raw.strip() else None


def buying_power_of(answer: BuyableAnswer) -> Money:
    """inquire-psbl-order (TTTC8908R) → 주문가능금액 (ord_psbl_cash)."""
    return Money(decimal_of(answer.ord_psbl_cash, Decimal(0)))


def candle_of(row: DailyBarRow) -> Candle:
    """A daily bar (FHKST03010100 `output2`) as the exit rules' candle."""
    return Candle(
        high=decimal_of(row.stck_hgpr, Decimal(0)),
        low=decimal_of(row.stck_lwpr, Decimal(0)),
        close=decimal_of(row.stck_clpr, Decimal(0)),
    )


def quote_of(symbol: Symbol, answer: PriceAnswer) -> Quote:
    """inquire-price (FHKST01010100) → Quote with the day's price limits and tick."""
    price = decimal_of(answer.stck_prpr, Decimal(0))
    if price <= 0:
        # KIS answers rt_cd "0" for a code it does not list, with an empty output or a
        # price of "0": a definitive no, not a broken answer.
        raise UnknownSymbol(f"KIS lists no symbol with code {symbol.code}")
    return Quote(
        symbol=symbol,
        price=Price(price),
        upper_limit=_positive_price(answer.stck_mxpr),
        lower_limit=_positive_price(answer.stck_llam),
        tick=_positive_price(answer.aspr_unit),
        halted=answer.temp_stop_yn.strip().upper() == "Y",
        vi_active=answer.vi_cls_code.strip().upper() not in _NO_VI,
    )


_NO_VI = frozenset({"", "N", "0"})  # vi_cls_code with no VI on: KIS sends N


def _positive_price(raw: str) -> Price | None:
    value = decimal_of(raw, Decimal(0))
    return Price(value) if value > 0 else None


class FillIdentity:
    """Gives each execution notice a stable fill id; KIS notices carry none (§7.3).

    The id is built from what the notice says (day, order number, time, quantity, price),
    plus a counter for identical notices within this process, so two equal prints in the
    same second stay two fills while a notice replayed after a restart keeps its first id.
    The counters are kept per day and a new day forgets the earlier ones: every id holds
    its day, so no later notice can collide with them.
    """

    def __init__(self) -> None:
        self._seen: dict[date, dict[str, int]] = {}

    @property
    def remembered(self) -> int:
        """How many distinct notices are counted (to show the memory stays bounded)."""
        return sum(len(counts) for counts in self._seen.values())

    def fill_of(self, notice: ExecutionNotice, day: date) -> FillNotice | None:
        """A fill notice for the port, or None for acceptances and rejections."""
        if not notice.is_fill or notice.rejected or notice.quantity <= 0:
            return None
        base = (
            f"{day:%Y%m%d}-{notice.order_no}-{notice.time}-"
            f"{_plain(notice.quantity)}@{_plain(notice.price)}"
        )
        counts = self._counts_of(day)
        occurrence = counts.get(base, 0) + 1
        counts[base] = occurrence
        return FillNotice(
            broker_order_id=BrokerOrderId(notice.order_no),
            fill_id=FillId(f"{base}#{occurrence}"),
            symbol=Symbol(notice.symbol),
            side=side_of(notice.sell_buy),
            quantity=Quantity(notice.quantity),
            price=Price(notice.price),
            filled_at=kst_datetime(f"{day:%Y%m%d}", notice.time),
        )

    def _counts_of(self, day: date) -> dict[str, int]:
        counts = self._seen.get(day)
        if counts is None:
            # A new day: drop the days before it (a late, earlier-day notice gets a
            # bucket of its own, dropped in turn at the next new day).
            self._seen = {d: c for d, c in self._seen.items() if d > day}
            counts = self._seen[day] = {}
        return counts
