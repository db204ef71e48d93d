"""What the monitor tells people: the close-of-day summary of spec 002 §6.3 (one per user
with trades or holdings), the opening notice of §6.2 ("🚀 실시간 모니터링 시작") and, when a
person stops the monitor mid-session, a warning to every holder that nothing protects them.

A trade is one SELL order that realized PnL today (its partial fills summed), so a sale
filled in three pieces counts once; wins and losses come from `trade_stats`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
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
    async def tell(self, user_id: int, key: str, title: str, body: str) -> None:
        """Tell one user once per `key` (a day for the summary, an instant for a stop)."""
        ...


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
            await notifier.tell(user_day.user_id, day.isoformat(), title, body)
        except Exception:
            log.exception("the daily summary of user %s could not be told", user_day.user_id)
            continue
        told += 1
    return told


async def send_opening_notice(
    results: DayResults, notifier: SummaryNotifier, day: date, done: int, total: int
) -> int:
    """Tell every user who holds something that the monitor watches it from now on."""

    def texts(symbols: int) -> tuple[str, str]:
        return ko.monitor_panel.monitoring_started(symbols, done, total)

    return await _tell_holders(results, notifier, day, day.isoformat(), texts)


async def send_stopped_notice(
    results: DayResults, notifier: SummaryNotifier, at: datetime, day: date
) -> int:
    """Tell every holder that a person stopped the monitor: their exits are not watched."""
    return await _tell_holders(
        results, notifier, day, at.isoformat(), ko.monitor_panel.monitoring_stopped_by_person
    )


async def _tell_holders(
    results: DayResults,
    notifier: SummaryNotifier,
    day: date,
    key: str,
    texts: Callable[[int], tuple[str, str]],
) -> int:
    told = 0
    for user_day in await results.of_day(day):
        if not user_day.holdings:
            continue
        title, body = texts(len({h.symbol for h in user_day.holdings}))
        try:
            await notifier.tell(user_day.user_id, key, title, body)
        except Exception:
            log.exception("a monitor notice to user %s could not be told", user_day.user_id)
            continue
        told += 1
    return told
