"""The close-of-day summary of spec 002 §6.3, one per user with trades or holdings, and the
opening notice of §6.2 ("🚀 실시간 모니터링 시작"), one per user with holdings.

A trade is one SELL order that realized PnL today (its partial fills summed), so a sale
filled in three pieces counts once; wins and losses come from `trade_stats`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from hantu import messages_ko as ko
from hantu.domain.pnl_stats import trade_stats
from hantu.domain.values import Symbol
from hantu.service_layer.symbol_names import SymbolNames

ZERO = Decimal(0)
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Holding:
    symbol: Symbol
    quantity: Decimal
    average_price: Decimal


@dataclass(frozen=True, slots=True)
class UserDay:
    """One user's day: the PnL of each sell order that realized some, and what is held."""

    user_id: int
    trade_pnls: tuple[Decimal, ...]
    holdings: tuple[Holding, ...]


class DayResults(Protocol):
    async def of_day(self, day: date) -> list[UserDay]:
        """Every user with a realized trade on this Seoul day or an open position."""
        ...


class SummaryNotifier(Protocol):
    async def tell(self, user_id: int, day: date, title: str, body: str) -> None: ...


def summary_of(
    user_day: UserDay, names: dict[Symbol, str], next_monitoring: str | None = None
) -> ko.DaySummary:
    stats = trade_stats(user_day.trade_pnls)
    summary = ko.DaySummary(
        total_trades=stats.trades,
        total_pnl=sum(user_day.trade_pnls, ZERO),
        wins=stats.wins,
        losses=stats.losses,
        avg_win=stats.average_win or ZERO,
        avg_loss=stats.average_loss or ZERO,
        positions=[
            ko.HeldLine(names.get(h.symbol, ""), h.symbol.code, h.quantity, h.average_price)
            for h in user_day.holdings
        ],
    )
    return summary if next_monitoring is None else summary._replace(next_monitoring=next_monitoring)


async def send_daily_summary(
    results: DayResults,
    names: SymbolNames,
    notifier: SummaryNotifier,
    day: date,
    next_open: datetime | None = None,
) -> int:
    """Tell every user their day (and when the monitor starts next, from the calendar);
    returns how many were told. One user's failure does not keep the others from theirs."""
    upcoming = None if next_open is None else ko.monitor_panel.next_monitoring(next_open, day)
    told = 0
    for user_day in await results.of_day(day):
        symbols = [h.symbol for h in user_day.holdings]
        try:
            known = dict(await names.names(symbols)) if symbols else {}
        except Exception:  # names are a nicety: codes alone still tell the day
            log.warning("symbol names unavailable for the daily summary", exc_info=True)
            known = {}
        title, body = ko.daily_summary(summary_of(user_day, known, upcoming))
        try:
            await notifier.tell(user_day.user_id, day, title, body)
        except Exception:
            log.exception("the daily summary of user %s could not be told", user_day.user_id)
            continue
        told += 1
    return told


async def send_opening_notice(
    results: DayResults, notifier: SummaryNotifier, day: date, done: int, total: int
) -> int:
    """Tell every user who holds something that the monitor watches it from now on."""
    told = 0
    for user_day in await results.of_day(day):
        if not user_day.holdings:
            continue
        symbols = len({h.symbol for h in user_day.holdings})
        title, body = ko.monitor_panel.monitoring_started(symbols, done, total)
        try:
            await notifier.tell(user_day.user_id, day, title, body)
        except Exception:
            log.exception("the opening notice of user %s could not be told", user_day.user_id)
            continue
        told += 1
    return told
