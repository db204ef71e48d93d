"""Exit rules per position: fixed, ATR-based and trailing levels, evaluated tick by tick.

Pure and Decimal-only so the monitor can replay any price path in tests; every level sits on
the KRX tick grid, and each crossing carries an idempotency key so repeated ticks act once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from hantu.domain.errors import InvalidValue
from hantu.domain.values import Price, round_to_tick

EXIT_SOURCE_PREFIX = "monitor:"  # an exit order's source: `monitor:stop_loss`, ...
_HUNDRED = Decimal(100)
_LOWEST = Decimal(1)
_BELOW = Decimal("0.0001")


class ExitTrigger(StrEnum):
    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"
    TRAILING = "trailing"


class ExitPricing(StrEnum):
    """How the sell order is priced: a limit at the tick, a market order, or n ticks through."""

    LIMIT = "limit"
    MARKET = "market"
    TICKS_THROUGH = "ticks_through"


@dataclass(frozen=True, slots=True)
class Candle:
    high: Decimal
    low: Decimal
    close: Decimal


@dataclass(frozen=True, slots=True)
class ExitRules:
    """Percentages are of the average price; `*_atr_k` are ATR multiples (None = off)."""

    stop_loss_pct: Decimal | None = None
    take_profit_pct: Decimal | None = None
    stop_atr_k: Decimal | None = None
    take_atr_k: Decimal | None = None
    trailing_pct: Decimal | None = None
    trailing_atr_k: Decimal | None = None
    pricing: ExitPricing = ExitPricing.LIMIT
    ticks_through: int = 0

    def __post_init__(self) -> None:
        for name in ("stop_loss_pct", "trailing_pct"):
            value = getattr(self, name)
            if value is not None and not Decimal(0) < value < _HUNDRED:
                raise InvalidValue(f"{name} must be between 0 and 100, got {value}")
        for name in ("take_profit_pct", "stop_atr_k", "take_atr_k", "trailing_atr_k"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise InvalidValue(f"{name} must be positive, got {value}")
        if self.ticks_through < 0:
            raise InvalidValue(f"ticks_through must not be negative, got {self.ticks_through}")


_RULE_FIELDS = frozenset(f.name for f in fields(ExitRules))


def merge_rules(default: ExitRules, override: Mapping[str, object]) -> ExitRules:
    """Per-position override on top of the strategy default; a field set to None turns it off."""
    unknown = set(override) - _RULE_FIELDS
    if unknown:
        raise InvalidValue(f"unknown exit rule fields: {', '.join(sorted(unknown))}")
    return replace(default, **override)  # type: ignore[arg-type]


def average_true_range(candles: Sequence[Candle], n: int) -> Decimal | None:
    """ATR(n) with Wilder's smoothing; None until n candles exist (oldest first)."""
    if n < 1 or len(candles) < n:
        return None
    ranges: list[Decimal] = []
    previous_close: Decimal | None = None
    for candle in candles:
        spread = candle.high - candle.low
        if previous_close is not None:
            spread = max(
                spread, abs(candle.high - previous_close), abs(candle.low - previous_close)
            )
        ranges.append(spread)
        previous_close = candle.close
    atr = sum(ranges[:n], Decimal(0)) / n
    for true_range in ranges[n:]:
        atr = (atr * (n - 1) + true_range) / n
    return atr


def _up(value: Decimal) -> Decimal:
    return max(round_to_tick(value, up=True), _LOWEST) if value > 0 else _LOWEST


def _highest(*candidates: Decimal | None) -> Decimal | None:
    present = [c for c in candidates if c is not None]
    return max(present) if present else None


def _lowest(*candidates: Decimal | None) -> Decimal | None:
    present = [c for c in candidates if c is not None]
    return min(present) if present else None


@dataclass(frozen=True, slots=True)
class ExitState:
    """One position's watch: its rules, entry and the high-water mark since entry."""

    position_key: str
    entry_seq: int
    average_price: Decimal
    rules: ExitRules
    high_water: Decimal
    atr: Decimal | None = None
    done: bool = False

    @classmethod
    def open(
        cls,
        position_key: str,
        entry_seq: int,
        average_price: Decimal,
        rules: ExitRules,
        atr: Decimal | None = None,
    ) -> ExitState:
        return cls(position_key, entry_seq, average_price, rules, average_price, atr)

    def stop_level(self) -> Decimal | None:
        """The tighter (higher) of the fixed and ATR stops, rounded up onto the grid (down when
        up would pass the average)."""
        rules, avg = self.rules, self.average_price
        fixed = None if rules.stop_loss_pct is None else avg * (1 - rules.stop_loss_pct / _HUNDRED)
        by_atr = None
        if rules.stop_atr_k is not None and self.atr is not None:
            by_atr = avg - rules.stop_atr_k * self.atr
        level = _highest(fixed, by_atr)
        if level is None:
            return None
        up = _up(level)
        # Rounding up must not lift a stop above the average (a "stop" selling at a profit).
        return up if up <= avg else max(round_to_tick(level), _LOWEST)

    def take_level(self) -> Decimal | None:
        """The nearer (lower) of the fixed and ATR targets, rounded up: never sells below it."""
        rules, avg = self.rules, self.average_price
        fixed = None
        if rules.take_profit_pct is not None:
            fixed = avg * (1 + rules.take_profit_pct / _HUNDRED)
        by_atr = None
        if rules.take_atr_k is not None and self.atr is not None:
            by_atr = avg + rules.take_atr_k * self.atr
        level = _lowest(fixed, by_atr)
        return None if level is None else _up(level)

    def trailing_level(self) -> Decimal | None:
        """Below the high-water mark by a percentage or ATR multiple (the tighter one)."""
        rules, high = self.rules, self.high_water
        by_pct = None if rules.trailing_pct is None else high * (1 - rules.trailing_pct / _HUNDRED)
        by_atr = None
        if rules.trailing_atr_k is not None and self.atr is not None:
            by_atr = high - rules.trailing_atr_k * self.atr
        level = _highest(by_pct, by_atr)
        return None if level is None else _up(level)


@dataclass(frozen=True, slots=True)
class Trigger:
    kind: ExitTrigger
    level: Decimal
    price: Decimal
    at: datetime
    idempotency_key: str


def idempotency_key(position_key: str, kind: ExitTrigger, entry_seq: int) -> str:
    return f"exit:{position_key}:{kind.value}:{entry_seq}"


def evaluate(
    state: ExitState, tick_price: Decimal, at: datetime
) -> tuple[ExitState, Trigger | None]:
    """Advance the high-water mark and tell which level, if any, this tick crossed.

    A stop fires at or below its level, a take-profit at or above; once fired, the state is
    done and further ticks yield nothing (the key also guards against a replayed state).
    """
    if state.done:
        return state, None
    state = replace(state, high_water=max(state.high_water, tick_price))
    crossed: tuple[ExitTrigger, Decimal] | None = None
    stop, trailing, take = state.stop_level(), state.trailing_level(), state.take_level()
    downside = [
        (level, kind)
        for kind, level in ((ExitTrigger.STOP_LOSS, stop), (ExitTrigger.TRAILING, trailing))
        if level is not None and tick_price <= level
    ]
    if downside:
        level, kind = max(downside, key=lambda pair: pair[0])
        crossed = (kind, level)
    elif take is not None and tick_price >= take:
        crossed = (ExitTrigger.TAKE_PROFIT, take)
    if crossed is None:
        return state, None
    kind, level = crossed
    key = idempotency_key(state.position_key, kind, state.entry_seq)
    return replace(state, done=True), Trigger(kind, level, tick_price, at, key)


def step_down(price: Decimal) -> Price:
    """The next lower price on the KRX grid, never below the lowest tick."""
    return Price(max(round_to_tick(price - _BELOW), _LOWEST))


def exit_order_price(
    rules: ExitRules, tick_price: Decimal, lower_limit: Decimal | None = None
) -> Price | None:
    """Limit price for the sell order; None means a market order.

    `lower_limit` is the day's lower price limit (inquire-price `stck_llam`) when known: a
    price through it would be rejected, so the order stops there.
    """
    if rules.pricing is ExitPricing.MARKET:
        return None
    floor = max(_LOWEST, round_to_tick(lower_limit, up=True)) if lower_limit else _LOWEST
    price = Price(max(round_to_tick(tick_price), floor))
    if rules.pricing is ExitPricing.TICKS_THROUGH:
        for _ in range(rules.ticks_through):
            price = Price(max(step_down(price), floor))
    return price
