"""The latest best bid per symbol, as the books arrive, for pricing exits.

One entry per symbol watched with its book: the monitor records only those and drops the
rest whenever its watch plan changes, so memory stays bounded by the watched symbols.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from hantu.domain.exit_book_price import MAX_BID_GAP_TICKS, BestBid, book_exit_price
from hantu.domain.exits import ExitRules
from hantu.domain.values import Price, Symbol
from hantu.service_layer.ports import Clock


class BestBids:
    """Best bid and arrival time per symbol; prices an exit from the freshest one."""

    def __init__(self, clock: Clock, max_gap_ticks: int = MAX_BID_GAP_TICKS) -> None:
        self._clock = clock
        self._max_gap_ticks = max_gap_ticks
        self._bids: dict[Symbol, BestBid] = {}

    def record(self, symbol: Symbol, price: Decimal) -> None:
        self._bids[symbol] = BestBid(price, self._clock.now())

    def get(self, symbol: Symbol) -> BestBid | None:
        return self._bids.get(symbol)

    def all(self) -> Mapping[Symbol, BestBid]:
        """Every symbol's latest bid (a copy: the panel reads it while books arrive)."""
        return dict(self._bids)

    def retain(self, symbols: Iterable[Symbol]) -> None:
        """Forget every symbol not in `symbols` (unwatched, or no longer with its book)."""
        keep = set(symbols)
        for symbol in [s for s in self._bids if s not in keep]:
            del self._bids[symbol]

    def __len__(self) -> int:
        return len(self._bids)

    def exit_price(self, rules: ExitRules, symbol: Symbol, tick_price: Decimal) -> Price | None:
        """The exit's limit price now (None: market), from the tick and the book if fresh."""
        bid, now = self._bids.get(symbol), self._clock.now()
        return book_exit_price(rules, tick_price, bid, now, max_gap_ticks=self._max_gap_ticks)
