"""CSV exports of orders and fills with the history's filters: UTF-8 with a BOM (so Excel
reads the Korean headers), amounts and quantities as plain full-precision numbers, streamed
in batches so a year of orders never sits in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.responses import Response

from hantu.entrypoints.web.deps import CurrentUser, StateDep
from hantu.entrypoints.web.order_filters import (
    FilterInvalid,
    HistoryFilters,
    build_query,
    history_filters,
)
from hantu.entrypoints.web.order_views import Names, names_for, seoul_time
from hantu.entrypoints.web.orders import problem, service_deps
from hantu.entrypoints.web.state import WebState
from hantu.messages_ko import UI_TEXT
from hantu.messages_ko import orders_page as text
from hantu.service_layer import order_history
from hantu.service_layer.history_ports import FillLine, OrderLine
from hantu.service_layer.order_history import retry_of

router = APIRouter(prefix="/api", tags=["orders"])
Filters = Annotated[HistoryFilters, Depends(history_filters)]
BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """Text as a cell; one that a spreadsheet would run as a formula is quoted with `'`."""
    if value is None:
        return ""
    shown = str(value)
    return "'" + shown if shown.startswith(_FORMULA_START) else shown


def _number(value: object) -> str:
    return "" if value is None else str(value)


def _csv(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _order_row(line: OrderLine, names: Names) -> list[str]:
    retried = retry_of(line.idempotency_key)
    return [
        line.id,
        seoul_time(line.created_at),
        _cell(names.strategy(line.strategy_account_id)),
        _cell(names.broker_account(line.strategy_account_id)),
        line.symbol,
        _cell(names.symbol_name(line.symbol)),
        text.CSV_SIDE.get(line.side, line.side),
        text.CSV_TYPE.get(line.order_type, line.order_type),
        _number(line.quantity),
        _number(line.price),
        UI_TEXT.get(f"status_{line.status.value}", line.status.value),
        _number(line.filled_quantity),
        _number(line.average_fill_price),
        _cell(line.broker_order_id),
        _cell(line.reason),
        _number(retried),
    ]


def _fill_row(line: OrderLine, fill: FillLine, names: Names) -> list[str]:
    return [
        _cell(fill.fill_id),
        seoul_time(fill.filled_at),
        line.id,
        _cell(names.strategy(line.strategy_account_id)),
        _cell(names.broker_account(line.strategy_account_id)),
        line.symbol,
        _cell(names.symbol_name(line.symbol)),
        text.CSV_SIDE.get(line.side, line.side),
        _number(fill.price),
        _number(fill.quantity),
    ]


def _download(body: AsyncIterator[str], name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return StreamingResponse(body, media_type="text/csv; charset=utf-8", headers=headers)


async def _orders_csv(state: WebState, filters: HistoryFilters, user: CurrentUser) -> Response:
    query, views = await build_query(state, user.id, filters)

    async def body() -> AsyncIterator[str]:
        yield BOM + _csv([list(text.CSV_ORDER_HEADERS)])
        async for batch in order_history.export_orders(service_deps(state), query):
            names = await names_for(state, views, {line.symbol for line in batch})
            yield _csv(_order_row(line, names) for line in batch)

    return _download(body(), "orders.csv")


async def _fills_csv(state: WebState, filters: HistoryFilters, user: CurrentUser) -> Response:
    query, views = await build_query(state, user.id, filters)

    async def body() -> AsyncIterator[str]:
        yield BOM + _csv([list(text.CSV_FILL_HEADERS)])
        async for batch in order_history.export_fills(service_deps(state), query):
            names = await names_for(state, views, {line.symbol for line, _ in batch})
            yield _csv(_fill_row(line, fill, names) for line, fill in batch)

    return _download(body(), "fills.csv")


@router.get("/orders.csv", response_class=StreamingResponse)
async def orders_csv(user: CurrentUser, state: StateDep, filters: Filters) -> Response:
    """The filtered orders (all pages, newest first) as CSV; the cursor is ignored."""
    try:
        return await _orders_csv(state, _whole(filters), user)
    except FilterInvalid as exc:
        return _bad(exc)


@router.get("/fills.csv", response_class=StreamingResponse)
async def fills_csv(user: CurrentUser, state: StateDep, filters: Filters) -> Response:
    """The fills of the filtered orders as CSV, in the order they were recorded."""
    try:
        return await _fills_csv(state, _whole(filters), user)
    except FilterInvalid as exc:
        return _bad(exc)


def _whole(filters: HistoryFilters) -> HistoryFilters:
    return replace(filters, cursor=None, limit=None)


def _bad(exc: FilterInvalid) -> JSONResponse:
    return problem(400, exc.message, field=exc.field)
