"""Valuing holdings at a price, and hantu's positions beside the broker's holdings (pure).

A broker account may be traded by several strategy accounts: hantu's side of one symbol is
the sum of their positions (weighted average price). The broker's side is what its balance
lists. Any disagreement is a `Difference`, shown to a person, never smoothed over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from hantu.domain.values import Money, Price, Quantity, Symbol

# KIS reports pchs_avg_pric to 4 decimals; below half a won the two averages show the same.
AVERAGE_TOLERANCE = Decimal("0.5")


@dataclass(frozen=True, slots=True)
class Mark:
    """A holding valued at one price: 평가금액, 평가손익, 수익률 (a ratio: 0.0123 = 1.23%)."""

    price: Price
    market_value: Money
    unrealized_pnl: Money
    return_rate: Decimal | None  # None when nothing was paid (no cost basis)


def mark(quantity: Decimal, average_price: Decimal, price: Decimal) -> Mark:
    """Value `quantity` shares bought at `average_price` at the last `price`."""
    cost = average_price * quantity
    value = price * quantity
    pnl = value - cost
    return Mark(
        price=Price(price),
        market_value=Money(value),
        unrealized_pnl=Money(pnl),
        return_rate=pnl / cost if cost > 0 else None,
    )


@dataclass(frozen=True, slots=True)
class Held:
    """Shares of one symbol at an average price, from either side."""

    symbol: Symbol
    quantity: Quantity
    average_price: Price


def combine(held: Iterable[Held]) -> dict[Symbol, Held]:
    """Sum holdings per symbol, with the quantity-weighted average price."""
    totals: dict[Symbol, tuple[Decimal, Decimal]] = {}
    for h in held:
        quantity, cost = totals.get(h.symbol, (Decimal(0), Decimal(0)))
        totals[h.symbol] = (quantity + h.quantity, cost + h.average_price * h.quantity)
    return {
        symbol: Held(symbol, Quantity(q), Price(c / q if q else 0))
        for symbol, (q, c) in totals.items()
    }


class Difference(StrEnum):
    QUANTITY = "quantity"  # both hold it, in different quantities
    AVERAGE_PRICE = "average_price"  # same quantity, different average price
    BROKER_ONLY = "broker_only"  # the broker holds what hantu does not know
    HANTU_ONLY = "hantu_only"  # hantu has a position the broker does not hold


@dataclass(frozen=True, slots=True)
class SideBySide:
    """One symbol as hantu and the broker see it; `difference` None when they agree."""

    symbol: Symbol
    hantu: Held | None
    broker: Held | None
    difference: Difference | None

    @property
    def quantity_gap(self) -> Quantity | Decimal:
        """Broker minus hantu shares (positive: the broker holds more)."""
        broker = self.broker.quantity if self.broker else Decimal(0)
        hantu = self.hantu.quantity if self.hantu else Decimal(0)
        return broker - hantu


def side_by_side(hantu: Mapping[Symbol, Held], broker: Sequence[Held]) -> list[SideBySide]:
    """Pair hantu's positions with the broker's holdings, symbol by symbol (sorted)."""
    theirs = combine(h for h in broker if h.quantity > 0)
    ours = {s: h for s, h in hantu.items() if h.quantity > 0}
    return [
        SideBySide(symbol, ours.get(symbol), theirs.get(symbol), _difference(symbol, ours, theirs))
        for symbol in sorted(ours.keys() | theirs.keys())
    ]


def _difference(
    symbol: Symbol, ours: Mapping[Symbol, Held], theirs: Mapping[Symbol, Held]
) -> Difference | None:
    mine, broker = ours.get(symbol), theirs.get(symbol)
    if mine is None:
        return Difference.BROKER_ONLY
    if broker is None:
        return Difference.HANTU_ONLY
    if mine.quantity != broker.quantity:
        return Difference.QUANTITY  # the averages then differ as a matter of course
    if abs(mine.average_price - broker.average_price) >= AVERAGE_TOLERANCE:
        return Difference.AVERAGE_PRICE
    return None
