"""Add-buy opportunities: a pluggable rule judging a held symbol's price against its daily
candles, and a gate that lets each symbol speak once a day.

Pure. The default rule is a support touch: the price at or below the lowest low of the last
N finished daily candles (or a support price someone set). A position's owner may fix its
own support price, which then replaces the rule's level for that position only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol

from hantu.domain.exits import Candle


class AddBuyRule(Protocol):
    """`level` is computed once a day from finished candles; `touched` runs on every tick."""

    @property
    def name(self) -> str: ...

    @property
    def lookback(self) -> int:
        """Finished daily candles the rule needs."""
        ...

    def level(self, candles: Sequence[Candle]) -> Decimal | None: ...

    def touched(self, price: Decimal, level: Decimal) -> bool: ...


@dataclass(frozen=True, slots=True)
class SupportTouch:
    """The price comes down to the support: the lowest low of `lookback` candles, or a
    fixed `support` price when one is configured."""

    lookback: int = 20
    support: Decimal | None = None
    name: str = "support_touch"

    def level(self, candles: Sequence[Candle]) -> Decimal | None:
        if self.support is not None:
            return self.support
        recent = [c.low for c in candles[-self.lookback :] if c.low > 0]
        if len(recent) < self.lookback:
            return None  # too little history to call anything a support
        return min(recent)

    def touched(self, price: Decimal, level: Decimal) -> bool:
        return Decimal(0) < price <= level


def position_level(rule_level: Decimal | None, support: Decimal | None) -> Decimal | None:
    """The level one position is judged against: its fixed support when set, else the rule's."""
    return rule_level if support is None else support


@dataclass(slots=True)
class DailyGate:
    """Each key passes once per day; a new day forgets the old ones."""

    day: date | None = None
    passed: set[str] = field(default_factory=set)

    def first(self, key: str, today: date) -> bool:
        if today != self.day:
            self.day, self.passed = today, set()
        if key in self.passed:
            return False
        self.passed.add(key)
        return True
