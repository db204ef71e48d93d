"""Which watched symbol streams over the WebSocket and which is polled: the plan, applied.

The monitor hands over its symbols in priority order (the position tracked first comes
first); `plan_watch` spends KIS's 41 registrations on them and this keeps the broker's
subscriptions equal to the plan, changing only what changed: a symbol promoted from REST
polling is watched (with its book if the plan gives it one), one demoted or closed is
unwatched. A watch or unwatch that fails is logged; the symbol is then polled, since its
trades do not stream.

A symbol KIS refused to register (its subscription skipped after three retries) is polled for
the rest of the stream's session and its other registrations are unwatched, so the slots go to
the next symbol in order instead of being held by a symbol that does not stream; a new session
(`on_new_session`: a reconnect, the next open) tries it again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence

from hantu.domain.values import StrategyAccountId, Symbol
from hantu.domain.watch_budget import KIS_REGISTRATIONS, WatchPath, WatchPlan, plan_watch
from hantu.service_layer.monitor_ports import SymbolWatch
from hantu.service_layer.ports import Tick
from hantu.service_layer.price_polling import PricePoller, SymbolPath

log = logging.getLogger(__name__)
_STREAMED = frozenset({WatchPath.TRADES_AND_BOOK, WatchPath.TRADES_ONLY})


class WatchPlanner:
    """Keeps the broker's symbol subscriptions equal to the latest watch plan."""

    def __init__(
        self,
        watch: SymbolWatch,
        *,
        budget: int = KIS_REGISTRATIONS,
        trade_cost: int = 1,
        after: Callable[[], None] | None = None,  # told after each apply
    ) -> None:
        self._watch = watch
        self._budget = budget
        self._trade_cost = trade_cost
        self._after = after
        self._symbols: list[tuple[StrategyAccountId, Symbol]] = []  # as last applied
        self._tasks: set[asyncio.Task[WatchPlan]] = set()
        self._applied: dict[Symbol, tuple[StrategyAccountId, WatchPath]] = {}
        self._refused: dict[Symbol, str] = {}  # symbol -> KIS's answer, this session
        self._lock = asyncio.Lock()  # one apply at a time: each reads what the last applied
        self.plan = plan_watch([], [], budget, trade_cost=trade_cost)

    @property
    def refused(self) -> Mapping[Symbol, str]:
        """The symbols KIS refused this session, with its answer."""
        return dict(self._refused)

    def on_refused(self, symbol: Symbol, reason: str) -> None:
        """Stream callback: KIS refused a registration of `symbol` after its retries; poll
        it this session and hand its registrations to the next symbol in order."""
        if symbol in self._refused:
            return
        self._refused[symbol] = reason
        log.warning("KIS refused to stream %s (%s): polled over REST", symbol, reason)
        self._reapply()

    def on_new_session(self) -> None:
        """Stream callback: a new session (reconnect, the next open) tries refused symbols
        again."""
        if self._refused:
            self._refused.clear()
            self._reapply()

    def _reapply(self) -> None:
        # Stream callbacks run synchronously in the realtime loop: the change is a task.
        task = asyncio.create_task(self._apply_latest(), name="watch plan")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _apply_latest(self) -> WatchPlan:
        async with self._lock:  # the symbols as of now: a position may have closed since
            return await self._apply(self._symbols)

    async def drain(self) -> None:
        """Wait for plan changes the stream asked for (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def path(self, symbol: Symbol) -> WatchPath | None:
        """The planned path of a watched symbol; None if it is not watched."""
        applied = self._applied.get(symbol)
        return None if applied is None else applied[1]

    async def apply(self, symbols: Sequence[tuple[StrategyAccountId, Symbol]]) -> WatchPlan:
        """Plan these symbols (highest priority first) and change the subscriptions to fit."""
        async with self._lock:
            return await self._apply(symbols)

    async def _apply(self, symbols: Sequence[tuple[StrategyAccountId, Symbol]]) -> WatchPlan:
        self._symbols = list(symbols)
        accounts: dict[Symbol, StrategyAccountId] = {}
        for account, symbol in symbols:
            accounts.setdefault(symbol, account)  # the first position's broker watches it
        ordered = [symbol.code for symbol in accounts]
        refused = {symbol.code for symbol in self._refused}
        plan = plan_watch(ordered, [], self._budget, trade_cost=self._trade_cost, refused=refused)
        self.plan = plan
        wanted = {Symbol(code): path for code, path in plan.paths.items()}
        for symbol, (account, path) in list(self._applied.items()):
            if (accounts.get(symbol), wanted.get(symbol)) == (account, path):
                continue
            if path in _STREAMED:
                await self._unwatch(account, symbol)
            del self._applied[symbol]
        # Unwatch first, then watch: a demoted symbol frees its slots before a promoted one
        # takes them, so the broker's 41 are never exceeded on the way.
        for symbol, path in wanted.items():
            account = accounts[symbol]
            if self._applied.get(symbol) != (account, path):
                if path in _STREAMED:
                    await self._start(account, symbol, path)
                self._applied[symbol] = (account, path)
        if self._after is not None:
            self._after()
        return plan

    async def _start(self, account: StrategyAccountId, symbol: Symbol, path: WatchPath) -> None:
        try:
            await self._watch.watch(account, symbol, order_book=path is WatchPath.TRADES_AND_BOOK)
        except Exception:
            log.exception("could not watch %s; it is polled over REST", symbol)

    async def _unwatch(self, account: StrategyAccountId, symbol: Symbol) -> None:
        try:
            await self._watch.unwatch(account, symbol)
        except Exception:
            log.exception("could not unwatch %s", symbol)


def paths_of(
    planner: WatchPlanner,
    poller: PricePoller | None,
    symbols: Iterable[Symbol],
    last: Mapping[Symbol, Tick],
) -> dict[Symbol, SymbolPath]:
    """Per symbol: polled if the poller found it off the stream, else its planned path; the
    time of its last price; KIS's answer if it refused to stream it this session."""
    paths: dict[Symbol, SymbolPath] = {}
    refused = planner.refused
    for symbol in symbols:
        planned = planner.path(symbol) or WatchPath.REST_POLLING
        polled = poller is not None and poller.polling(symbol)
        tick = last.get(symbol)
        paths[symbol] = SymbolPath(
            WatchPath.REST_POLLING if polled else planned,
            None if tick is None else tick.at,
            refused.get(symbol),
        )
    return paths
