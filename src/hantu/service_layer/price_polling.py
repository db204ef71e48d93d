"""REST polling for every watched symbol whose ticks do not flow: never blind.

A symbol is polled (KIS inquire-price, FHKST01010100, through the broker's `quote`) while
its WebSocket trades do not reach us: the stream is reconnecting or asleep, its subscription
was skipped after three refusals, or the watch budget left it out. Polls go round-robin, one
every `1 / per_second` seconds, so all of them together stay well inside KIS's REST limit
(20 requests/s real, 2 paper) and leave room for orders; each polled price is handed to the
monitor as a tick, so a stop-loss fires from it exactly as from a streamed trade.

A stream that is back does not tell what traded while it was gone: a level crossed in an
outage shorter than one poll, with no trade since, would go unseen. So every symbol is also
quoted once whenever its trades start flowing on a new session (its first subscription, and
each reconnect): ticks after the ack come by the stream, the quote covers what came before.
Those catch-up quotes go first.

A quote also says whether the symbol is halted or under VI (`temp_stop_yn`, `vi_cls_code`),
which the stream's market-status frames would have said: it is handed to `on_status` as a
frame would be, so a polled crossing during a VI waits and is sold when trading resumes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from hantu.domain.values import Quantity, StrategyAccountId, Symbol
from hantu.domain.watch_budget import WatchPath
from hantu.service_layer.deps import Deps
from hantu.service_layer.monitor_ports import StreamHealth
from hantu.service_layer.ports import Tick

Target = tuple[StrategyAccountId, Symbol]
Pace = Callable[[float], Awaitable[None]]
OnStatus = Callable[[bool, Symbol], None]  # (halted or VI, symbol), as market-status frames
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SymbolPath:
    """How one watched symbol is seen now, for the monitor's status."""

    path: WatchPath
    last_price_at: datetime | None
    refused: str | None = None  # KIS's answer when it refused to stream the symbol


class PricePoller:
    """Round-robin REST quotes for the watched symbols the WebSocket does not cover now."""

    def __init__(
        self,
        deps: Deps,
        stream: StreamHealth,
        targets: Callable[[], list[Target]],
        on_price: Callable[[Tick], None],
        *,
        per_second: float,
        pace: Pace = asyncio.sleep,
        on_status: OnStatus | None = None,
    ) -> None:
        if per_second <= 0:
            raise ValueError(f"per_second must be positive, got {per_second}")
        self._deps = deps
        self._stream = stream
        self._targets = targets
        self._on_price = on_price
        self._interval = 1 / per_second
        self._pace = pace
        self._on_status = on_status
        self._polled: set[Symbol] = set()
        self._fresh: dict[Symbol, int] = {}  # the stream session each symbol was caught up on
        self._catch_up: list[tuple[Target, int]] = []
        self._last_polled: Symbol | None = None
        self.polls = 0

    def polling(self, symbol: Symbol) -> bool:
        """Whether the last pass found this symbol off the stream (so it is polled)."""
        return symbol in self._polled

    async def due(self) -> list[Target]:
        """The targets whose trades do not stream now, in the monitor's priority order; the
        ones streaming on a session they were not caught up on are queued for one quote."""
        due: list[Target] = []
        self._catch_up = []
        for account, symbol in self._targets():
            state = await self._stream.streaming(account, symbol)
            if state is None:
                continue
            if not state.up:
                due.append((account, symbol))
                self._fresh.pop(symbol, None)
            elif self._fresh.get(symbol) != state.session:
                self._catch_up.append(((account, symbol), state.session))
        polled = {symbol for _, symbol in due}
        for symbol in polled - self._polled:
            log.warning("%s is not streaming: polled over REST", symbol)
        for symbol in self._polled - polled:
            log.info("%s streams again: REST polling stopped", symbol)
        self._polled = polled
        return due

    async def poll_once(self) -> Symbol | None:
        """Quote a symbol to catch up on, else the next due one after the one polled last;
        None when nothing is due."""
        due = await self.due()
        if self._catch_up:
            (account, symbol), session = self._catch_up[0]
            await self._quote(account, symbol)
            self._fresh[symbol] = session  # after the quote: a failed one is tried again
            return symbol
        if not due:
            return None
        account, symbol = self._next(due)
        self._last_polled = symbol
        await self._quote(account, symbol)
        return symbol

    async def _quote(self, account: StrategyAccountId, symbol: Symbol) -> None:
        broker = await self._deps.brokers.broker_for(int(account))
        quote = await broker.quote(symbol)
        self.polls += 1
        suspended = quote.halted or quote.vi_active
        if suspended and self._on_status is not None:
            self._on_status(True, symbol)  # paused before the price is judged
        if quote.price > 0:
            self._on_price(Tick(symbol, quote.price, Quantity(0), self._deps.clock.now()))
        if not suspended and self._on_status is not None:
            self._on_status(False, symbol)  # after: a resume judges this very price

    def _next(self, due: list[Target]) -> Target:
        symbols = [symbol for _, symbol in due]
        if self._last_polled in symbols:
            return due[(symbols.index(self._last_polled) + 1) % len(due)]
        return due[0]

    async def run(self) -> None:
        """Poll forever at the configured pace; a failed quote is logged and skipped."""
        while True:
            try:
                await self.poll_once()
            except Exception:  # one refused quote must not blind every other symbol
                log.exception("a REST price poll failed; the next symbol is polled")
            await self._pace(self._interval)
