"""The history's filters as a person types them, checked and turned into an `OrderQuery`.

The page, the JSON API and the CSV exports share these parameter names, so a page's filters
become its CSV links unchanged. Every value arrives as text and is checked here: a bad one
raises `FilterInvalid` naming the field in Korean (400), never a 422 or a 500; a strategy or
account the user does not own is `NotFound` (404), as for failed orders.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query

from hantu.domain.accounts import StrategyAccountView, UserId
from hantu.domain.enums import OrderStatus
from hantu.domain.errors import NotFound
from hantu.entrypoints.web.state import WebState
from hantu.messages_ko import orders_page as text
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.history_ports import MAX_PAGE_SIZE, PAGE_SIZE, Cursor, OrderQuery
from hantu.service_layer.order_history import seoul_days
from hantu.service_layer.webhooks import WebhookInvalid, parse_symbol

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"^(\d{1,17})_([A-Za-z0-9:._-]{1,40})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ID = re.compile(r"^[1-9]\d{0,9}$")

Text = Annotated[str | None, Query(max_length=64)]


class FilterInvalid(Exception):
    """A filter value that cannot be used; `message` says which and why, in Korean."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class HistoryFilters:
    """The raw filter values (blank ones are None), as the form and the links carry them."""

    date_from: str | None = None
    date_to: str | None = None
    strategy_id: str | None = None
    broker_account_id: str | None = None
    strategy_account_id: str | None = None
    symbol: str | None = None
    status: str | None = None
    cursor: str | None = None
    limit: str | None = None

    def link(self, *, cursor: str | None = None, limit: bool = True) -> str:
        """The query string of these filters (with another cursor, or none)."""
        values = asdict(self)
        values["cursor"] = cursor
        if not limit:
            values["limit"] = None
        return urlencode({k: v for k, v in values.items() if v})


def history_filters(
    date_from: Text = None,
    date_to: Text = None,
    strategy_id: Text = None,
    broker_account_id: Text = None,
    strategy_account_id: Text = None,
    symbol: Text = None,
    status: Text = None,
    cursor: Text = None,
    limit: Text = None,
) -> HistoryFilters:
    """FastAPI dependency: the filters of the request's query string, blanks dropped."""
    values = [date_from, date_to, strategy_id, broker_account_id, strategy_account_id]
    values += [symbol, status, cursor, limit]
    cleaned = [v.strip() or None if v is not None else None for v in values]
    return HistoryFilters(*cleaned)


def encode_cursor(cursor: Cursor) -> str:
    micros = (cursor.created_at - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}_{cursor.order_id}"


def _cursor(raw: str | None) -> Cursor | None:
    if raw is None:
        return None
    found = _CURSOR.fullmatch(raw)
    if not found:
        raise FilterInvalid("cursor", text.FILTER_CURSOR)
    moment = _EPOCH + timedelta(microseconds=int(found.group(1)))
    return Cursor(moment, found.group(2))


def _day(field: str, raw: str | None) -> date | None:
    if raw is None:
        return None
    try:
        if not _DAY.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise FilterInvalid(field, text.FILTER_DATE.format(field=text.FIELD[field])) from None


def _id(field: str, raw: str | None) -> int | None:
    if raw is None:
        return None
    if not _ID.fullmatch(raw):
        raise FilterInvalid(field, text.FILTER_ID.format(field=text.FIELD[field]))
    return int(raw)


def _limit(raw: str | None) -> int:
    if raw is None:
        return PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise FilterInvalid("limit", text.FILTER_LIMIT.format(max=MAX_PAGE_SIZE))
    return int(raw)


def _statuses(raw: str | None) -> frozenset[OrderStatus] | None:
    if raw is None:
        return None
    try:
        return frozenset(OrderStatus(part.strip().upper()) for part in raw.split(","))
    except ValueError:
        raise FilterInvalid("status", text.FILTER_STATUS) from None


async def symbol_codes(state: WebState, raw: str | None) -> frozenset[str] | None:
    """The codes a symbol filter means: a code as itself, else every cached symbol whose
    name contains the text (a part of a name matches); an unknown one is a FilterInvalid."""
    if raw is None:
        return None
    try:
        return frozenset({parse_symbol(raw).code})
    except WebhookInvalid:
        pass
    found = await state.symbol_names.resolve(raw)
    if not found:
        raise FilterInvalid("symbol", text.FILTER_SYMBOL.format(symbol=raw[:20]))
    return frozenset(symbol.code for symbol in found)


def _owned(views: list[StrategyAccountView], filters: HistoryFilters) -> frozenset[int]:
    chosen = views
    for field, key in (
        ("strategy_id", "strategy_id"),
        ("broker_account_id", "broker_account_id"),
        ("strategy_account_id", "id"),
    ):
        wanted = _id(field, getattr(filters, field))
        if wanted is None:
            continue
        if not any(getattr(view, key) == wanted for view in views):
            raise NotFound(field)
        chosen = [view for view in chosen if getattr(view, key) == wanted]
    return frozenset(int(view.id) for view in chosen)


async def build_query(
    state: WebState, user_id: UserId, filters: HistoryFilters
) -> tuple[OrderQuery, list[StrategyAccountView]]:
    """The owned query the filters mean, and every strategy account of the user (for names)."""
    views = await accounts_service.strategy_accounts_of_user(state.accounts, user_id)
    first, last = _day("date_from", filters.date_from), _day("date_to", filters.date_to)
    if first is not None and last is not None and first > last:
        raise FilterInvalid("date_to", text.FILTER_DATE_ORDER)
    since, until = seoul_days(first, last)
    query = OrderQuery(
        account_ids=_owned(views, filters),
        since=since,
        until=until,
        symbols=await symbol_codes(state, filters.symbol),
        statuses=_statuses(filters.status),
        after=_cursor(filters.cursor),
        limit=_limit(filters.limit),
    )
    return query, views
