"""Folding (symbol, reason) groups into the failed-order statistics (no I/O)."""

from __future__ import annotations

from decimal import Decimal

from hantu.domain.values import Symbol
from hantu.service_layer.failed_order_stats import fold
from hantu.service_layer.ports import FailedOrderGroup


def test_fold_sums_by_symbol_and_by_reason_most_frequent_first() -> None:
    groups = [
        FailedOrderGroup(Symbol("000660"), "호가 오류", count=1, retried=1, resolved=0),
        FailedOrderGroup(Symbol("005930"), "잔고 부족", count=3, retried=2, resolved=1),
        FailedOrderGroup(Symbol("005930"), "호가 오류", count=1, retried=1, resolved=1),
    ]

    stats = fold(groups)

    assert (stats.total.count, stats.total.retried, stats.total.resolved) == (5, 4, 2)
    assert stats.total.success_rate == Decimal("0.5")
    assert [(s.key, s.count, s.success_rate) for s in stats.by_symbol] == [
        ("005930", 4, Decimal("2") / Decimal("3")),
        ("000660", 1, Decimal(0)),
    ]
    assert [(r.key, r.count) for r in stats.by_reason] == [("잔고 부족", 3), ("호가 오류", 2)]


def test_fold_without_retries_has_no_success_rate() -> None:
    stats = fold([FailedOrderGroup(Symbol("005930"), "잔고 부족", 2, 0, 0)])

    assert stats.total.success_rate is None
    assert stats.by_symbol[0].success_rate is None


def test_fold_of_nothing_is_zero_lines() -> None:
    stats = fold([])

    assert (stats.total.count, stats.by_symbol, stats.by_reason) == (0, [], [])
