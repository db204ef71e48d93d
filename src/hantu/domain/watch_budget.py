"""How KIS's 41 WebSocket registrations per app key are spent: an explicit, shown plan.

One registration goes to execution notices; each watched symbol then takes one for trades
(H0STCNT0) and, while budget remains, one for the book (H0STASP0). Holdings come first and are
never displaced by the watch list; what does not fit is polled over REST. A symbol KIS refused
to register this session (skipped after its retries) is polled too and takes no registration,
so the next symbol in order gets the stream instead.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

KIS_REGISTRATIONS = 41
EXECUTION_NOTICES = 1


class WatchPath(StrEnum):
    TRADES_AND_BOOK = "trades_and_book"
    TRADES_ONLY = "trades_only"
    REST_POLLING = "rest_polling"


@dataclass(frozen=True, slots=True)
class WatchPlan:
    paths: dict[str, WatchPath]
    registrations: int

    def symbols_on(self, path: WatchPath) -> list[str]:
        return [symbol for symbol, on in self.paths.items() if on is path]


def plan_watch(
    holdings: Sequence[str],
    watch_list: Sequence[str],
    budget: int = KIS_REGISTRATIONS,
    *,
    trade_cost: int = 1,
    refused: Collection[str] = (),
) -> WatchPlan:
    """Holdings (in priority order) then the watch list; trades first for all, books after.

    Trades for as many symbols as fit come before any book, so a book never costs another
    symbol its trades; books go to the highest-priority symbols. `trade_cost` is how many
    registrations a streamed symbol takes (2 on KIS real: H0STCNT0 and H0STMKO0); `refused`
    symbols are polled and skipped when the registrations are handed out.
    """
    if trade_cost < 1:
        raise ValueError(f"trade_cost must be at least 1, got {trade_cost}")
    ordered = list(dict.fromkeys([*holdings, *watch_list]))
    free = max(budget - EXECUTION_NOTICES, 0)
    streamable = [symbol for symbol in ordered if symbol not in refused]
    streamed = streamable[: free // trade_cost]
    books = free - len(streamed) * trade_cost
    rank = {symbol: index for index, symbol in enumerate(streamed)}
    paths: dict[str, WatchPath] = {}
    for symbol in ordered:
        index = rank.get(symbol)
        if index is None:
            paths[symbol] = WatchPath.REST_POLLING
        elif index < books:
            paths[symbol] = WatchPath.TRADES_AND_BOOK
        else:
            paths[symbol] = WatchPath.TRADES_ONLY
    used = EXECUTION_NOTICES + len(streamed) * trade_cost + min(books, len(streamed))
    return WatchPlan(paths, min(used, budget) if budget > 0 else 0)
