"""One-to-one settlement of indistinguishable orders (pure), by example and by property."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from hantu.domain.order import Order
from hantu.domain.reconcile import Verdict, assign
from hantu.domain.reports import BrokerOrderReport
from hantu.domain.values import BrokerOrderId
from tests.builders import T0, an_order
from tests.unit.domain.test_reconcile import report

GRACE = timedelta(seconds=30)


def _order(i: int) -> Order:
    return an_order(order_id=f"o{i:03d}", at=T0 + timedelta(seconds=i))


def _report(n: int, at: int) -> BrokerOrderReport:
    return report(f"{n:010d}", ordered_at=T0 + timedelta(seconds=at))


def test_assign_three_twins_two_broker_orders_finds_the_oldest_two() -> None:
    orders = [_order(i) for i in range(3)]
    reports = [_report(1, 0), _report(2, 1)]

    result = assign([(o, reports) for o in orders], [], set(), now=T0 + GRACE * 2, grace=GRACE)

    assert [(a.order.id, a.verdict) for a in result] == [
        ("o000", Verdict.FOUND),
        ("o001", Verdict.FOUND),
        ("o002", Verdict.ABSENT),
    ]
    assert {a.report.broker_order_id for a in result if a.report} == {"0000000001", "0000000002"}


def test_assign_broker_order_an_order_in_flight_could_be_is_left_to_it() -> None:
    lost, in_flight = _order(0), _order(1)  # the first never reached the broker
    theirs = [_report(1, 1)]  # the second's, its answer still on the way

    [result] = assign([(lost, theirs)], [in_flight], set(), now=T0 + GRACE * 2, grace=GRACE)

    assert result.verdict is Verdict.WAIT


def test_assign_claimed_broker_order_is_not_taken_again() -> None:
    [result] = assign(
        [(_order(0), [_report(1, 0)])],
        [],
        {BrokerOrderId("0000000001")},
        now=T0 + GRACE * 2,
        grace=GRACE,
    )

    assert result.verdict is Verdict.ABSENT


@dataclass
class _Spec:
    reached: bool  # the request got to the broker
    answered: bool  # its answer came back in time
    in_flight: bool  # still waiting for that answer during the first pass


specs = st.lists(
    st.builds(_Spec, reached=st.booleans(), answered=st.booleans(), in_flight=st.booleans()),
    min_size=1,
    max_size=12,
)


class _World:
    """The broker's book and our claims, stepped through passes, answers and retries."""

    def __init__(self) -> None:
        self.reports: list[BrokerOrderReport] = []
        self.owner: dict[BrokerOrderId, str] = {}  # broker order -> the order claiming it
        self.retries = 0

    def place(self, at: int) -> BrokerOrderReport:
        placed = _report(len(self.reports) + 1, at)
        self.reports.append(placed)
        return placed

    def claim(self, broker_id: BrokerOrderId, order: Order) -> None:
        assert broker_id not in self.owner, f"{broker_id} claimed twice"
        self.owner[broker_id] = order.id

    def settle(
        self, pending: list[Order], in_flight: list[Order], now: int, *, complete: bool = True
    ) -> list[Order]:
        """One pass; returns the orders still unsettled. Absent ones are retried (and placed)."""
        unclaimed = [r for r in self.reports if r.broker_order_id not in self.owner]
        lists = [(o, unclaimed if complete else None) for o in pending]
        at = T0 + timedelta(seconds=now)
        left = []
        for a in assign(lists, in_flight, set(), now=at, grace=GRACE):
            if a.verdict is Verdict.FOUND and a.report is not None:
                self.claim(a.report.broker_order_id, a.order)
            elif a.verdict is Verdict.ABSENT:
                self.retries += 1
                retry = an_order(order_id=f"r{self.retries}", at=at)
                self.claim(self.place(now).broker_order_id, retry)
            else:
                left.append(a.order)
        return left


@given(specs, st.integers(min_value=0, max_value=60), st.booleans())
def test_assign_with_twins_lost_requests_late_answers_and_retries_books_match_the_broker(
    signals: list[_Spec], first_pass_at: int, first_list_complete: bool
) -> None:
    world = _World()
    pending, in_flight, answers = [], [], []
    for i, spec in enumerate(signals):
        order = _order(i)
        placed = world.place(i) if spec.reached else None
        if spec.in_flight:
            in_flight.append(order)
            answers.append((order, placed if spec.answered else None))
        elif placed is not None and spec.answered:
            world.claim(placed.broker_order_id, order)
        else:
            pending.append(order)
    now = len(signals) + first_pass_at
    pending = world.settle(pending, in_flight, now, complete=first_list_complete)
    for order, placed in answers:  # the late answers arrive
        if placed is None:
            pending.append(order)
        else:
            world.claim(placed.broker_order_id, order)
    left = world.settle(pending, [], now + 120)

    assert left == []
    assert len(world.reports) == len(signals)  # one broker order per signal, retries included
    assert len(world.owner) == len(world.reports)  # each claimed, once
    assert len(set(world.owner.values())) == len(world.owner)  # by a different order
