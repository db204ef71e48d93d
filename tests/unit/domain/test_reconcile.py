"""The unconfirmed-order matcher (pure): what counts as the same order at the broker."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from hantu.domain.enums import OrderType, Side
from hantu.domain.reconcile import Verdict, decide, find_report
from hantu.domain.reports import BrokerOrderReport, BrokerOrderState
from hantu.domain.values import BrokerOrderId, Price, Quantity, Symbol
from tests.builders import T0, an_order

SAMSUNG = Symbol("005930")


def report(broker_id: str = "0000000001", **changes: Any) -> BrokerOrderReport:
    plain = BrokerOrderReport(
        broker_order_id=BrokerOrderId(broker_id),
        symbol=SAMSUNG,
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=Quantity(10),
        price=Price(70_000),
        filled_quantity=Quantity(0),
        average_fill_price=None,
        state=BrokerOrderState.OPEN,
        ordered_at=T0 + timedelta(seconds=1),
    )
    return replace(plain, **changes)


def test_find_report_same_params_after_send_matches() -> None:
    assert find_report(an_order(), [report()], set()) == report()


def test_find_report_differing_quantity_side_symbol_or_price_does_not_match() -> None:
    order = an_order()
    others = [
        report(quantity=Quantity(11)),
        report(side=Side.SELL),
        report(symbol=Symbol("000660")),
        report(price=Price(70_100)),
        report(order_type=OrderType.MARKET, price=None),
    ]

    assert all(find_report(order, [r], set()) is None for r in others)


def test_find_report_placed_before_our_send_does_not_match() -> None:
    early = report(ordered_at=T0 - timedelta(seconds=30))

    assert find_report(an_order(), [early], set()) is None


def test_find_report_second_resolution_skew_within_tolerance_matches() -> None:
    truncated = report(ordered_at=T0 - timedelta(milliseconds=900))

    assert find_report(an_order(at=T0), [truncated], set()) == truncated


def test_find_report_claimed_broker_id_is_skipped_for_the_next_one() -> None:
    first, second = report("0000000001"), report("0000000002")

    match = find_report(an_order(), [first, second], {BrokerOrderId("0000000001")})

    assert match == second


def test_find_report_cancel_rows_are_not_new_orders() -> None:
    cancel_row = report("0000000009", original_broker_order_id=BrokerOrderId("0000000001"))

    assert find_report(an_order(), [cancel_row], set()) is None


def test_find_report_market_order_ignores_the_zero_price_kis_shows() -> None:
    order = an_order(order_type=OrderType.MARKET)

    match = find_report(order, [report(order_type=OrderType.MARKET, price=Price(0))], set())

    assert match is not None


def test_find_report_several_candidates_takes_the_earliest() -> None:
    late = report("0000000002", ordered_at=T0 + timedelta(seconds=5))
    early = report("0000000003", ordered_at=T0 + timedelta(seconds=2))

    assert find_report(an_order(), [late, early], set()) == early


def test_decide_absent_only_after_grace_and_with_a_complete_list() -> None:
    order = an_order(at=T0)
    grace = timedelta(seconds=30)

    young = decide(order, None, now=T0 + timedelta(seconds=10), grace=grace)
    old = decide(order, None, now=T0 + timedelta(seconds=31), grace=grace)
    partial = decide(order, None, now=T0 + timedelta(seconds=31), grace=grace, list_complete=False)
    found = decide(order, report(), now=T0, grace=grace)

    assert (young.verdict, old.verdict, partial.verdict) == (
        Verdict.WAIT,
        Verdict.ABSENT,
        Verdict.WAIT,
    )
    assert found.verdict is Verdict.FOUND
    assert found.broker_order_id == BrokerOrderId("0000000001")
