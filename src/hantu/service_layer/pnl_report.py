"""The PnL report of one user: their fills along the ownership chain (user → strategy →
strategy account), marks from the broker, and the domain's figures per strategy and per
broker account."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from hantu.domain.accounts import StrategyAccountView
from hantu.domain.errors import HantuError
from hantu.domain.masking import mask
from hantu.domain.pnl import (
    SEOUL,
    DayResult,
    FoldState,
    PnlSummary,
    fold,
    held_symbols,
    last_marks,
    summarize_days,
)
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.service_layer.deps import Deps
from hantu.service_layer.pnl_folding import closed_days, day_start, pnl_fill

log = logging.getLogger(__name__)

QUOTE_TIMEOUT_SECONDS = 2.0  # a slow broker leaves marks estimated, never the page waiting


@dataclass(frozen=True, slots=True)
class PnlQuery:
    """Filters of the report; ids the user does not own match nothing."""

    strategy_id: int | None = None
    broker_account_id: int | None = None
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True, slots=True)
class Mark:
    """The price an open holding is valued at; `estimated` when the broker gave none in
    time and the last fill price stands in."""

    symbol: Symbol
    price: Decimal | None
    estimated: bool


@dataclass(frozen=True, slots=True)
class GroupReport:
    id: int
    name: str
    summary: PnlSummary


@dataclass(frozen=True, slots=True)
class PnlReport:
    as_of: date
    query: PnlQuery
    total: PnlSummary
    strategies: list[GroupReport]
    accounts: list[GroupReport]
    marks: list[Mark]

    @property
    def has_fills(self) -> bool:
        return bool(self.total.days)

    @property
    def estimated(self) -> bool:
        return any(mark.estimated for mark in self.marks)


def _wanted(view: StrategyAccountView, query: PnlQuery) -> bool:
    strategy_ok = query.strategy_id is None or view.strategy_id == query.strategy_id
    account_ok = (
        query.broker_account_id is None or view.broker_account_id == query.broker_account_id
    )
    return strategy_ok and account_ok


async def pnl_report(
    deps: Deps,
    views: Sequence[StrategyAccountView],
    query: PnlQuery,
    *,
    quote_timeout: float = QUOTE_TIMEOUT_SECONDS,
) -> PnlReport:
    """Compute the report over `views` (the user's strategy accounts) and the filters, from
    the stored closed days and today's fills (see `pnl_folding`)."""
    today = deps.clock.now().astimezone(SEOUL).date()
    end = min(query.end, today) if query.end is not None else today
    folded = await closed_days(deps, views, today, end)
    results, current = folded.results, dict[Symbol, Decimal]()
    if end == today:
        live, current = await _today(deps, views, folded.state, today, quote_timeout)
        results = [*results, *live]
    # Every account of the user gives the curve its days; the filters pick whose results.
    fill_days = {r.day for r in results if r.fills}
    keys = {(int(v.strategy_id), int(v.broker_account_id)) for v in views if _wanted(v, query)}
    rows = [r for r in results if r.key in keys]
    total = summarize_days(rows, fill_days, end, start=query.start, end=end)
    prices = last_marks(results, end)
    return PnlReport(
        as_of=end,
        query=query,
        total=total,
        strategies=_groups(rows, fill_days, end, query, 0, _names(views, True)),
        accounts=_groups(rows, fill_days, end, query, 1, _names(views, False)),
        marks=[Mark(s, prices.get(s), s not in current) for s in sorted(total.open_symbols)],
    )


async def _today(
    deps: Deps,
    views: Sequence[StrategyAccountView],
    state: FoldState,
    today: date,
    quote_timeout: float,
) -> tuple[list[DayResult], dict[Symbol, Decimal]]:
    by_id = {int(v.id): v for v in views}
    ids = [StrategyAccountId(i) for i in sorted(by_id)]
    opens = day_start(today)
    async with deps.uow(read_only=True) as uow:
        records = await uow.pnl_days.fills(ids, opens, opens + timedelta(days=1))
    fills = [pnl_fill(r, by_id[int(r.strategy_account_id or 0)]) for r in records]
    held = held_symbols(fills, state.holdings())
    account_of = {(int(v.strategy_id), int(v.broker_account_id)): v.id for v in views}
    holder = {key[2]: account_of[key[:2]] for key in state.books if key[:2] in account_of}
    holder.update({f.symbol: account_of[(f.strategy, f.account)] for f in fills})
    current = await _quotes(deps, held, holder, quote_timeout)
    live, _ = fold(state, fills, current=current, as_of=today)
    return live, current


def _names(views: Sequence[StrategyAccountView], strategies: bool) -> dict[int, str]:
    if strategies:
        return {int(v.strategy_id): v.strategy_name for v in views}
    return {int(v.broker_account_id): f"{v.broker_account_name} ({v.account_hint})" for v in views}


def _groups(
    rows: Sequence[DayResult],
    fill_days: set[date],
    end: date,
    query: PnlQuery,
    part: int,  # 0: by strategy, 1: by broker account
    names: dict[int, str],
) -> list[GroupReport]:
    grouped: dict[int, list[DayResult]] = {}
    for row in rows:
        grouped.setdefault(row.key[part], []).append(row)
    return [
        GroupReport(
            group_id,
            names.get(group_id, str(group_id)),
            summarize_days(group, fill_days, end, start=query.start, end=end),
        )
        for group_id, group in sorted(grouped.items())
    ]


async def _quotes(
    deps: Deps,
    symbols: frozenset[Symbol],
    holder: dict[Symbol, StrategyAccountId],
    seconds: float,
) -> dict[Symbol, Decimal]:

    async def one(symbol: Symbol) -> tuple[Symbol, Decimal | None]:
        try:
            broker = await deps.brokers.broker_for(int(holder[symbol]))
            quote = await asyncio.wait_for(broker.quote(symbol), seconds)
        except (HantuError, TimeoutError) as exc:
            log.warning("no quote of %s for PnL: %s", symbol, mask(str(exc)))
            return symbol, None
        return symbol, Decimal(quote.price)

    found = await asyncio.gather(*(one(symbol) for symbol in sorted(symbols)))
    return {symbol: price for symbol, price in found if price is not None}
