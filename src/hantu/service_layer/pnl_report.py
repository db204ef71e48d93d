"""The PnL report of one user: their fills along the ownership chain (user → strategy →
strategy account), marks from the broker, and the domain's figures per strategy and per
broker account."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from hantu.domain.accounts import StrategyAccountView
from hantu.domain.errors import HantuError
from hantu.domain.masking import mask
from hantu.domain.pnl import (
    SEOUL,
    MarkBook,
    PnlFill,
    PnlSummary,
    held_symbols,
    summarize,
    summarize_by,
)
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.service_layer.deps import Deps
from hantu.service_layer.ports import FillRecord

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


def _pnl_fill(record: FillRecord, view: StrategyAccountView) -> PnlFill:
    return PnlFill(
        strategy=int(view.strategy_id),
        account=int(view.broker_account_id),
        symbol=record.symbol,
        side=record.side,
        quantity=record.quantity,
        price=record.price,
        filled_at=record.filled_at,
        fill_id=f"{record.broker_account}:{record.fill_id}",
    )


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
    """Compute the report over `views` (the user's strategy accounts) and the filters."""
    today = deps.clock.now().astimezone(SEOUL).date()
    end = min(query.end, today) if query.end is not None else today
    until = datetime.combine(end + timedelta(days=1), time(), tzinfo=SEOUL)
    by_id = {view.id: view for view in views}
    async with deps.uow(read_only=True) as uow:
        records = await uow.fills.history(list(by_id), until)
    owned = [
        (_pnl_fill(r, by_id[r.strategy_account_id]), r.strategy_account_id)
        for r in records
        if r.strategy_account_id in by_id
    ]
    every = [fill for fill, _ in owned]  # all of the user's fills: shared marks and days
    held = held_symbols(every)
    current = await _quotes(deps, held, owned, quote_timeout) if end == today else {}
    marks = MarkBook(every, current, end)
    fills = [fill for fill, sa in owned if _wanted(by_id[sa], query)]
    total = summarize(fills, marks, start=query.start, end=end)
    return PnlReport(
        as_of=end,
        query=query,
        total=total,
        strategies=_groups(fills, marks, query, lambda f: f.strategy, _names(views, True)),
        accounts=_groups(fills, marks, query, lambda f: f.account, _names(views, False)),
        marks=[
            Mark(s, marks.price(s, end), not marks.has_current(s))
            for s in sorted(total.open_symbols)
        ],
    )


def _names(views: Sequence[StrategyAccountView], strategies: bool) -> dict[int, str]:
    if strategies:
        return {int(v.strategy_id): v.strategy_name for v in views}
    return {int(v.broker_account_id): f"{v.broker_account_name} ({v.account_hint})" for v in views}


def _groups(
    fills: Sequence[PnlFill],
    marks: MarkBook,
    query: PnlQuery,
    key: Callable[[PnlFill], int],
    names: dict[int, str],
) -> list[GroupReport]:
    grouped = summarize_by(fills, marks, key, start=query.start, end=marks.as_of)
    return [
        GroupReport(group_id, names.get(group_id, str(group_id)), summary)
        for group_id, summary in sorted(grouped.items())
    ]


async def _quotes(
    deps: Deps,
    symbols: frozenset[Symbol],
    owned: Sequence[tuple[PnlFill, StrategyAccountId]],
    seconds: float,
) -> dict[Symbol, Decimal]:
    holder = {fill.symbol: account for fill, account in owned if fill.symbol in symbols}

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
