"""Daily candles cached per symbol per day: ATR and support levels ask again and again for
the same bars, and the broker's quotation budget is small (paper: 2 requests a second).

The last bar is today's, still moving; the cache keeps the first answer of the day, which is
what a daily ATR or a support of the past days needs (their bars are final).
"""

from __future__ import annotations

import asyncio
from datetime import date

from hantu.domain.exits import Candle
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.service_layer.exit_rules_ports import DailyCandles

AT_LEAST = 30  # candles fetched per symbol and day: ATR(14) and a 20-day support share them


class CachedCandles:
    """A `DailyCandles` in front of another; concurrent asks for one key make one call."""

    def __init__(self, source: DailyCandles) -> None:
        self._source = source
        self._cache: dict[tuple[str, date], list[Candle]] = {}
        self._locks: dict[tuple[str, date], asyncio.Lock] = {}
        self.calls = 0  # answers fetched from the source (tests, metrics)

    async def daily_candles(
        self, account: StrategyAccountId, symbol: Symbol, day: date, count: int
    ) -> list[Candle]:
        key = (symbol.code, day)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            cached = self._cache.get(key)
            if cached is None or len(cached) < count:
                self.calls += 1
                wanted = max(count, AT_LEAST)
                cached = await self._source.daily_candles(account, symbol, day, wanted)
                self._drop_other_days(day)
                self._cache[key] = cached
        return cached[-count:]

    def _drop_other_days(self, day: date) -> None:
        for key in [k for k in self._cache if k[1] != day]:
            del self._cache[key]
            self._locks.pop(key, None)
