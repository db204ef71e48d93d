"""Positions follow from fills: weighted average buy price, realized PnL on sells."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hantu.domain.enums import Side
from hantu.domain.errors import InsufficientHolding, InvalidValue
from hantu.domain.values import Money, Price, Quantity, StrategyAccountId, Symbol


@dataclass(eq=False)
class Position:
    """A long-only holding of one symbol in one strategy account."""

    strategy_account_id: StrategyAccountId
    symbol: Symbol
    quantity: Quantity = Quantity(0)
    average_price: Price = Price(0)
    realized_pnl: Money = Money(0)

    def apply_fill(self, side: Side, quantity: Decimal, price: Decimal) -> Money:
        """Apply one fill and return the PnL it realized (zero for buys)."""
        if quantity <= 0:
            raise InvalidValue(f"fill quantity must be positive, got {quantity}")
        if price < 0:
            raise InvalidValue(f"fill price must not be negative, got {price}")
        if side is Side.BUY:
            total = self.quantity + quantity
            cost = self.average_price * self.quantity + price * quantity
            self.average_price = Price(cost / total)
            self.quantity = Quantity(total)
            return Money(0)
        if quantity > self.quantity:
            raise InsufficientHolding(
                f"{self.symbol}: cannot sell {quantity}, only {self.quantity} held"
            )
        realized = Money((price - self.average_price) * quantity)
        self.quantity = Quantity(self.quantity - quantity)
        self.realized_pnl = Money(self.realized_pnl + realized)
        if self.quantity == 0:
            self.average_price = Price(0)
        return realized

    @property
    def is_open(self) -> bool:
        return self.quantity > 0

    @property
    def cost_basis(self) -> Money:
        return Money(self.average_price * self.quantity)

    def unrealized_pnl(self, last_price: Decimal) -> Money:
        """Return the PnL the holding would realize at `last_price`."""
        return Money((last_price - self.average_price) * self.quantity)
