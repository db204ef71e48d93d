"""Settling an unconfirmed order against the broker's orders of the day (pure).

KIS orders carry no client id, so an order we could not confirm is recognised by what it
asked for: same symbol, side, type, quantity and (for limits) price, placed at or after we
sent it, under a broker order number no other order of ours has claimed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from hantu.domain.enums import OrderType
from hantu.domain.order import Order
from hantu.domain.reports import BrokerOrderReport
from hantu.domain.values import BrokerOrderId

# KIS reports order time to the second (ORD_TMD HHMMSS) and clocks drift a little.
CLOCK_TOLERANCE = timedelta(seconds=2)


def find_report(
    order: Order,
    reports: Iterable[BrokerOrderReport],
    claimed: Set[BrokerOrderId],
    *,
    tolerance: timedelta = CLOCK_TOLERANCE,
) -> BrokerOrderReport | None:
    """Return the earliest unclaimed report that can only be this order, else None."""
    candidates = [
        r for r in reports if r.broker_order_id not in claimed and could_be(order, r, tolerance)
    ]
    candidates.sort(key=lambda r: (r.ordered_at, r.broker_order_id))
    return candidates[0] if candidates else None


def could_be(
    order: Order, report: BrokerOrderReport, tolerance: timedelta = CLOCK_TOLERANCE
) -> bool:
    """Whether the broker order has the order's terms and was placed no earlier than it."""
    # No upper bound on the order time: an order the broker processed late must still be
    # found, or a retry would buy twice. Claiming a manual order with the same terms is the
    # lesser error (nothing is placed twice) and shows up at the next reconciliation.
    return (
        report.original_broker_order_id is None  # modify/cancel rows are not new orders
        and report.symbol == order.symbol
        and report.side is order.side
        and report.order_type is order.order_type
        and report.quantity == order.quantity
        and _same_price(order, report.price)
        and report.ordered_at >= order.created_at - tolerance
    )


def _same_price(order: Order, price: Decimal | None) -> bool:
    if order.order_type is OrderType.MARKET:
        return True  # KIS shows market orders with ORD_UNPR "0"
    return price is not None and order.price is not None and price == order.price


class Verdict(StrEnum):
    FOUND = "found"
    ABSENT = "absent"
    WAIT = "wait"


@dataclass(frozen=True, slots=True)
class Settlement:
    verdict: Verdict
    broker_order_id: BrokerOrderId | None = None


def decide(
    order: Order,
    report: BrokerOrderReport | None,
    *,
    now: datetime,
    grace: timedelta,
    list_complete: bool = True,
) -> Settlement:
    """Found when a report matches; absent only when the full list lacks it past the grace."""
    if report is not None:
        return Settlement(Verdict.FOUND, report.broker_order_id)
    if list_complete and now - order.created_at >= grace:
        return Settlement(Verdict.ABSENT)
    return Settlement(Verdict.WAIT)


@dataclass(frozen=True, slots=True)
class Assignment:
    order: Order
    verdict: Verdict
    report: BrokerOrderReport | None = None


def assign(
    pending: Sequence[tuple[Order, Sequence[BrokerOrderReport] | None]],
    in_flight: Iterable[Order],
    claimed: Set[BrokerOrderId],
    *,
    now: datetime,
    grace: timedelta,
    tolerance: timedelta = CLOCK_TOLERANCE,
) -> list[Assignment]:
    """Match unsettled orders one-to-one to unclaimed broker orders, oldest order first.

    `pending` pairs each order to settle with the broker's orders it may be (None when the
    list is incomplete). An order still in flight will learn its broker order from its own
    answer, so a broker order it could be is not taken from it: the settling order waits.
    Of n indistinguishable orders and m broker orders, m are found and n - m are absent.
    """
    waiting_for_answers = list(in_flight)
    taken = set(claimed)
    result: list[Assignment] = []
    for order, reports in sorted(pending, key=lambda p: (p[0].created_at, p[0].id)):
        match = find_report(order, reports or [], taken, tolerance=tolerance)
        if match is not None:
            taken.add(match.broker_order_id)
            if any(could_be(other, match, tolerance) for other in waiting_for_answers):
                result.append(Assignment(order, Verdict.WAIT))
                continue
        settled = decide(order, match, now=now, grace=grace, list_complete=reports is not None)
        result.append(Assignment(order, settled.verdict, match))
    return result
