"""Figures over closed trades and an equity curve: win rate, average win and loss, profit
factor, max drawdown (pure, Decimal).

A figure that has no meaning for the input is None, never 0 or infinity: no closed trades
has no win rate, no losing trade has no profit factor. The pages show None as '-'.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from hantu.domain.values import Money

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class TradeStats:
    """Wins are trades with PnL > 0, losses < 0; a break-even trade counts in `trades` only."""

    trades: int
    wins: int
    losses: int
    gross_profit: Money
    gross_loss: Money  # zero or negative
    win_rate: Decimal | None  # wins / trades, a ratio in [0, 1]
    average_win: Money | None
    average_loss: Money | None  # negative
    profit_factor: Decimal | None  # gross profit / |gross loss|; None without a loss


def trade_stats(pnls: Sequence[Decimal]) -> TradeStats:
    """Summarize the PnL of closed trades."""
    return stats_of(tally(pnls))


def max_drawdown(equity: Iterable[Decimal], start: Decimal = ZERO) -> Money:
    """The largest fall from a running peak to a later point, in won (>= 0).

    `start` is the equity before the first point (zero before any trade), so a curve that
    only falls from the start still shows its drawdown.
    """
    peak, worst = start, ZERO
    for point in equity:
        peak = max(peak, point)
        worst = max(worst, peak - point)
    return Money(worst)


@dataclass(frozen=True, slots=True)
class TradeTally:
    """Closed trades counted, not kept: what `TradeStats` needs, added up day by day.

    A trade's PnL is its exact cash flow (sums of price x quantity), so totals added in any
    order are the same number as the sum of the trades themselves.
    """

    trades: int = 0
    wins: int = 0
    losses: int = 0
    gross_profit: Decimal = ZERO
    gross_loss: Decimal = ZERO

    def add(self, pnl: Decimal) -> TradeTally:
        return self + tally([pnl])

    def __add__(self, other: TradeTally) -> TradeTally:
        return TradeTally(
            self.trades + other.trades,
            self.wins + other.wins,
            self.losses + other.losses,
            self.gross_profit + other.gross_profit,
            self.gross_loss + other.gross_loss,
        )


def tally(pnls: Sequence[Decimal]) -> TradeTally:
    """Count closed trades' PnL."""
    winners = [p for p in pnls if p > 0]
    losers = [p for p in pnls if p < 0]
    return TradeTally(len(pnls), len(winners), len(losers), sum(winners, ZERO), sum(losers, ZERO))


def stats_of(counted: TradeTally) -> TradeStats:
    """The figures of counted trades (None where they have no meaning)."""
    profit, loss = Money(counted.gross_profit), Money(counted.gross_loss)
    n, wins, losses = counted.trades, counted.wins, counted.losses
    return TradeStats(
        trades=n,
        wins=wins,
        losses=losses,
        gross_profit=profit,
        gross_loss=loss,
        win_rate=Decimal(wins) / n if n else None,
        average_win=Money(profit / wins) if wins else None,
        average_loss=Money(loss / losses) if losses else None,
        profit_factor=profit / -loss if losses else None,
    )
