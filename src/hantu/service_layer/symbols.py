"""Which symbols the broker lists: a webhook for an unlisted code is refused before any
order is written. Each symbol is asked about once a trading day (one quote)."""

from __future__ import annotations

import asyncio
import logging
from datetime import date

from hantu.domain.masking import mask
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.errors import HantuError, UnknownSymbol
from hantu.service_layer.deps import Deps

log = logging.getLogger(__name__)


class SymbolBook:
    """Remembers the symbols the broker confirmed listed today."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._listed: dict[Symbol, date] = {}

    async def check(self, strategy_account_id: StrategyAccountId, symbol: Symbol) -> None:
        """Raise `UnknownSymbol` if the broker lists no such symbol.

        When the broker cannot be asked, the symbol passes: the order itself then meets the
        broker's answer, and a market hiccup never blocks a listed symbol.
        """
        today = self._deps.trading_day_start().date()
        if self._listed.get(symbol) == today:
            return
        try:
            broker = await self._deps.brokers.broker_for(strategy_account_id)
            await asyncio.wait_for(broker.quote(symbol), self._deps.order_timeout)
        except UnknownSymbol:
            raise
        except (HantuError, TimeoutError) as exc:
            log.warning("could not check symbol %s: %s", symbol, mask(str(exc)))
            return
        self._listed[symbol] = today
