"""What per-strategy / per-position exit rules need from outside: their store, daily
candles for ATR, and the seam through which the exit monitor asks for a position's rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from hantu.domain.exits import Candle, ExitRules
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.service_layer.monitor_ports import WatchedPosition

Layer = dict[str, object]


@dataclass(frozen=True, slots=True)
class AccountOwner:
    """Who a strategy account belongs to, and its strategy's mode (AUTO / ALERT)."""

    strategy_account_id: StrategyAccountId
    strategy_id: int
    user_id: int
    mode: str
    alert_expiry_minutes: int
    alert_tolerance_pct: Decimal


class AccountOwners(Protocol):
    async def owner_of(self, strategy_account_id: int) -> AccountOwner | None: ...


class ExitRuleStore(AccountOwners, Protocol):
    """Stored layers; the `owned_*` reads return None outside the user's ownership chain."""

    async def owned_strategy(self, user_id: int, strategy_id: int) -> bool: ...

    async def owned_account(self, user_id: int, strategy_account_id: int) -> bool: ...

    async def strategy_layer(self, strategy_id: int) -> Layer | None: ...

    async def position_layer(self, strategy_account_id: int, symbol: str) -> Layer | None: ...

    async def set_strategy_layer(self, strategy_id: int, layer: Layer) -> None: ...

    async def set_position_layer(
        self, strategy_account_id: int, symbol: str, layer: Layer
    ) -> None: ...


class DailyCandles(Protocol):
    """Daily candles of a symbol up to `day` (oldest first), as the account's broker has them."""

    async def daily_candles(
        self, account: StrategyAccountId, symbol: Symbol, day: date, count: int
    ) -> list[Candle]: ...


class RulesSource(Protocol):
    """The exit monitor's seam: a position's rules (and the ATR they were made with)."""

    async def rules_for(self, position: WatchedPosition) -> tuple[ExitRules, Decimal | None]: ...
