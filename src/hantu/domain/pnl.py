"""PnL from fills and marks: realized, unrealized, daily PnL, win rate, average win and
loss, profit factor and max drawdown, for any group of fills (a strategy, an account, all).

How the figures are made (the book rules are in `pnl_books`):
- A day is a Seoul trading day. The equity curve has one point at the end of every day on
  which any fill of the mark book happened, and of the as-of day: equity = cumulative
  realized PnL + unrealized PnL at that day's marks. Days before the group's first fill
  are left out.
- A day's mark of a symbol is the current mark on the as-of day when one is known,
  otherwise the last fill price of that symbol at or before the day (hantu keeps no daily
  closes). Build one `MarkBook` from all of a user's fills and share it: every group then
  sees the same prices and the same days, and the groups' figures add up to the total.
- Daily PnL is the change of equity from the previous point (the first from zero), so the
  bars add up to the curve; the day's realized part is given beside it.
- Max drawdown is the largest fall of equity from a running peak, the peak starting at the
  equity before the first point shown (zero before any trade); in won, never negative.
- A date range shows the days inside it; the realized PnL, fees and trades are those of
  those days, the unrealized PnL that at the range's last day.

Every figure is made from day results (`pnl_days`): one strategy account's realized PnL,
fees, closed-trade tally and valuation per day. `summarize_days` adds them up in one pass
over the days; `summarize` folds fills in memory first, the report reads stored days.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from hantu.domain.pnl_books import SEOUL, PnlFill, Trade, fill_order, held_symbols, replay
from hantu.domain.pnl_days import DayResult, FoldState, fold
from hantu.domain.pnl_stats import (
    ZERO,
    TradeStats,
    TradeTally,
    max_drawdown,
    stats_of,
    trade_stats,
)
from hantu.domain.values import Money, Symbol

__all__ = [
    "SEOUL",
    "DayPnl",
    "DayResult",
    "FoldState",
    "MarkBook",
    "PnlFill",
    "PnlSummary",
    "Trade",
    "TradeStats",
    "closed_trades",
    "fold",
    "held_symbols",
    "last_marks",
    "summarize",
    "summarize_by",
    "summarize_days",
]

K = TypeVar("K", bound=Hashable)


class MarkBook:
    """Each symbol's price at each day's end, and the days of the equity curve."""

    def __init__(
        self, fills: Iterable[PnlFill], current: Mapping[Symbol, Decimal], as_of: date
    ) -> None:
        self.as_of = as_of
        self._current = dict(current)
        last: dict[Symbol, dict[date, Decimal]] = {}
        for fill in sorted(fills, key=fill_order):
            last.setdefault(fill.symbol, {})[fill.day] = fill.price
        self._days = {symbol: sorted(prices) for symbol, prices in last.items()}
        self._prices = last
        self.fill_days: frozenset[date] = frozenset(d for prices in last.values() for d in prices)
        self.days: tuple[date, ...] = tuple(sorted({as_of, *self.fill_days}))

    def price(self, symbol: Symbol, day: date) -> Decimal | None:
        """The mark at `day`'s end; None when nothing is known of the symbol by then."""
        if day == self.as_of and symbol in self._current:
            return self._current[symbol]
        days = self._days.get(symbol, [])
        index = bisect.bisect_right(days, day)
        return self._prices[symbol][days[index - 1]] if index else None

    def has_current(self, symbol: Symbol) -> bool:
        return symbol in self._current


@dataclass(frozen=True, slots=True)
class DayPnl:
    """One point of the equity curve and that day's PnL."""

    day: date
    pnl: Money  # change of equity since the previous point
    realized: Money  # realized on the day (fees deducted)
    unrealized: Money  # at the day's end
    equity: Money  # cumulative realized + unrealized


@dataclass(frozen=True, slots=True)
class PnlSummary:
    realized: Money
    unrealized: Money
    fees: Money
    stats: TradeStats
    max_drawdown: Money
    days: tuple[DayPnl, ...]
    unmatched_quantity: Decimal  # sold shares no fill bought (flagged, no PnL)
    open_symbols: frozenset[Symbol]  # held at the last day

    @property
    def total(self) -> Money:
        return Money(self.realized + self.unrealized)


def summarize(
    fills: Iterable[PnlFill],
    marks: MarkBook,
    *,
    start: date | None = None,
    end: date | None = None,
) -> PnlSummary:
    """Compute every PnL figure of these fills, at these marks, over an optional range."""
    kept = [f for f in fills if end is None or f.day <= end]
    results, _ = fold(FoldState(), kept, days=marks.days, price=marks.price)
    return summarize_days(results, marks.fill_days, marks.as_of, start=start, end=end)


def summarize_by(
    fills: Iterable[PnlFill],
    marks: MarkBook,
    key: Callable[[PnlFill], K],
    *,
    start: date | None = None,
    end: date | None = None,
) -> dict[K, PnlSummary]:
    """`summarize` for each group of fills that `key` makes (a strategy, an account)."""
    groups: dict[K, list[PnlFill]] = {}
    for fill in fills:
        groups.setdefault(key(fill), []).append(fill)
    return {k: summarize(group, marks, start=start, end=end) for k, group in groups.items()}


def summarize_days(
    results: Iterable[DayResult],
    fill_days: Iterable[date],
    as_of: date,
    *,
    start: date | None = None,
    end: date | None = None,
) -> PnlSummary:
    """Compute every PnL figure of a group of strategy accounts from their day results.

    `fill_days` are the days with any fill of the user (the curve's days, with `as_of`).
    On an as-of day without fills and without results of its own, the last day's holdings
    and marks stand (nothing moved them).
    """
    days = set(fill_days)
    last = max({as_of, *days}) if end is None else end
    rows = sorted((r for r in results if r.day <= last), key=lambda r: (r.day, r.key))
    traded = [r.day for r in rows if r.fills]
    if not traded:
        return _empty()
    first = min(traded)
    grid = sorted(d for d in {*days, as_of} if first <= d <= last)
    points, held = _curve(rows, grid, days)
    shown = [p for p in points if start is None or p.day >= start]
    before = [p for p in points if start is not None and p.day < start]
    baseline = before[-1].equity if before else ZERO
    low = start or first
    inside = [r for r in rows if low <= r.day <= last]
    return PnlSummary(
        realized=Money(sum((p.realized for p in shown), ZERO)),
        unrealized=points[-1].unrealized if points else Money(0),
        fees=Money(sum((r.fees for r in inside), ZERO)),
        stats=stats_of(sum((r.closed for r in inside), TradeTally())),
        max_drawdown=max_drawdown((p.equity for p in shown), start=baseline),
        days=tuple(shown),
        unmatched_quantity=sum((r.unmatched for r in rows), ZERO),
        open_symbols=frozenset(s for r in held for s, _ in r.marks),
    )


def last_marks(results: Iterable[DayResult], as_of: date) -> dict[Symbol, Decimal | None]:
    """The mark of each symbol held at the last day by `as_of`, as the results valued it."""
    rows = [r for r in results if r.day <= as_of]
    if not rows:
        return {}
    last = max(r.day for r in rows)
    return {s: p for r in rows if r.day == last for s, p in r.marks}


def closed_trades(
    fills: Iterable[PnlFill], *, start: date | None = None, end: date | None = None
) -> tuple[Trade, ...]:
    """The round trips of these fills closed inside the range, in closing order."""
    trades = (t for b in replay(fills) for t in b.trades)
    return tuple(
        sorted(
            (
                t
                for t in trades
                if (start is None or t.closed_day >= start) and (end is None or t.closed_day <= end)
            ),
            key=lambda t: (t.closed_at, t.strategy, t.account, t.symbol),
        )
    )


def _curve(
    rows: Sequence[DayResult], grid: Sequence[date], fill_days: set[date]
) -> tuple[list[DayPnl], list[DayResult]]:
    """One pass over the grid and the rows (both in day order): linear in their sizes."""
    index, cumulative, previous = 0, ZERO, ZERO
    points: list[DayPnl] = []
    held: list[DayResult] = []
    for day in grid:
        while index < len(rows) and rows[index].day < day:
            index += 1
        today: list[DayResult] = []
        while index < len(rows) and rows[index].day == day:
            today.append(rows[index])
            index += 1
        if today or day in fill_days:
            held, realized = today, sum((r.realized for r in today), ZERO)
        else:
            realized = ZERO  # the as-of day without fills: the last day's holdings stand
        unrealized = sum((r.unrealized for r in held), ZERO)
        cumulative += realized
        equity = cumulative + unrealized
        points.append(
            DayPnl(day, Money(equity - previous), Money(realized), Money(unrealized), Money(equity))
        )
        previous = equity
    return points, held


def _empty() -> PnlSummary:
    zero = Money(0)
    return PnlSummary(zero, zero, zero, trade_stats([]), zero, (), ZERO, frozenset())
