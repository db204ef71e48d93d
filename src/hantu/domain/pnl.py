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
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from hantu.domain.pnl_books import (
    SEOUL,
    Book,
    Holding,
    PnlFill,
    Trade,
    fill_order,
    held_symbols,
    replay,
)
from hantu.domain.pnl_stats import ZERO, TradeStats, max_drawdown, trade_stats
from hantu.domain.values import Money, Symbol

__all__ = [
    "SEOUL",
    "DayPnl",
    "MarkBook",
    "PnlFill",
    "PnlSummary",
    "Trade",
    "TradeStats",
    "held_symbols",
    "summarize",
    "summarize_by",
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
        self.days: tuple[date, ...] = tuple(
            sorted({as_of, *(day for prices in last.values() for day in prices)})
        )

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
    trades: tuple[Trade, ...]
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
    books = replay(fills)
    first = min((min(b.realized_by_day) for b in books), default=None)
    if first is None:
        return _empty()
    fill_days = {day for book in books for day in book.realized_by_day}
    last = max(marks.days[-1], *fill_days) if end is None else end
    grid = [d for d in sorted({*marks.days, *fill_days}) if first <= d <= last]
    points = _curve(books, marks, grid)
    shown = [p for p in points if start is None or p.day >= start]
    before = [p for p in points if start is not None and p.day < start]
    baseline = before[-1].equity if before else ZERO
    low, high = start or first, last
    trades = tuple(
        sorted(
            (t for b in books for t in b.trades if low <= t.closed_day <= high),
            key=lambda t: (t.closed_at, t.strategy, t.account, t.symbol),
        )
    )
    fees = sum((f for b in books for d, f in b.fees_by_day.items() if low <= d <= high), ZERO)
    return PnlSummary(
        realized=Money(sum((p.realized for p in shown), ZERO)),
        unrealized=points[-1].unrealized if points else Money(0),
        fees=Money(fees),
        trades=trades,
        stats=trade_stats([t.pnl for t in trades]),
        max_drawdown=max_drawdown((p.equity for p in shown), start=baseline),
        days=tuple(shown),
        unmatched_quantity=sum((b.unmatched_quantity for b in books), ZERO),
        open_symbols=_open_symbols(books, last),
    )


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


def _curve(books: Sequence[Book], marks: MarkBook, grid: Sequence[date]) -> list[DayPnl]:
    cursors = [0] * len(books)
    held = [Holding(ZERO, ZERO)] * len(books)
    cumulative = previous = ZERO
    points: list[DayPnl] = []
    for day in grid:
        realized = sum((b.realized_by_day.get(day, ZERO) for b in books), ZERO)
        unrealized = ZERO
        for i, book in enumerate(books):
            while cursors[i] < len(book.holdings) and book.holdings[cursors[i]][0] <= day:
                held[i] = book.holdings[cursors[i]][1]
                cursors[i] += 1
            unrealized += _unrealized(held[i], marks.price(book.key[2], day))
        cumulative += realized
        equity = cumulative + unrealized
        points.append(
            DayPnl(day, Money(equity - previous), Money(realized), Money(unrealized), Money(equity))
        )
        previous = equity
    return points


def _unrealized(holding: Holding, mark: Decimal | None) -> Decimal:
    if holding.quantity == 0 or mark is None:
        return ZERO
    return (mark - holding.average_price) * holding.quantity


def _open_symbols(books: Sequence[Book], day: date) -> frozenset[Symbol]:
    symbols = set()
    for book in books:
        held = [h for d, h in book.holdings if d <= day]
        if held and held[-1].quantity > 0:
            symbols.add(book.key[2])
    return frozenset(symbols)


def _empty() -> PnlSummary:
    zero = Money(0)
    return PnlSummary(zero, zero, zero, (), trade_stats([]), zero, (), ZERO, frozenset())
