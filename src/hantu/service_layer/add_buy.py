"""Add-buy opportunities on ticks of held symbols (spec 002 step 5).

The first tick of a held symbol each day loads the rule's level from finished daily candles
(cached), and each holding position's fixed support price, if its owner set one (it then
replaces the rule's level for that position; a change is read again at once). Every tick
then compares synchronously, so the realtime loop is not held up. A touch is told once per
position and level per day to its owner: a normal-priority notice, or, for a strategy in
ALERT mode, a BUY alert with approve / reject buttons.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from hantu.domain.add_buy import AddBuyRule, DailyGate, position_level
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


class SupportPrices(Protocol):
    """A position's fixed support price, set by its owner (None: the rule's own level)."""

    async def support_price(self, account: StrategyAccountId, symbol: Symbol) -> Decimal | None: ...


class AddBuyWatcher:
    def __init__(
        self,
        rule: AddBuyRule,
        candles: DailyCandles,
        held: Held,
        owners: AccountOwners,
        teller: AddBuyTeller,
        clock: Clock,
        supports: SupportPrices | None = None,
    ) -> None:
        self._rule = rule
        self._candles = candles
        self._held = held
        self._owners = owners
        self._teller = teller
        self._clock = clock
        self._supports = supports
        self._levels: dict[tuple[str, date], Decimal | None] = {}
        self._fixed: dict[tuple[StrategyAccountId, str, date], Decimal | None] = {}
        self._epoch = 0  # bumped by a change: a read begun before it is not kept
        self._fixed_retry: dict[tuple[StrategyAccountId, str], datetime] = {}  # read failed
        self._loading: set[tuple[str, date]] = set()
        self._retry_at: dict[tuple[str, date], datetime] = {}  # candles failed: ask again then
        self._gate = DailyGate()
        self._tasks: set[asyncio.Task[None]] = set()

    def on_tick(self, tick: Tick) -> None:
        """Realtime callback: judge the tick for every position holding its symbol."""
        accounts = [account for account, symbol in self._held() if symbol == tick.symbol]
        if not accounts:
            return
        code, today = tick.symbol.code, self._clock.now().astimezone(SEOUL).date()
        key = (code, today)
        self._forget_failed(key, accounts)
        unknown = [a for a in accounts if (a, code, today) not in self._fixed]
        if key not in self._levels or unknown:
            if key not in self._loading:
                self._loading.add(key)
                self._spawn(self._load(accounts[0], unknown, tick, today))
            return
        for account in accounts:
            level = position_level(self._levels[key], self._fixed[(account, code, today)])
            if level is None or not self._rule.touched(tick.price, level):
                continue
            # Once a day per position and level: a support moved by its owner speaks again.
            if self._gate.first(f"{int(account)}:{code}:{level}", today):
                self._spawn(self._tell(account, tick.symbol, tick.price, level))

    def _forget_failed(self, key: tuple[str, date], accounts: list[StrategyAccountId]) -> None:
        now = self._clock.now()
        if (retry := self._retry_at.get(key)) is not None and now >= retry:
            del self._retry_at[key]
            self._levels.pop(key, None)
        for account in accounts:
            again = self._fixed_retry.get((account, key[0]))
            if again is not None and now >= again:
                del self._fixed_retry[(account, key[0])]
                self._fixed.pop((account, *key), None)

    async def refresh_supports(
        self, account: StrategyAccountId | None = None, symbol: Symbol | None = None
    ) -> None:
        """Rules changed: read the position's support price again on its next tick (a
        strategy's rules carry none, so a change without `account` touches nothing)."""
        if account is None or symbol is None:
            return
        self._epoch += 1
        for key in [k for k in self._fixed if k[0] == account and k[1] == symbol.code]:
            del self._fixed[key]

    async def _load(
        self, account: StrategyAccountId, unknown: list[StrategyAccountId], tick: Tick, today: date
    ) -> None:
        key = (tick.symbol.code, today)
        try:
            if key not in self._levels:
                await self._load_level(account, tick.symbol, today)
            epoch = self._epoch
            fixed = {a: await self._support_of(a, tick.symbol) for a in unknown}
            if epoch == self._epoch:
                self._fixed.update({(a, key[0], today): price for a, price in fixed.items()})
        finally:
            self._loading.discard(key)
        for old in [k for k in self._levels if k[1] != today]:
            del self._levels[old]
            self._retry_at.pop(old, None)
        for old_fixed in [k for k in self._fixed if k[2] != today]:
            del self._fixed[old_fixed]
        self.on_tick(tick)  # the tick that asked is judged too

    async def _load_level(self, account: StrategyAccountId, symbol: Symbol, today: date) -> None:
        key = (symbol.code, today)
        try:
            candles = await self._candles.daily_candles(
                account, symbol, today - timedelta(days=1), self._rule.lookback
            )
            self._levels[key] = self._rule.level(candles)
        except Exception:
            log.warning("no daily candles of %s: add-buy check paused", symbol)
            self._levels[key] = None
            self._retry_at[key] = self._clock.now() + RETRY_AFTER

    async def _support_of(self, account: StrategyAccountId, symbol: Symbol) -> Decimal | None:
        if self._supports is None:
            return None
        try:
            return await self._supports.support_price(account, symbol)
        except Exception:
            log.warning("support price of %s unreadable: the rule's level applies", symbol)
            self._fixed_retry[(account, symbol.code)] = self._clock.now() + RETRY_AFTER
            return None

    async def _tell(
        self, account: StrategyAccountId, symbol: Symbol, price: Decimal, level: Decimal
    ) -> None:
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
