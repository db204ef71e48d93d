"""Which symbols the broker lists, and on which price grid: a webhook for an unlisted code or
an off-grid price is refused before any order is written. Each symbol costs one quote a
trading day, asked once for a whole burst of webhooks: on a paper account (2 requests/s) one
quote each would hold every order of the burst back for seconds."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from decimal import Decimal

from hantu.domain.masking import mask
from hantu.domain.values import StrategyAccountId, Symbol, tick_size
from hantu.errors import HantuError, UnknownSymbol
from hantu.service_layer.deps import Deps

log = logging.getLogger(__name__)


class SymbolBook:
    """Remembers the symbols the broker confirmed listed today, with their own tick."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._listed: dict[Symbol, tuple[date, Decimal | None]] = {}
        self._asking: dict[Symbol, asyncio.Future[Decimal | None]] = {}

    async def check(self, strategy_account_id: StrategyAccountId, symbol: Symbol) -> Decimal | None:
        """Raise `UnknownSymbol` if the broker lists no such symbol; else return the symbol's
        own tick when it is not the stock table's (ETFs, ETNs), or None.

        When the broker cannot be asked, the symbol passes under the stock table: the order
        itself then meets the broker's answer, and a hiccup never blocks a listed symbol.
        """
        today = self._deps.trading_day_start().date()
        known = self._listed.get(symbol)
        if known is not None and known[0] == today:
            return known[1]
        asking = self._asking.get(symbol)
        if asking is None:  # the first of a burst asks; the others wait for its answer
            asking = asyncio.ensure_future(self._ask(strategy_account_id, symbol, today))
            self._asking[symbol] = asking
            asking.add_done_callback(lambda _: self._asking.pop(symbol, None))
        return await asyncio.shield(asking)

    async def _ask(
        self, strategy_account_id: StrategyAccountId, symbol: Symbol, today: date
    ) -> Decimal | None:
        try:
            broker = await self._deps.brokers.broker_for(strategy_account_id)
            quote = await asyncio.wait_for(broker.quote(symbol), self._deps.order_timeout)
        except UnknownSymbol:
            raise
        except (HantuError, TimeoutError) as exc:
            log.warning("could not check symbol %s: %s", symbol, mask(str(exc)))
            return None
        own = quote.tick if quote.tick and quote.tick != tick_size(quote.price) else None
        self._listed[symbol] = (today, own)
        return own
