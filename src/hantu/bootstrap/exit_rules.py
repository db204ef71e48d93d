"""Exit rules per strategy and position wired to the application: the stored layers over the
environment's defaults, ATR from the account broker's daily candles (cached per day), and
the running monitor told when someone changes rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hantu.adapters.db.engine import Database
from hantu.adapters.db.exit_rules_repository import SqlExitRuleStore
from hantu.config import Settings
from hantu.domain.exit_rule_settings import settings_layer
from hantu.domain.exits import Candle
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.errors import BrokerUnavailable
from hantu.service_layer.daily_candles import CachedCandles
from hantu.service_layer.exit_rules import ExitRulesService, StoredRules
from hantu.service_layer.ports import BrokerDirectory, Clock


def defaults_of(settings: Settings) -> dict[str, object]:
    """The bottom layer: the environment's `HANTU_EXIT_*` settings."""
    return settings_layer(
        stop_loss_pct=settings.exit_stop_loss_pct,
        take_profit_pct=settings.exit_take_profit_pct,
        trailing_pct=settings.exit_trailing_pct,
        pricing=settings.exit_pricing,
        ticks_through=settings.exit_ticks_through,
        atr_enabled=settings.exit_atr_enabled,
        atr_stop_k=settings.exit_atr_stop_k,
        atr_take_k=settings.exit_atr_take_k,
        atr_trail_k=settings.exit_atr_trail_k,
        atr_period=settings.exit_atr_period,
    )


class BrokerCandles:
    """Daily candles from the broker behind a strategy account (KIS: FHKST03010100)."""

    def __init__(self, brokers: BrokerDirectory) -> None:
        self._brokers = brokers

    async def daily_candles(
        self, account: StrategyAccountId, symbol: Symbol, day: date, count: int
    ) -> list[Candle]:
        broker = await self._brokers.broker_for(int(account))
        read = getattr(broker, "daily_candles", None)
        if not callable(read):
            raise BrokerUnavailable("this broker has no daily candles")
        candles: list[Candle] = await read(symbol, day, count)
        return candles


@dataclass(frozen=True, slots=True)
class ExitRulesWiring:
    service: ExitRulesService
    source: StoredRules
    candles: CachedCandles


def build_exit_rules(
    settings: Settings, db: Database, clock: Clock, brokers: BrokerDirectory
) -> ExitRulesWiring:
    service = ExitRulesService(SqlExitRuleStore(db, clock), defaults_of(settings))
    candles = CachedCandles(BrokerCandles(brokers))
    return ExitRulesWiring(service, StoredRules(service, candles, clock), candles)
