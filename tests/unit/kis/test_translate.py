"""Pure translation between KIS fields and the broker port's values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from hantu.adapters.kis.realtime import parse_notices
from hantu.adapters.kis.schemas import BalanceSummary, DailyOrderRow, HoldingRow, PriceAnswer
from hantu.adapters.kis.translate import (
    FillIdentity,
    balance_of,
    cancel_body,
    modify_body,
    order_cash_body,
    order_report,
    quote_of,
    split_account,
)
from hantu.domain.enums import OrderType, Side
from hantu.domain.reports import BrokerOrderState
from hantu.domain.values import Price, Quantity, Symbol
from hantu.errors import BrokerUnavailable, ConfigError, UnknownSymbol
from hantu.service_layer.ports import BrokerOrder

from .frames import notice_record

ACCOUNT = "12345678-01"


def _order(side: Side = Side.BUY, kind: OrderType = OrderType.LIMIT) -> BrokerOrder:
    price = Price(70000) if kind is OrderType.LIMIT else None
    return BrokerOrder(Symbol("005930"), side, kind, Quantity(10), price)


def _row(**fields: str) -> DailyOrderRow:
    base = {
        "ord_dt": "20261120",
        "ord_gno_brno": "00950",
        "odno": "0000012345",
        "orgn_odno": "",
        "sll_buy_dvsn_cd": "02",
        "pdno": "005930",
        "ord_qty": "10",
        "ord_unpr": "70000",
        "ord_tmd": "093001",
        "tot_ccld_qty": "0",
        "avg_prvs": "0",
        "cncl_yn": "N",
        "ord_dvsn_cd": "00",
        "cnc_cfrm_qty": "0",
        "rmn_qty": "10",
        "rjct_qty": "0",
        "excg_id_dvsn_Cd": "KRX",
    }
    return DailyOrderRow.model_validate({**base, **fields})


def test_split_account_gives_cano_and_product() -> None:
    assert split_account("12345678-01") == ("12345678", "01")
    assert split_account("1234567801") == ("12345678", "01")


def test_split_account_bad_shape_is_config_error() -> None:
    with pytest.raises(ConfigError):
        split_account("1234-01")


def test_order_cash_body_limit_buy_has_uppercase_string_fields() -> None:
    body = order_cash_body(ACCOUNT, _order())

    assert body["CANO"] == "12345678"
    assert body["ACNT_PRDT_CD"] == "01"
    assert body["ORD_DVSN"] == "00"
    assert body["ORD_QTY"] == "10"
    assert body["ORD_UNPR"] == "70000"
    assert "SLL_TYPE" not in body
    assert all(isinstance(v, str) and k.isupper() for k, v in body.items())


def test_order_cash_body_market_sell_sends_price_zero() -> None:
    body = order_cash_body(ACCOUNT, _order(Side.SELL, OrderType.MARKET))

    assert body["ORD_DVSN"] == "01"
    assert body["ORD_UNPR"] == "0"
    assert body["SLL_TYPE"] == "01"


def test_cancel_body_all_remaining() -> None:
    body = cancel_body(ACCOUNT, "00950", "0000012345", None)

    assert body["RVSE_CNCL_DVSN_CD"] == "02"
    assert body["QTY_ALL_ORD_YN"] == "Y"
    assert body["ORD_QTY"] == "0"
    assert body["ORGN_ODNO"] == "0000012345"
    assert body["KRX_FWDG_ORD_ORGNO"] == "00950"


def test_cancel_body_partial_quantity() -> None:
    body = cancel_body(ACCOUNT, "00950", "1", Quantity(3))

    assert (body["QTY_ALL_ORD_YN"], body["ORD_QTY"]) == ("N", "3")


def test_order_report_open_limit_buy() -> None:
    report = order_report(_row())

    assert report.state is BrokerOrderState.OPEN
    assert report.side is Side.BUY
    assert report.order_type is OrderType.LIMIT
    assert report.price == Decimal(70000)
    assert report.filled_quantity == 0
    assert report.average_fill_price is None
    assert report.ordered_at == datetime(2026, 11, 20, 0, 30, 1, tzinfo=UTC)
    assert report.original_broker_order_id is None


def test_order_report_partial_fill_stays_open_with_average() -> None:
    report = order_report(_row(tot_ccld_qty="4", avg_prvs="70000", rmn_qty="6"))

    assert report.state is BrokerOrderState.OPEN
    assert report.filled_quantity == 4
    assert report.average_fill_price == Decimal(70000)


def test_order_report_full_fill_is_filled() -> None:
    report = order_report(_row(tot_ccld_qty="10", avg_prvs="69950", rmn_qty="0"))

    assert report.state is BrokerOrderState.FILLED


def test_order_report_cancelled_remainder_is_canceled() -> None:
    report = order_report(_row(tot_ccld_qty="4", cnc_cfrm_qty="6", rmn_qty="0", cncl_yn="Y"))

    assert report.state is BrokerOrderState.CANCELED


def test_order_report_modified_away_original_is_closed() -> None:
    report = order_report(_row(tot_ccld_qty="0", cnc_cfrm_qty="0", rmn_qty="0"))

    assert report.state is BrokerOrderState.CANCELED


def test_order_report_rejected_is_rejected() -> None:
    report = order_report(_row(rjct_qty="10", rmn_qty="0"))

    assert report.state is BrokerOrderState.REJECTED


def test_order_report_market_sell_has_no_price_and_keeps_original_id() -> None:
    report = order_report(
        _row(sll_buy_dvsn_cd="01", ord_dvsn_cd="01", ord_unpr="0", orgn_odno="0000000007")
    )

    assert report.side is Side.SELL
    assert report.order_type is OrderType.MARKET
    assert report.price is None
    assert report.original_broker_order_id == "0000000007"


def test_order_report_unknown_side_is_unavailable() -> None:
    with pytest.raises(BrokerUnavailable):
        order_report(_row(sll_buy_dvsn_cd="09"))


def test_balance_skips_zero_rows_and_uses_d2_cash() -> None:
    rows = [
        HoldingRow(pdno="005930", hldg_qty="10", pchs_avg_pric="70000.0000"),
        HoldingRow(pdno="000660", hldg_qty="0", pchs_avg_pric="0"),
    ]
    summary = BalanceSummary(dnca_tot_amt="10000000", prvs_rcdl_excc_amt="9300000")

    balance = balance_of(rows, summary)

    assert balance.cash == Decimal(9_300_000)
    assert [h.symbol.code for h in balance.holdings] == ["005930"]
    assert balance.holdings[0].average_price == Decimal(70000)


def test_balance_without_d2_falls_back_to_deposit() -> None:
    balance = balance_of([], BalanceSummary(dnca_tot_amt="500"))

    assert balance.cash == Decimal(500)


def test_quote_carries_limits() -> None:
    answer = PriceAnswer(stck_prpr="70000", stck_mxpr="91000", stck_llam="49000")

    quote = quote_of(Symbol("005930"), answer)

    assert quote.price == Decimal(70000)
    assert quote.upper_limit == Decimal(91000)
    assert quote.lower_limit == Decimal(49000)


def test_quote_with_tick_unit_carries_tick() -> None:
    answer = PriceAnswer(stck_prpr="9870", aspr_unit="5")

    assert quote_of(Symbol("069500"), answer).tick == Decimal(5)


@pytest.mark.parametrize("unit", ["", "0"])
def test_quote_without_positive_tick_unit_has_no_tick(unit: str) -> None:
    answer = PriceAnswer(stck_prpr="70000", aspr_unit=unit)

    assert quote_of(Symbol("005930"), answer).tick is None


@pytest.mark.parametrize(
    ("stop", "vi", "halted", "vi_active"),
    [
        ("N", "N", False, False),
        ("", "", False, False),
        ("Y", "N", True, False),
        ("N", "2", False, True),
        ("Y", "1", True, True),
    ],
)
def test_quote_carries_the_halt_and_vi_of_inquire_price(
    stop: str, vi: str, halted: bool, vi_active: bool
) -> None:
    answer = PriceAnswer(stck_prpr="70000", temp_stop_yn=stop, vi_cls_code=vi)

    quote = quote_of(Symbol("005930"), answer)

    assert (quote.halted, quote.vi_active) == (halted, vi_active)


@pytest.mark.parametrize(
    "output",
    [{}, {"stck_prpr": ""}, {"stck_prpr": "0", "stck_mxpr": "0", "aspr_unit": "0"}],
)
def test_quote_of_empty_or_zero_answer_is_unknown_symbol(output: dict[str, str]) -> None:
    answer = PriceAnswer.model_validate(output)

    with pytest.raises(UnknownSymbol, match="999999"):
        quote_of(Symbol("999999"), answer)


def test_fill_identity_turns_fill_notice_into_fill() -> None:
    [notice] = parse_notices("^".join(notice_record(quantity="3", price="70100")), 1)

    fill = FillIdentity().fill_of(notice, date(2026, 11, 20))

    assert fill is not None
    assert fill.broker_order_id == "0000012345"
    assert fill.quantity == Decimal(3)
    assert fill.price == Decimal(70100)
    assert fill.side is Side.BUY
    assert fill.filled_at == datetime(2026, 11, 20, 0, 30, 5, tzinfo=UTC)


def test_fill_identity_identical_prints_get_distinct_ids() -> None:
    [notice] = parse_notices("^".join(notice_record()), 1)
    identity = FillIdentity()

    first = identity.fill_of(notice, date(2026, 11, 20))
    second = identity.fill_of(notice, date(2026, 11, 20))

    assert first is not None
    assert second is not None
    assert first.fill_id != second.fill_id


def test_fill_identity_same_notice_in_new_process_keeps_id() -> None:
    [notice] = parse_notices("^".join(notice_record()), 1)

    first = FillIdentity().fill_of(notice, date(2026, 11, 20))
    again = FillIdentity().fill_of(notice, date(2026, 11, 20))

    assert first is not None
    assert again is not None
    assert first.fill_id == again.fill_id


def test_fill_identity_new_day_forgets_earlier_days_and_keeps_ids_stable() -> None:
    identity = FillIdentity()
    for n in range(500):
        [notice] = parse_notices("^".join(notice_record(order_no=f"{n:010d}")), 1)
        identity.fill_of(notice, date(2026, 11, 19))
    [notice] = parse_notices("^".join(notice_record()), 1)

    fill = identity.fill_of(notice, date(2026, 11, 20))
    fresh = FillIdentity().fill_of(notice, date(2026, 11, 20))

    assert identity.remembered == 1
    assert fill is not None
    assert fresh is not None
    assert fill.fill_id == fresh.fill_id


def test_fill_identity_same_day_keeps_counting_identical_prints() -> None:
    [notice] = parse_notices("^".join(notice_record()), 1)
    [other] = parse_notices("^".join(notice_record(order_no="0000099999")), 1)
    identity = FillIdentity()
    day = date(2026, 11, 20)

    ids = [identity.fill_of(notice, day), identity.fill_of(other, day)]
    ids.append(identity.fill_of(notice, day))

    assert [f.fill_id[-2:] for f in ids if f is not None] == ["#1", "#1", "#2"]
    assert identity.remembered == 2


@pytest.mark.parametrize(("fill", "rejected"), [(False, False), (True, True)])
def test_fill_identity_acceptance_or_rejection_is_no_fill(fill: bool, rejected: bool) -> None:
    [notice] = parse_notices("^".join(notice_record(fill=fill, rejected=rejected)), 1)

    assert FillIdentity().fill_of(notice, date(2026, 11, 20)) is None


def test_modify_body_changes_price_with_code_01() -> None:
    body = modify_body(ACCOUNT, "00950", "0000012345", OrderType.LIMIT, Price(71000), None)

    assert body["RVSE_CNCL_DVSN_CD"] == "01"
    assert (body["ORD_DVSN"], body["ORD_UNPR"], body["QTY_ALL_ORD_YN"]) == ("00", "71000", "Y")


def test_modify_body_limit_without_price_is_refused() -> None:
    with pytest.raises(ConfigError):
        modify_body(ACCOUNT, "00950", "1", OrderType.LIMIT, None, None)
