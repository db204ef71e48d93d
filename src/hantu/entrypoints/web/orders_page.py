"""The orders page: filters, a page of the history with each order's fills, cancel buttons
and CSV links carrying the same filters (server-rendered, so the live swap can refresh it)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from hantu import messages_ko as ko
from hantu.domain.accounts import StrategyAccountView
from hantu.domain.enums import OrderStatus
from hantu.domain.errors import NotFound
from hantu.entrypoints.web.deps import CurrentUser, StateDep
from hantu.entrypoints.web.order_filters import (
    FilterInvalid,
    HistoryFilters,
    build_query,
    encode_cursor,
    history_filters,
)
from hantu.entrypoints.web.order_views import Names, names_for, seoul_time
from hantu.entrypoints.web.orders import service_deps
from hantu.entrypoints.web.templating import render
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer import order_history
from hantu.service_layer.order_history import HistoryItem, HistoryPage

router = APIRouter(include_in_schema=False)
Filters = Annotated[HistoryFilters, Depends(history_filters)]


def _row(item: HistoryItem, names: Names) -> dict[str, Any]:
    line = item.order
    return {
        "id": line.id,
        "symbol": line.symbol,
        "account": f"{names.strategy(line.strategy_account_id)} · "
        f"{names.broker_account(line.strategy_account_id)}",
        "side": line.side,
        "order_type": line.order_type,
        "quantity": line.quantity,
        "price": line.price,
        "status": line.status.value,
        "filled_quantity": line.filled_quantity,
        "average_fill_price": line.average_fill_price,
        "created_at": seoul_time(line.created_at),
        "reason": line.reason,
        "cancelable": item.cancelable,
        "failed_order_id": item.failed_order_id,
        "retry_of": item.retry_of,
        "fills": [
            {"time": seoul_time(f.filled_at), "price": f.price, "quantity": f.quantity}
            for f in item.fills
        ],
    }


def _choices(views: list[StrategyAccountView]) -> dict[str, list[Any]]:
    strategies = {int(v.strategy_id): v.strategy_name for v in views}
    brokers = {
        int(v.broker_account_id): f"{v.broker_account_name} ({v.account_hint})" for v in views
    }
    return {
        "strategies": [{"id": k, "name": n} for k, n in sorted(strategies.items())],
        "broker_accounts": [{"id": k, "name": n} for k, n in sorted(brokers.items())],
        "statuses": [status.value for status in OrderStatus],
    }


@router.get("/orders")
async def orders_page(
    request: Request, user: CurrentUser, state: StateDep, filters: Filters
) -> Response:
    """The order history with filters, paging, fills, cancel and CSV export."""
    error: str | None = None
    status_code = 200
    page = HistoryPage([], None)
    views: list[StrategyAccountView] | None = None
    try:
        query, views = await build_query(state, user.id, filters)
        page = await order_history.history_page(service_deps(state), query)
    except FilterInvalid as exc:
        error, status_code = exc.message, 400
    except NotFound:
        error, status_code = ko.NOT_FOUND, 404
    if views is None:
        views = await accounts_service.strategy_accounts_of_user(state.accounts, user.id)
    names = await names_for(state, views, (item.order.symbol for item in page.items))
    next_link = None
    if page.next_cursor is not None:
        next_link = "/orders?" + filters.link(cursor=encode_cursor(page.next_cursor))
    context = {
        "user": user,
        "filters": filters,
        "orders": [_row(item, names) for item in page.items],
        "names": names.symbols,
        "error": error,
        "next_link": next_link,
        "first_link": "/orders?" + filters.link() if filters.cursor else None,
        "csv_query": filters.link(limit=False),
        **_choices(views),
    }
    return render(request, "orders.html", context, status_code=status_code)
