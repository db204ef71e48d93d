"""Add-buy opportunities on ticks of held symbols (spec 002 step 5).

The first tick of a held symbol each day loads the rule's level from finished daily candles
(cached); every tick then compares synchronously, so the realtime loop is not held up. A
touch is told once per symbol per day to each owner holding it: a normal-priority notice,
or, for a strategy in ALERT mode, a BUY alert with approve / reject buttons.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from hantu.domain.add_buy import AddBuyRule, DailyGate
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.service_layer.deps import SEOUL
from hantu.service_layer.exit_rules_ports import AccountOwner, AccountOwners, DailyCandles
from hantu.service_layer.ports import Clock, Tick

RETRY_AFTER = timedelta(minutes=5)  # the broker did not give candles: try again this late
Held = Callable[[], Iterable[tuple[StrategyAccountId, Symbol]]]
log = logging.getLogger(__name__)


class AddBuyTeller(Protocol):
    """Tell one owner of a position that its symbol touched the rule's level."""

    async def tell(
        self, owner: AccountOwner, symbol: Symbol, price: Decimal, level: Decimal, rule: str
    ) -> None: ...


class AddBuyWatcher:
    def __init__(
        self,
        rule: AddBuyRule,
        candles: DailyCandles,
        held: Held,
        owners: AccountOwners,
        teller: AddBuyTeller,
        clock: Clock,
    ) -> None:
        self._rule = rule
        self._candles = candles
        self._held = held
        self._owners = owners
        self._teller = teller
        self._clock = clock
        self._levels: dict[tuple[str, date], Decimal | None] = {}
        self._loading: set[tuple[str, date]] = set()
        self._retry_at: dict[tuple[str, date], datetime] = {}  # candles failed: ask again then
        self._gate = DailyGate()
        self._tasks: set[asyncio.Task[None]] = set()

    def on_tick(self, tick: Tick) -> None:
        """Realtime callback: judge the tick if its symbol is held by anyone."""
        accounts = [account for account, symbol in self._held() if symbol == tick.symbol]
        if not accounts:
            return
        today = self._clock.now().astimezone(SEOUL).date()
        key = (tick.symbol.code, today)
        retry = self._retry_at.get(key)
        if retry is not None and self._clock.now() >= retry:
            del self._retry_at[key]
            self._levels.pop(key, None)
        if key not in self._levels:
            if key not in self._loading:
                self._loading.add(key)
                self._spawn(self._load(accounts[0], tick, today))
            return
        level = self._levels[key]
        if level is None or not self._rule.touched(tick.price, level):
            return
        if self._gate.first(tick.symbol.code, today):
            self._spawn(self._tell(accounts, tick.symbol, tick.price, level))

    async def _load(self, account: StrategyAccountId, tick: Tick, today: date) -> None:
        key = (tick.symbol.code, today)
        try:
            candles = await self._candles.daily_candles(
                account, tick.symbol, today - timedelta(days=1), self._rule.lookback
            )
            self._levels[key] = self._rule.level(candles)
        except Exception:
            log.warning("no daily candles of %s: add-buy check paused", tick.symbol)
            self._levels[key] = None
            self._retry_at[key] = self._clock.now() + RETRY_AFTER
        finally:
            self._loading.discard(key)
        for old in [k for k in self._levels if k[1] != today]:
            del self._levels[old]
            self._retry_at.pop(old, None)
        self.on_tick(tick)  # the tick that asked is judged too

    async def _tell(
        self, accounts: list[StrategyAccountId], symbol: Symbol, price: Decimal, level: Decimal
    ) -> None:
        for account in accounts:
            try:
                owner = await self._owners.owner_of(int(account))
                if owner is not None:
                    await self._teller.tell(owner, symbol, price, level, self._rule.name)
            except Exception:
                log.exception("could not tell the add-buy chance of %s", symbol)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work, name="add-buy")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
