"""Day results: one strategy account's PnL on one Seoul day, folded from fills (pure).

Why: a report that replays every fill on every request grows with the whole history. A
closed day's results never change (unless a fill for it arrives late), so they are folded
once and stored, and a report is built from stored days plus the fills not folded yet.

Folding splits anywhere between days: folding days A, then days B from A's end state,
gives the results of folding A and B at once, because a later day depends on nothing but
the state (each book's position and open round trip, each symbol's last fill price). The
report from stored days is therefore the report from replaying every fill.

A day has a result for every strategy account with a fill that day or shares held at its
end; results are made on every day with any fill of the folded fills (every account of a
user is folded together, so its marks and days are the user's) and on any extra day asked
for (the as-of day, valued at current marks). Within a day the rules are `pnl_books`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from hantu.domain.pnl_books import Book, BookKey, BookReplay, BookState, PnlFill, fill_order
from hantu.domain.pnl_stats import ZERO, TradeTally, tally
from hantu.domain.values import Symbol

AccountKey = tuple[int, int]  # (strategy, broker account): one strategy account
PriceAt = Callable[[Symbol, date], Decimal | None]


@dataclass(frozen=True, slots=True)
class DayResult:
    """One strategy account's day: realized figures of its fills, valuation at its end."""

    strategy: int
    account: int
    day: date
    fills: int  # fills counted on the day (0: a day it only held shares)
    realized: Decimal  # fees deducted
    fees: Decimal
    unmatched: Decimal  # sold shares no fill bought
    closed: TradeTally  # round trips closed on the day
    unrealized: Decimal  # at the day's end marks
    marks: tuple[tuple[Symbol, Decimal | None], ...]  # held at the day's end, with the mark

    @property
    def key(self) -> AccountKey:
        return (self.strategy, self.account)


@dataclass(frozen=True, slots=True)
class FoldState:
    """Where folding stopped: the open books and the last fill price of each symbol."""

    books: Mapping[BookKey, BookState] = field(default_factory=dict)
    prices: Mapping[Symbol, Decimal] = field(default_factory=dict)

    def holdings(self) -> dict[BookKey, Decimal]:
        return {key: book.quantity for key, book in self.books.items()}


@dataclass
class _Day:
    runs: dict[BookKey, BookReplay] = field(default_factory=dict)
    fills: dict[BookKey, int] = field(default_factory=dict)


def fold(
    state: FoldState,
    fills: Iterable[PnlFill],
    *,
    days: Iterable[date] = (),
    current: Mapping[Symbol, Decimal] | None = None,
    as_of: date | None = None,
    price: PriceAt | None = None,
) -> tuple[list[DayResult], FoldState]:
    """Fold fills (later than the state, in any order) into day results and the next state.

    Marks are each symbol's last fill price by the day's end, `current` on `as_of`, unless
    `price` gives them (a shared `MarkBook`). `days` adds days valued without fills.
    """
    by_day: dict[date, list[PnlFill]] = {}
    for fill in fills:
        by_day.setdefault(fill.day, []).append(fill)
    books, prices = dict(state.books), dict(state.prices)
    now = dict(current or {})

    def mark(symbol: Symbol, day: date) -> Decimal | None:
        if day == as_of and symbol in now:
            return now[symbol]
        return prices.get(symbol)

    results: list[DayResult] = []
    extra = {*days, *([as_of] if as_of is not None else [])}
    for day in sorted({*by_day, *extra}):
        folded = _Day()
        for fill in sorted(by_day.get(day, ()), key=fill_order):
            run = folded.runs.get(fill.book)
            if run is None:
                run = BookReplay.resume(Book(fill.book), books.get(fill.book))
                folded.runs[fill.book] = run
            run.apply(fill)
            folded.fills[fill.book] = folded.fills.get(fill.book, 0) + 1
            prices[fill.symbol] = fill.price
        for key, run in folded.runs.items():
            after = run.state()
            if after.quantity:
                books[key] = after
            else:
                books.pop(key, None)
        results.extend(_value(day, books, folded, price or mark))
    return results, FoldState(books, prices)


def _value(
    day: date, books: Mapping[BookKey, BookState], folded: _Day, price: PriceAt
) -> list[DayResult]:
    by_account: dict[AccountKey, list[BookKey]] = {}
    for key in sorted({*books, *folded.runs}):
        by_account.setdefault(key[:2], []).append(key)
    return [
        _account_day(account, day, keys, books, folded, price)
        for account, keys in sorted(by_account.items())
    ]


def _account_day(
    account: AccountKey,
    day: date,
    keys: list[BookKey],
    books: Mapping[BookKey, BookState],
    folded: _Day,
    price: PriceAt,
) -> DayResult:
    realized = fees = unmatched = unrealized = ZERO
    closed = TradeTally()
    marks: list[tuple[Symbol, Decimal | None]] = []
    for key in keys:
        run = folded.runs.get(key)
        if run is not None:
            book = run.book
            realized += book.realized_by_day.get(day, ZERO)
            fees += book.fees_by_day.get(day, ZERO)
            unmatched += book.unmatched_quantity
            closed += tally([t.pnl for t in book.trades])
        held = books.get(key)
        if held is not None and held.quantity:
            mark = price(key[2], day)
            marks.append((key[2], mark))
            if mark is not None:
                unrealized += (mark - held.average_price) * held.quantity
    count = sum(folded.fills.get(key, 0) for key in keys)
    return DayResult(
        account[0],
        account[1],
        day,
        count,
        realized,
        fees,
        unmatched,
        closed,
        unrealized,
        tuple(marks),
    )
