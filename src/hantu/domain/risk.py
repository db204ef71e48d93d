"""Risk rules, pure: daily realized-loss limit, per-symbol exposure, open-position count.

The buy limits never stop a sell: sells reduce risk, and a stop-loss must never be blocked by
a loss limit. One rule does stop a sell: asking for more than the strategy account holds once
its open sells are counted (`SellCapacity`), unless broker holdings are adopted first.
A buy is valued by its notional (for a market buy, the caller's reference price, e.g. the
upper price limit); a buy with no value is refused while an exposure limit is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from hantu.domain.enums import Side
from hantu.domain.values import Money, Symbol

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """`None` switches a rule off."""

    daily_loss_limit: Money | None = None
    max_symbol_exposure: Money | None = None
    max_open_positions: int | None = None

    def over(self, defaults: RiskLimits) -> RiskLimits:
        """These limits where set, the defaults (the environment's) where not."""
        return RiskLimits(
            daily_loss_limit=_first(self.daily_loss_limit, defaults.daily_loss_limit),
            max_symbol_exposure=_first(self.max_symbol_exposure, defaults.max_symbol_exposure),
            max_open_positions=_first(self.max_open_positions, defaults.max_open_positions),
        )


def _first(own: _T | None, default: _T | None) -> _T | None:
    return default if own is None else own


@dataclass(frozen=True, slots=True)
class AccountRules:
    """What a strategy account's owner decided: its strategy's limits, and whether the broker
    account may still trade (a deactivated one takes no new order)."""

    limits: RiskLimits = RiskLimits()
    active: bool = True


@dataclass(frozen=True, slots=True)
class RiskSnapshot:
    """What the rules need to know about the account right now."""

    realized_pnl_today: Money = Money(0)
    exposure_by_symbol: Mapping[Symbol, Money] = field(default_factory=dict)
    open_positions: frozenset[Symbol] = frozenset()


@dataclass(frozen=True, slots=True)
class RiskViolation:
    rule: str
    detail: str
    message: str = ""  # what a person reads instead of "rule: detail", when given
    # The figures behind the detail, so a front end can say it in the reader's language.
    figures: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message or f"{self.rule}: {self.detail}"


SELL_ABOVE_POSITION = "sell_above_position"


@dataclass(frozen=True, slots=True)
class SellCapacity:
    """What one strategy account may still sell of one symbol, and what adoption may take."""

    held: Decimal = Decimal(0)  # the account's position
    open_sells: Decimal = Decimal(0)  # unfilled remainder of its live sell orders
    held_on_broker_account: Decimal = Decimal(0)  # every hantu position there, this one too
    adopt_allowed: bool = False  # the strategy may adopt broker holdings hantu did not buy
    active: bool = True  # the broker account may still trade (as `AccountRules.active`)

    @property
    def free(self) -> Decimal:
        """Shares no open sell has claimed yet (negative when open sells exceed the position)."""
        return self.held - self.open_sells

    def shortfall(self, asked: Decimal) -> Decimal:
        """How many of `asked` shares the position cannot cover (zero when it can)."""
        return max(asked - self.free, Decimal(0))

    def adoptable(self, asked: Decimal, broker_quantity: Decimal) -> Decimal:
        """Shares to adopt: the whole shortfall when the broker holds that much beyond every
        hantu position on the account, else none (the sell is refused, nothing half-adopted);
        the rest of the surplus stays the owner's, outside hantu's books."""
        surplus = broker_quantity - self.held_on_broker_account
        needed = self.shortfall(asked)
        return needed if needed <= surplus else Decimal(0)


def check(
    *,
    symbol: Symbol,
    side: Side,
    notional: Decimal | None,
    snapshot: RiskSnapshot,
    limits: RiskLimits,
) -> list[RiskViolation]:
    """Return every rule the order would break (empty when it may go)."""
    if side is Side.SELL:
        return []
    violations: list[RiskViolation] = []
    loss = -snapshot.realized_pnl_today
    if limits.daily_loss_limit is not None and loss >= limits.daily_loss_limit:
        violations.append(
            RiskViolation(
                "daily_loss_limit",
                f"realized loss today {loss:,} ≥ limit {limits.daily_loss_limit:,}",
                figures={"loss": loss, "limit": limits.daily_loss_limit},
            )
        )
    violations += _exposure(symbol, notional, snapshot, limits)
    is_new = symbol not in snapshot.open_positions
    count = len(snapshot.open_positions)
    if limits.max_open_positions is not None and is_new and count >= limits.max_open_positions:
        violations.append(
            RiskViolation(
                "max_open_positions",
                f"{count} positions open, limit {limits.max_open_positions}",
                figures={"count": count, "limit": limits.max_open_positions},
            )
        )
    return violations


def _exposure(
    symbol: Symbol, notional: Decimal | None, snapshot: RiskSnapshot, limits: RiskLimits
) -> list[RiskViolation]:
    limit = limits.max_symbol_exposure
    if limit is None:
        return []
    if notional is None:  # a buy that cannot be valued cannot be checked, so it may not go
        detail = f"{symbol}: no price to value the order"
        return [RiskViolation("max_symbol_exposure", detail, figures={"symbol": symbol})]
    after = snapshot.exposure_by_symbol.get(symbol, Money(0)) + notional
    if after <= limit:
        return []
    detail = f"{symbol} exposure would be {after:,} > limit {limit:,}"
    figures = {"symbol": symbol, "after": after, "limit": limit}
    return [RiskViolation("max_symbol_exposure", detail, figures=figures)]
