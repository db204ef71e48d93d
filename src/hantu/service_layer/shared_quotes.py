"""Quotes shared between presses: many approvals of alerts on one symbol arriving together
(fifty taps, a Telegram press racing a web click) read the price once, not once each, so
the price check does not spend the broker's per-second request budget that the orders
themselves need. By default only reads in flight are shared: a press after a read has
answered reads again, because a person confirming a new price must be checked against the
price at that press (`fresh_seconds` keeps answers longer where that does not matter)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from decimal import Decimal

from hantu.service_layer.alerts_ports import Quote
from hantu.service_layer.ports import Clock

Key = tuple[int, str]


class SharedQuotes:
    """A `Quote` that coalesces concurrent reads of one (account, symbol) into one call and
    reuses the answer while it is fresh; a failed read (None) is not kept."""

    def __init__(self, quote: Quote, clock: Clock, fresh_seconds: float = 0.0) -> None:
        self._quote = quote
        self._clock = clock
        self._fresh = timedelta(seconds=fresh_seconds)
        self._known: dict[Key, tuple[datetime, Decimal]] = {}
        self._reading: dict[Key, asyncio.Future[Decimal | None]] = {}

    async def __call__(self, strategy_account_id: int, symbol: str) -> Decimal | None:
        key = (strategy_account_id, symbol)
        known = self._known.get(key)
        if known is not None and self._clock.now() - known[0] < self._fresh:
            return known[1]
        if (reading := self._reading.get(key)) is not None:
            return await asyncio.shield(reading)
        reading = asyncio.get_running_loop().create_future()
        self._reading[key] = reading
        try:
            price = await self._quote(strategy_account_id, symbol)
        except BaseException as exc:
            reading.set_exception(exc)
            reading.exception()  # retrieved: the waiters (if any) raise it themselves
            raise
        finally:
            del self._reading[key]
        if price is not None:
            self._known[key] = (self._clock.now(), price)
        reading.set_result(price)
        return price
