from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hantu.domain.errors import InvalidValue
from hantu.domain.values import (
    Money,
    Price,
    Quantity,
    Symbol,
    is_on_tick,
    plain_decimal,
    round_to_tick,
    tick_size,
)


@pytest.mark.parametrize("code", ["005930", "000660", "0004A0"])
def test_symbol_krx_code_is_accepted(code: str) -> None:
    assert Symbol(code).code == code


@pytest.mark.parametrize("code", ["KRX:005930", "5930", "0059301", "abcdef", "", "A05930"])
def test_symbol_malformed_code_is_refused(code: str) -> None:
    with pytest.raises(InvalidValue, match="6-character KRX code"):
        Symbol(code)


def test_quantity_fraction_is_refused() -> None:
    with pytest.raises(InvalidValue, match="whole number"):
        Quantity("1.5")


def test_quantity_negative_is_refused() -> None:
    with pytest.raises(InvalidValue, match="negative"):
        Quantity(-1)


def test_price_float_is_refused() -> None:
    with pytest.raises(InvalidValue, match="float"):
        Price(70000.0)


def test_price_text_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(InvalidValue, match="not a number"):
        Price("seventy")


def test_price_infinite_is_refused() -> None:
    with pytest.raises(InvalidValue, match="finite"):
        Price("Infinity")


def test_money_negative_is_allowed_for_losses() -> None:
    assert Money("-1500") == Decimal(-1500)


@pytest.mark.parametrize(
    ("price", "tick"),
    [
        (1_999, 1),
        (2_000, 5),
        (4_995, 5),
        (5_000, 10),
        (19_990, 10),
        (20_000, 50),
        (49_950, 50),
        (50_000, 100),
        (199_900, 100),
        (200_000, 500),
        (499_500, 500),
        (500_000, 1_000),
        (1_500_000, 1_000),
    ],
)
def test_tick_size_band_edges_follow_krx_table(price: int, tick: int) -> None:
    assert tick_size(Decimal(price)) == tick


@pytest.mark.parametrize(
    ("price", "ok"), [(70_000, True), (70_050, False), (4_995, True), (0, False)]
)
def test_is_on_tick_checks_grid(price: int, ok: bool) -> None:
    assert is_on_tick(Decimal(price)) is ok


def test_round_to_tick_down_and_up() -> None:
    assert round_to_tick(Decimal(70_050)) == 70_000
    assert round_to_tick(Decimal(70_050), up=True) == 70_100
    assert round_to_tick(Decimal("1999.5"), up=True) == 2_000


# Digits and points mostly, with the spellings `Decimal()` would also take mixed in.
_NUMBERISH = st.text(alphabet=st.sampled_from("0123456789..._ eE+-١٠０９\n"), max_size=8)


@given(_NUMBERISH | st.text(max_size=8))
def test_plain_decimal_accepts_only_ascii_digits_and_one_point(text: str) -> None:
    number = plain_decimal(text)

    if number is not None:
        assert set(text) <= set("0123456789.")
        assert text.count(".") <= 1
        assert not text.startswith(".")
        assert not text.endswith(".")
        assert number == Decimal(text)


@given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False))
def test_plain_decimal_reads_back_a_number_written_plainly(value: Decimal) -> None:
    assert plain_decimal(f"{value:f}") == value
