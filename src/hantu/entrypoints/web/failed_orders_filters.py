"""The filters the failed-order list, CSV and statistics share: account, symbol (code or
name), Seoul-day date range and status — always bounded by the user's own accounts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Query

from hantu.domain.enums import FailedOrderStatus
from hantu.domain.errors import NotFound
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.entrypoints.web.deps import CurrentUser, StateDep
from hantu.entrypoints.web.state import WebState
from hantu.messages_ko import failed_page as fko
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.ports import FailedOrderFilter
from hantu.service_layer.webhooks import parse_symbol

SEOUL = ZoneInfo("Asia/Seoul")
MAX_RANGE_DAYS = 366


class StatusChoice(StrEnum):
    PENDING_RETRY = "pending_retry"
    RESOLVED = "resolved"
    REMOVED = "removed"
    ALL = "all"  # every status, removed ones included


def seoul_day_start(day: date) -> datetime:
    """The first instant of a Seoul calendar day."""
    return datetime.combine(day, time(0), SEOUL)


async def _symbols(state: WebState, text: str | None) -> frozenset[Symbol] | None:
    if not text or not text.strip():
        return None
    wanted = text.strip()
    found = await state.symbol_names.resolve(wanted)
    if found:
        return frozenset(found)
    return frozenset({parse_symbol(wanted)})  # a bad code answers 400 naming the field


def _bounds(date_from: date | None, date_to: date | None) -> tuple[datetime | None, ...]:
    if date_from is not None and date_to is not None:
        if date_from > date_to:
            detail = fko.DATE_RANGE_REVERSED.format(date_from=date_from, date_to=date_to)
            raise HTTPException(400, detail=detail)
        if (date_to - date_from).days >= MAX_RANGE_DAYS:
            raise HTTPException(400, detail=fko.DATE_RANGE_TOO_LONG.format(days=MAX_RANGE_DAYS))
    start = None if date_from is None else seoul_day_start(date_from)
    end = None if date_to is None else seoul_day_start(date_to + timedelta(days=1))
    return start, end


async def owned_filter(
    user: CurrentUser,
    state: StateDep,
    strategy_account_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    symbol: Annotated[str | None, Query(max_length=20)] = None,
    date_from: Annotated[date | None, Query()] = None,
    date_to: Annotated[date | None, Query()] = None,
) -> FailedOrderFilter:
    """Everything but the status: the user's accounts (or one of them), symbols and days."""
    owned = await accounts_service.owned_strategy_account_ids(state.accounts, user.id)
    if strategy_account_id is not None:
        if strategy_account_id not in owned:
            raise NotFound("strategy account")
        owned = {strategy_account_id}
    start, end = _bounds(date_from, date_to)
    return FailedOrderFilter(
        strategy_account_ids=frozenset(StrategyAccountId(a) for a in owned),
        symbols=await _symbols(state, symbol),
        created_from=start,
        created_before=end,
    )


OwnedFilter = Annotated[FailedOrderFilter, Depends(owned_filter)]


def with_status(query: FailedOrderFilter, status: StatusChoice, limit: int) -> FailedOrderFilter:
    """The filter narrowed to a status (`all` keeps removed ones too), at most `limit` rows."""
    if status is StatusChoice.ALL:
        return replace(query, status=None, include_removed=True, limit=limit)
    return replace(query, status=FailedOrderStatus(status.value), limit=limit)
