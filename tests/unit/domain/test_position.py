from decimal import Decimal

import pytest

from hantu.domain.enums import Side
from hantu.domain.errors import InsufficientHolding, InvalidValue
from tests.builders import a_position


def test_position_buys_weight_the_average_price() -> None:
    position = a_position()
    position.apply_fill(Side.BUY, Decimal(10), Decimal(70_000))
    position.apply_fill(Side.BUY, Decimal(30), Decimal(74_000))
    assert position.quantity == 40
    assert position.average_price == Decimal(73_000)


def test_position_sell_realizes_pnl_against_average() -> None:
    position = a_position()
    position.apply_fill(Side.BUY, Decimal(10), Decimal(70_000))
    realized = position.apply_fill(Side.SELL, Decimal(4), Decimal(72_000))
    assert realized == Decimal(8_000)
    assert position.quantity == 6
    assert position.average_price == Decimal(70_000)
    assert position.realized_pnl == Decimal(8_000)


def test_position_sold_out_resets_average() -> None:
    position = a_position()
    position.apply_fill(Side.BUY, Decimal(5), Decimal(10_000))
    position.apply_fill(Side.SELL, Decimal(5), Decimal(9_000))
    assert position.quantity == 0
    assert position.average_price == 0
    assert position.realized_pnl == Decimal(-5_000)
    assert not position.is_open


def test_position_selling_more_than_held_is_refused() -> None:
    position = a_position()
    position.apply_fill(Side.BUY, Decimal(3), Decimal(10_000))
    with pytest.raises(InsufficientHolding, match="cannot sell 4, only 3 held"):
        position.apply_fill(Side.SELL, Decimal(4), Decimal(10_000))
    assert position.quantity == 3


def test_position_zero_quantity_fill_is_refused() -> None:
    with pytest.raises(InvalidValue):
        a_position().apply_fill(Side.BUY, Decimal(0), Decimal(10_000))


def test_position_unrealized_pnl_uses_last_price() -> None:
    position = a_position()
    position.apply_fill(Side.BUY, Decimal(10), Decimal(50_000))
    assert position.unrealized_pnl(Decimal(49_000)) == Decimal(-10_000)
    assert position.cost_basis == Decimal(500_000)
