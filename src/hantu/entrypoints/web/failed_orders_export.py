"""Failed orders as CSV and as statistics (spec 001, Phases 8-9), under the list's filters.

The CSV is UTF-8 with a BOM so Excel opens the Korean correctly; the broker error is written
as stored (masked when it was saved); a text cell that Excel would read as a formula gets a
leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from hantu.domain.values import Symbol
from hantu.entrypoints.web.deps import CurrentUser, StateDep
from hantu.entrypoints.web.failed_orders_filters import (
    SEOUL,
    OwnedFilter,
    StatusChoice,
    with_status,
)
from hantu.entrypoints.web.schemas import Ok
from hantu.entrypoints.web.strategies import ERRORS
from hantu.messages_ko import failed_page as fko
from hantu.messages_ko import format_rate, format_shares, format_won
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.failed_order_stats import StatLine
from hantu.service_layer.queries import FailedOrderView
from hantu.service_layer.symbol_names import symbol_label

router = APIRouter(tags=["failed orders"])

CSV_LIMIT = 10_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class StatLineOut(BaseModel):
    key: str
    label: str
    count: int
    retried: int
    resolved: int
    success_rate: str | None  # a decimal ratio, e.g. "0.5"; None when nothing was retried
    success_rate_text: str  # "50.0%" or "-"


class StatsOut(Ok):
    total: StatLineOut
    by_symbol: list[StatLineOut]
    by_reason: list[StatLineOut]


def _text(value: str | None) -> str:
    text = value or ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_row(
    failed: FailedOrderView, accounts: Mapping[int, str], names: Mapping[Symbol, str]
) -> list[str]:
    return [
        str(failed.id),
        failed.created_at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M:%S"),
        _text(accounts.get(failed.strategy_account_id, str(failed.strategy_account_id))),
        symbol_label(failed.symbol, names),
        fko.SIDE_TEXT.get(failed.side, failed.side),
        fko.ORDER_TYPE_TEXT.get(failed.order_type, failed.order_type),
        format_shares(failed.quantity),
        "-" if failed.price is None else format_won(failed.price),
        _text(failed.reason),
        _text(failed.broker_error),
        str(failed.retry_count),
        fko.STATUS_TEXT.get(failed.status.value, failed.status.value),
    ]


@router.get(
    "/api/failed-orders.csv",
    responses={**ERRORS, 200: {"content": {"text/csv": {}}}},
    response_class=Response,
)
async def export_failed_orders(
    query: OwnedFilter,
    user: CurrentUser,
    state: StateDep,
    status: Annotated[StatusChoice, Query()] = StatusChoice.PENDING_RETRY,
) -> Response:
    """The filtered failed orders as CSV (newest first, at most 10,000 rows)."""
    found = await state.pipeline.failed_orders_matching(with_status(query, status, CSV_LIMIT))
    names = await state.symbol_names.names({Symbol(f.symbol) for f in found})
    views = await accounts_service.strategy_accounts_of_user(state.accounts, user.id)
    accounts = {int(v.id): f"{v.strategy_name} · {v.broker_account_name}" for v in views}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fko.CSV_HEADERS)
    writer.writerows(_csv_row(failed, accounts, names) for failed in found)
    disposition = f'attachment; filename="{fko.CSV_FILENAME}"'
    return Response(
        content=("\ufeff" + buffer.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


def _line_out(line: StatLine, label: str) -> StatLineOut:
    rate = line.success_rate
    return StatLineOut(
        key=line.key,
        label=label,
        count=line.count,
        retried=line.retried,
        resolved=line.resolved,
        success_rate=None if rate is None else str(rate.normalize()),
        success_rate_text="-" if rate is None else format_rate(rate, places=1, signed=False),
    )


@router.get("/api/failed-orders/stats", responses=ERRORS)
async def failed_order_stats(
    query: OwnedFilter,
    state: StateDep,
    status: Annotated[StatusChoice, Query()] = StatusChoice.ALL,
) -> StatsOut:
    """Counts by symbol and by reason with the retry success rate (default: every status)."""
    stats = await state.pipeline.failed_order_stats(with_status(query, status, CSV_LIMIT))
    names = await state.symbol_names.names({Symbol(line.key) for line in stats.by_symbol})
    return StatsOut(
        total=_line_out(stats.total, ""),
        by_symbol=[_line_out(s, symbol_label(s.key, names)) for s in stats.by_symbol],
        by_reason=[_line_out(r, r.key) for r in stats.by_reason],
    )
