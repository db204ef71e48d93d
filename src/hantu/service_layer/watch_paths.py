"""Which watched symbol streams over the WebSocket and which is polled: the plan, applied.

The monitor hands over its symbols in priority order (the position tracked first comes
first); `plan_watch` spends KIS's 41 registrations on them and this keeps the broker's
subscriptions equal to the plan, changing only what changed: a symbol promoted from REST
polling is watched (with its book if the plan gives it one), one demoted or closed is
unwatched. A watch or unwatch that fails is logged; the symbol is then polled, since its
trades do not stream.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from hantu.domain.values import StrategyAccountId, Symbol
from hantu.domain.watch_budget import KIS_REGISTRATIONS, WatchPath, WatchPlan, plan_watch
from hantu.service_layer.monitor_ports import SymbolWatch

log = logging.getLogger(__name__)
_STREAMED = frozenset({WatchPath.TRADES_AND_BOOK, WatchPath.TRADES_ONLY})


class WatchPlanner:
    """Keeps the broker's symbol subscriptions equal to the latest watch plan."""

    def __init__(
        self, watch: SymbolWatch, *, budget: int = KIS_REGISTRATIONS, trade_cost: int = 1
    ) -> None:
        self._watch = watch
        self._budget = budget
        self._trade_cost = trade_cost
        self._applied: dict[Symbol, tuple[StrategyAccountId, WatchPath]] = {}
        self.plan = plan_watch([], [], budget, trade_cost=trade_cost)

    def path(self, symbol: Symbol) -> WatchPath | None:
        """The planned path of a watched symbol; None if it is not watched."""
        applied = self._applied.get(symbol)
        return None if applied is None else applied[1]

    async def apply(self, symbols: Sequence[tuple[StrategyAccountId, Symbol]]) -> WatchPlan:
        """Plan these symbols (highest priority first) and change the subscriptions to fit."""
        accounts: dict[Symbol, StrategyAccountId] = {}
        for account, symbol in symbols:
            accounts.setdefault(symbol, account)  # the first position's broker watches it
        ordered = [symbol.code for symbol in accounts]
        plan = plan_watch(ordered, [], self._budget, trade_cost=self._trade_cost)
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
