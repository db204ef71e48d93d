"""Value objects: symbols, prices, quantities and money on `Decimal`; identifiers.

Prices and quantities subclass `Decimal` so arithmetic stays natural; the constructor is
where validation happens, and the result of arithmetic is a plain `Decimal` that must be
wrapped again to claim the invariant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import NewType, Self

from hantu.domain.errors import InvalidValue

OrderId = NewType("OrderId", str)
"""Ours: derived from the idempotency key, known before the broker answers."""
BrokerOrderId = NewType("BrokerOrderId", str)
"""The broker's order number (KIS `ODNO`)."""
FillId = NewType("FillId", str)
"""A fill's identity, unique per broker execution."""
StrategyAccountId = NewType("StrategyAccountId", int)

# KRX short codes are six characters; newer listings (ETNs and some ETFs) put letters in
# the middle, e.g. "0004A0", so digits and upper-case letters are accepted after a digit.
_SYMBOL = re.compile(r"^[0-9][0-9A-Z]{5}$")


@dataclass(frozen=True, slots=True, order=True)
class Symbol:
    """A KRX short code such as `005930` (exchange prefixes are the caller's job)."""

    code: str

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not _SYMBOL.fullmatch(self.code):
            raise InvalidValue(f"symbol must be a 6-character KRX code, got {self.code!r}")

    def __str__(self) -> str:
        return self.code


def _to_decimal(raw: object, what: str) -> Decimal:
    if isinstance(raw, float):
        raise InvalidValue(f"{what} must not be a float: {raw!r}")
    if isinstance(raw, bool):
        raise InvalidValue(f"{what} must be a number, got {raw!r}")
    try:
        value = Decimal(str(raw)) if not isinstance(raw, Decimal) else raw
    except (InvalidOperation, ValueError):
        raise InvalidValue(f"{what} is not a number: {raw!r}") from None
    if not value.is_finite():
        raise InvalidValue(f"{what} must be finite, got {raw!r}")
    return value


class Quantity(Decimal):
    """A whole, non-negative number of shares."""

    def __new__(cls, raw: object = 0) -> Self:
        value = _to_decimal(raw, "quantity")
        if value < 0:
            raise InvalidValue(f"quantity must not be negative, got {value}")
        if value != value.to_integral_value():
            raise InvalidValue(f"quantity must be a whole number of shares, got {value}")
        return super().__new__(cls, value.quantize(Decimal(1)))


class Price(Decimal):
    """A non-negative price in won (tick validity is a separate rule: `is_on_tick`)."""

    def __new__(cls, raw: object = 0) -> Self:
        value = _to_decimal(raw, "price")
        if value < 0:
            raise InvalidValue(f"price must not be negative, got {value}")
        return super().__new__(cls, value)


class Money(Decimal):
    """An amount of won; may be negative (losses)."""

    def __new__(cls, raw: object = 0) -> Self:
        return super().__new__(cls, _to_decimal(raw, "amount"))


# KRX tick table, unified for KOSPI and KOSDAQ since 2023 (reference §8.2).
_TICKS: tuple[tuple[Decimal, Decimal], ...] = (
    (Decimal(2_000), Decimal(1)),
    (Decimal(5_000), Decimal(5)),
    (Decimal(20_000), Decimal(10)),
    (Decimal(50_000), Decimal(50)),
    (Decimal(200_000), Decimal(100)),
    (Decimal(500_000), Decimal(500)),
)
_TOP_TICK = Decimal(1_000)


def tick_size(price: Decimal) -> Decimal:
    """Return the KRX tick for a price level."""
    for upper, tick in _TICKS:
        if price < upper:
            return tick
    return _TOP_TICK


def is_on_tick(price: Decimal) -> bool:
    """Tell whether a price is a positive multiple of its KRX tick."""
    return price > 0 and price % tick_size(price) == 0


def round_to_tick(price: Decimal, *, up: bool = False) -> Price:
    """Round a price down (or up) onto the KRX tick grid."""
    tick = tick_size(price)
    steps = (price / tick).to_integral_value(rounding="ROUND_CEILING" if up else "ROUND_FLOOR")
    rounded = steps * tick
    if up and tick_size(rounded) != tick and not is_on_tick(rounded):
        return round_to_tick(rounded, up=True)
    return Price(rounded)


# ASCII digits, optionally one point with digits after it. `Decimal()` alone also takes
# "1_000", "1e3", " 10", "NaN" and full-width or Arabic-Indic digits: typed by a person or
# rendered by a template, none of those may silently become a quantity or a price.
_PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def plain_decimal(text: str) -> Decimal | None:
    """Read a number written plainly (`10`, `70000.5`); None for any other spelling."""
    return Decimal(text) if _PLAIN_NUMBER.fullmatch(text) else None
