"""Exit rules per strategy and per position: read, change (owner-scoped), and resolve.

The environment's settings are the bottom layer; a strategy's stored layer is its default
for every position it holds, a position's layer overrides that. A change is told to the
listeners (the running exit monitor re-resolves the positions it watches), so new levels
apply from the next tick.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from hantu.domain.errors import NotFound
from hantu.domain.exit_rule_settings import ExitPlan, Layer, parse_layer, resolve
from hantu.domain.exits import ExitRules, average_true_range
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.service_layer.deps import SEOUL
from hantu.service_layer.exit_rules_ports import DailyCandles, ExitRuleStore
from hantu.service_layer.monitor_ports import WatchedPosition
from hantu.service_layer.ports import Clock

Changed = Callable[[StrategyAccountId | None, Symbol | None], Awaitable[None]]
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RulesView:
    """A layer as stored (`own`), what applies after inheritance (`effective`), and the
    layer below it (`inherited`) so a form can show what a blank field falls back to."""

    own: Layer
    effective: ExitPlan
    inherited: ExitPlan


class ExitRulesService:
    def __init__(self, store: ExitRuleStore, settings: Layer) -> None:
        self._store = store
        self._settings = dict(settings)
        self._listeners: list[Changed] = []

    @property
    def store(self) -> ExitRuleStore:
        return self._store

    def defaults(self) -> ExitPlan:
        return resolve(self._settings)

    def on_change(self, listener: Changed) -> None:
        self._listeners.append(listener)

    async def strategy_rules(self, user_id: int, strategy_id: int) -> RulesView:
        if not await self._store.owned_strategy(user_id, strategy_id):
            raise NotFound("strategy")
        own = await self._store.strategy_layer(strategy_id) or {}
        return RulesView(own, resolve(self._settings, own), resolve(self._settings))

    async def set_strategy_rules(
        self, user_id: int, strategy_id: int, raw: Mapping[str, object]
    ) -> RulesView:
        """Replace the strategy's layer (RuleInvalid before anything is stored)."""
        layer = parse_layer(raw)
        resolve(self._settings, layer)  # the whole must make rules
        if not await self._store.owned_strategy(user_id, strategy_id):
            raise NotFound("strategy")
        await self._store.set_strategy_layer(strategy_id, layer)
        await self._tell(None, None)
        return await self.strategy_rules(user_id, strategy_id)

    async def position_rules(self, user_id: int, account: int, symbol: Symbol) -> RulesView:
        owner = await self._store.owner_of(account)
        if owner is None or owner.user_id != user_id:
            raise NotFound("position")
        strategy = await self._store.strategy_layer(owner.strategy_id) or {}
        own = await self._store.position_layer(account, symbol.code) or {}
        return RulesView(
            own, resolve(self._settings, strategy, own), resolve(self._settings, strategy)
        )

    async def set_position_rules(
        self, user_id: int, account: int, symbol: Symbol, raw: Mapping[str, object]
    ) -> RulesView:
        layer = parse_layer(raw, position=True)
        resolve(self._settings, None, layer)
        if not await self._store.owned_account(user_id, account):
            raise NotFound("position")
        await self._store.set_position_layer(account, symbol.code, layer)
        await self._tell(StrategyAccountId(account), symbol)
        return await self.position_rules(user_id, account, symbol)

    async def plan_for(self, account: StrategyAccountId, symbol: Symbol) -> ExitPlan:
        """The effective plan of one position (strategy and position layers from the store)."""
        owner = await self._store.owner_of(int(account))
        strategy = None if owner is None else await self._store.strategy_layer(owner.strategy_id)
        own = await self._store.position_layer(int(account), symbol.code)
        return resolve(self._settings, strategy, own)

    async def support_price(self, account: StrategyAccountId, symbol: Symbol) -> Decimal | None:
        """The position's fixed add-buy support, None when its rule's own level applies."""
        own = await self._store.position_layer(int(account), symbol.code)
        return resolve(self._settings, None, own).support_price

    async def _tell(self, account: StrategyAccountId | None, symbol: Symbol | None) -> None:
        for listener in self._listeners:
            try:
                await listener(account, symbol)
            except Exception:
                log.exception("an exit-rule listener failed; the monitor may use old rules")


class StoredRules:
    """The monitor's `RulesSource`: the stored layers resolved, ATR from daily candles.

    Whatever fails here (the database, the broker's candles), the position is still
    protected: by the settings' rules, or by the fixed percentages without ATR.
    """

    def __init__(
        self, service: ExitRulesService, candles: DailyCandles | None, clock: Clock
    ) -> None:
        self._service = service
        self._candles = candles
        self._clock = clock
        self._fallback = service.defaults()

    async def rules_for(self, position: WatchedPosition) -> tuple[ExitRules, Decimal | None]:
        try:
            plan = await self._service.plan_for(position.strategy_account_id, position.symbol)
        except Exception:
            log.exception("exit rules of %s unreadable: the defaults apply", position.symbol)
            plan = self._fallback
        atr = await self._atr(position, plan) if plan.atr_enabled else None
        return plan.rules(atr), atr

    async def _atr(self, position: WatchedPosition, plan: ExitPlan) -> Decimal | None:
        if self._candles is None:
            return None
        try:
            candles = await self._candles.daily_candles(
                position.strategy_account_id,
                position.symbol,
                # Finished days only: today's bar is still moving.
                self._clock.now().astimezone(SEOUL).date() - timedelta(days=1),
                plan.atr_period + 1,
            )
        except Exception:
            log.warning("no daily candles of %s: fixed exit levels apply", position.symbol)
            return None
        return average_true_range(candles, plan.atr_period)
