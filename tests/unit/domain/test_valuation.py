"""Valuing holdings and setting hantu beside the broker (pure, no I/O)."""

from __future__ import annotations

from decimal import Decimal

from hantu.domain.valuation import Difference, Held, combine, mark, side_by_side
from hantu.domain.values import Price, Quantity, Symbol

SAMSUNG, HYNIX = Symbol("005930"), Symbol("000660")


def _held(symbol: Symbol, quantity: int, average: str) -> Held:
    return Held(symbol, Quantity(quantity), Price(Decimal(average)))


def test_mark_of_a_loss_is_negative_with_its_rate() -> None:
    found = mark(Decimal(3), Decimal("70666.6667"), Decimal(70_000))

    assert found.market_value == 210_000
    assert found.unrealized_pnl == Decimal("-2000.0001")
    assert found.return_rate is not None
    assert found.return_rate.quantize(Decimal("0.0001")) == Decimal("-0.0094")


def test_mark_without_a_cost_has_no_rate() -> None:
    assert mark(Decimal(5), Decimal(0), Decimal(100)).return_rate is None


def test_combine_weights_the_average_across_strategy_accounts() -> None:
    both = combine([_held(SAMSUNG, 1, "70000"), _held(SAMSUNG, 3, "74000")])

    assert both[SAMSUNG].quantity == 4
    assert both[SAMSUNG].average_price == 73_000


def test_side_by_side_names_each_kind_of_difference() -> None:
    ours = combine([_held(SAMSUNG, 10, "70000"), _held(Symbol("035420"), 1, "200000")])
    theirs = [
        _held(SAMSUNG, 10, "71000"),
        _held(HYNIX, 2, "180000"),
    ]

    rows = {row.symbol.code: row.difference for row in side_by_side(ours, theirs)}

    assert rows == {
        "000660": Difference.BROKER_ONLY,
        "005930": Difference.AVERAGE_PRICE,
        "035420": Difference.HANTU_ONLY,
    }


def test_side_by_side_accepts_the_brokers_four_decimal_average() -> None:
    ours = combine([_held(SAMSUNG, 3, "70666.666666666666666667")])

    [row] = side_by_side(ours, [_held(SAMSUNG, 3, "70666.6667")])

    assert row.difference is None


def test_side_by_side_reports_quantity_before_average() -> None:
    [row] = side_by_side(combine([_held(SAMSUNG, 1, "71000")]), [_held(SAMSUNG, 101, "70010")])

    assert row.difference is Difference.QUANTITY
    assert row.quantity_gap == 100
