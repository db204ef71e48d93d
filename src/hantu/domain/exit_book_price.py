"""An exit priced from the order book: a SELL limit at the best bid while the book is fresh.

A limit at the last trade's price waits when buyers have stepped back; one at the best bid
is marketable and fills against the resting buyers. The bid only ever lowers the price
below the tick's: a sell limit at or below the best bid executes at the bid's price anyway
(price-time priority), so a real bid above the tick costs nothing, while a book that
predates the crossing tick (its bid already taken) would leave a limit above the market
resting unfilled. Stale, empty or absent books, and market pricing, price as before.

The bid lowers the price by at most `max_gap_ticks` KRX ticks below the tick's: a bid far
below the last trade is a thin or pulled book, and selling into it would sweep it (give away
the spread to whoever rests there). Beyond the cap the limit sits at the tick minus the cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from hantu.domain.exits import ExitPricing, ExitRules, exit_order_price, step_down
from hantu.domain.values import Price, round_to_tick

# How old a book may be and still price an exit. KIS pushes H0STASP0 on every book change,
# several times a second on a traded symbol, so a book older than this means the stream
# stalled or the symbol went quiet; then the tick's price is the better guide.
BOOK_FRESH = timedelta(seconds=2)
# How many ticks below the tick's price a bid may pull an exit (HANTU_EXIT_MAX_BID_GAP_TICKS).
MAX_BID_GAP_TICKS = 5


@dataclass(frozen=True, slots=True)
class BestBid:
    """A symbol's best bid and when its book arrived (the monitor's clock)."""

    price: Decimal
    at: datetime


def fresh_bid(
    bid: BestBid | None, now: datetime, max_age: timedelta = BOOK_FRESH
) -> Decimal | None:
    """The bid's price if the book is fresh and has a bid (KIS sends 0 for an empty side)."""
    if bid is None or bid.price <= 0 or now - bid.at > max_age:
        return None
    return bid.price


def book_exit_price(
    rules: ExitRules,
    tick_price: Decimal,
    bid: BestBid | None,
    now: datetime,
    lower_limit: Decimal | None = None,
    max_gap_ticks: int = MAX_BID_GAP_TICKS,
) -> Price | None:
    """The exit's limit price (None: a market order) from the tick and the book.

    With a fresh bid, LIMIT sells at the lower of the bid and the tick, but never more than
    `max_gap_ticks` ticks below the tick, and TICKS_THROUGH counts its n ticks from there;
    every price lands on the KRX grid, not below the day's lower limit.
    """
    if rules.pricing is ExitPricing.MARKET:
        return None
    best = fresh_bid(bid, now)
    base = tick_price
    if best is not None:
        base = max(min(best, tick_price), ticks_below(tick_price, max(max_gap_ticks, 0)))
    return exit_order_price(rules, base, lower_limit)


def ticks_below(price: Decimal, ticks: int) -> Price:
    """The price `ticks` steps down the KRX grid from `price` (rounded onto it first)."""
    stepped = round_to_tick(price)
    for _ in range(ticks):
        stepped = step_down(stepped)
    return stepped
