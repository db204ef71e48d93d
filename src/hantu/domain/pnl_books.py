"""Replaying fills into books: one book per (strategy, account, symbol), as positions are
kept per strategy account and symbol (pure).

The cost rule is `Position`'s own (weighted average buy price, reset at zero), reused, so
a book's realized PnL never disagrees with the position hantu stores. Two things a position
does not know are decided here:
- Fees (zero when the broker reports none) are a realized cost on the fill's day, for buys
  and sells alike; realized + unrealized therefore equals the cash flow at the mark.
- A sell beyond what the fills bought (shares from outside hantu) realizes PnL on the held
  part only; the rest is counted in `unmatched_quantity` for the page to flag.

A closed trade is a round trip: it opens when the book's quantity leaves zero and closes
when it returns to zero; its PnL is its exact cash flow (sells - buys - fees), which the
realized amounts in between add up to. Partial sells realize PnL on their day but make no
trade of their own. The average price is a rounded division (28 digits), so a partial
sell's realized PnL may carry a residue far below a won; the closing fill absorbs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from hantu.domain.enums import Side
from hantu.domain.pnl_stats import ZERO
from hantu.domain.position import Position
from hantu.domain.values import Money, Price, Quantity, StrategyAccountId, Symbol

SEOUL = ZoneInfo("Asia/Seoul")

BookKey = tuple[int, int, Symbol]  # (strategy, account, symbol)


@dataclass(frozen=True, slots=True)
class PnlFill:
    """One execution as PnL sees it; `strategy` and `account` are ids the caller groups by."""

    strategy: int
    account: int
    symbol: Symbol
    side: Side
    quantity: Decimal
    price: Decimal
    filled_at: datetime
    fee: Decimal = ZERO
    fill_id: str = ""  # orders fills with the same time, so input order never matters

    @property
    def book(self) -> BookKey:
        return (self.strategy, self.account, self.symbol)

    @property
    def day(self) -> date:
        """The Seoul trading day of the fill."""
        return self.filled_at.astimezone(SEOUL).date()


def fill_order(fill: PnlFill) -> tuple[datetime, str, str, Decimal, Decimal]:
    return (fill.filled_at, fill.fill_id, fill.side.value, fill.quantity, fill.price)


@dataclass(frozen=True, slots=True)
class Trade:
    """A closed round trip of one book."""

    strategy: int
    account: int
    symbol: Symbol
    opened_at: datetime
    closed_at: datetime
    pnl: Money

    @property
    def closed_day(self) -> date:
        return self.closed_at.astimezone(SEOUL).date()


@dataclass(frozen=True, slots=True)
class Holding:
    """A book's state at one day's end."""

    quantity: Decimal
    average_price: Decimal


@dataclass
class Book:
    """The replayed history of one book."""

    key: BookKey
    realized_by_day: dict[date, Decimal] = field(default_factory=dict)
    fees_by_day: dict[date, Decimal] = field(default_factory=dict)
    trades: list[Trade] = field(default_factory=list)
    holdings: list[tuple[date, Holding]] = field(default_factory=list)  # after each fill day
    unmatched_quantity: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class BookState:
    """All a later fill of one book depends on: its position and its open round trip."""

    quantity: Decimal
    average_price: Decimal
    opened_at: datetime | None = None
    trip_pnl: Decimal = ZERO
    trip_cash: Decimal = ZERO


@dataclass
class BookReplay:
    book: Book
    position: Position
    opened_at: datetime | None = None
    trip_pnl: Decimal = ZERO  # realized so far in the open round trip (average-cost arithmetic)
    trip_cash: Decimal = ZERO  # its exact cash flow: sells - buys - fees

    def apply(self, fill: PnlFill) -> None:
        matched, realized = self._realize(fill)
        realized -= fill.fee
        cash = matched * fill.price * (1 if fill.side is Side.SELL else -1) - fill.fee
        if self.opened_at is None and self.position.quantity > 0:
            self.opened_at, self.trip_pnl, self.trip_cash = fill.filled_at, ZERO, ZERO
        if self.opened_at is not None:
            self.trip_cash += cash
            if self.position.quantity == 0:
                # The average price is a rounded division; at the close the exact cash flow
                # of the round trip is known, so the last fill takes the rounding residue.
                realized = self.trip_cash - self.trip_pnl
                self._close(fill.filled_at)
            else:
                self.trip_pnl += realized
        self._record(fill, realized)

    def _record(self, fill: PnlFill, realized: Decimal) -> None:
        day, book = fill.day, self.book
        book.realized_by_day[day] = book.realized_by_day.get(day, ZERO) + realized
        book.fees_by_day[day] = book.fees_by_day.get(day, ZERO) + fill.fee
        holding = Holding(Decimal(self.position.quantity), Decimal(self.position.average_price))
        if book.holdings and book.holdings[-1][0] == day:
            book.holdings[-1] = (day, holding)
        else:
            book.holdings.append((day, holding))

    def _realize(self, fill: PnlFill) -> tuple[Decimal, Decimal]:
        quantity = fill.quantity
        if fill.side is Side.SELL and quantity > self.position.quantity:
            self.book.unmatched_quantity += quantity - self.position.quantity
            quantity = Decimal(self.position.quantity)
        if quantity <= 0:
            return ZERO, ZERO
        return quantity, Decimal(self.position.apply_fill(fill.side, quantity, fill.price))

    @classmethod
    def resume(cls, book: Book, state: BookState | None) -> BookReplay:
        """Continue a book from a saved state (a fresh book without one)."""
        strategy, _, symbol = book.key
        if state is None:
            return cls(book, Position(StrategyAccountId(strategy), symbol))
        position = Position(
            StrategyAccountId(strategy),
            symbol,
            Quantity(state.quantity),
            Price(state.average_price),
        )
        return cls(book, position, state.opened_at, state.trip_pnl, state.trip_cash)

    def state(self) -> BookState:
        position = self.position
        quantity, average = Decimal(position.quantity), Decimal(position.average_price)
        return BookState(quantity, average, self.opened_at, self.trip_pnl, self.trip_cash)

    def _close(self, closed_at: datetime) -> None:
        strategy, account, symbol = self.book.key
        assert self.opened_at is not None  # noqa: S101 - guarded by the caller
        trade = Trade(strategy, account, symbol, self.opened_at, closed_at, Money(self.trip_cash))
        self.book.trades.append(trade)
        self.opened_at = None


def replay(fills: Iterable[PnlFill]) -> list[Book]:
    """Replay fills, in time order whatever order they come in, into one book each."""
    grouped: dict[BookKey, list[PnlFill]] = {}
    for fill in fills:
        grouped.setdefault(fill.book, []).append(fill)
    return [_replay_one(key, grouped[key]) for key in sorted(grouped)]


def _replay_one(key: BookKey, fills: Sequence[PnlFill]) -> Book:
    book = Book(key)
    run = BookReplay.resume(book, None)
    for fill in sorted(fills, key=fill_order):
        run.apply(fill)
    return book


def held_symbols(
    fills: Iterable[PnlFill], start: Mapping[BookKey, Decimal] | None = None
) -> frozenset[Symbol]:
    """Symbols some book still holds after these fills (by the same clipping rule, without
    a full replay: the report asks quotes for them before computing anything else); `start`
    is what each book held before them."""
    held: dict[BookKey, Decimal] = dict(start or {})
    for fill in sorted(fills, key=fill_order):
        now = held.get(fill.book, ZERO)
        held[fill.book] = (
            now + fill.quantity if fill.side is Side.BUY else max(ZERO, now - fill.quantity)
        )
    return frozenset(key[2] for key, quantity in held.items() if quantity > 0)
