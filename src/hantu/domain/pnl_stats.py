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
    winners = [p for p in pnls if p > 0]
    losers = [p for p in pnls if p < 0]
    profit = Money(sum(winners, ZERO))
    loss = Money(sum(losers, ZERO))
    return TradeStats(
        trades=len(pnls),
        wins=len(winners),
        losses=len(losers),
        gross_profit=profit,
        gross_loss=loss,
        win_rate=Decimal(len(winners)) / len(pnls) if pnls else None,
        average_win=Money(profit / len(winners)) if winners else None,
        average_loss=Money(loss / len(losers)) if losers else None,
        profit_factor=profit / -loss if losers else None,
    )


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
