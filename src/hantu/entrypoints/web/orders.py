"""Orders JSON API: history with filters and keyset paging, one order with its fills and
failed-order links, and cancel — each scoped to the signed-in user's strategy accounts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from hantu.domain.accounts import UserId
from hantu.entrypoints.web.deps import CsrfChecked, CurrentUser, StateDep
from hantu.entrypoints.web.order_filters import (
    FilterInvalid,
    HistoryFilters,
    build_query,
    encode_cursor,
    history_filters,
)
from hantu.entrypoints.web.order_views import failed_json, item_json, names_for
from hantu.entrypoints.web.state import WebState
from hantu.entrypoints.web.strategies import ERRORS
from hantu.errors import BrokerError, BrokerRejected
from hantu.messages_ko import orders_page as text
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer import order_history
from hantu.service_layer.deps import Deps

router = APIRouter(prefix="/api", tags=["orders"])

OrderIdPath = Annotated[str, Path(min_length=1, max_length=40)]
Filters = Annotated[HistoryFilters, Depends(history_filters)]


def service_deps(state: WebState) -> Deps:
    if state.deps is None:
        raise RuntimeError("the web state was built without the service deps")
    return state.deps


def problem(status: int, error: str, **extra: object) -> JSONResponse:
    return JSONResponse({"success": False, "error": error, **extra}, status_code=status)


async def _owned(state: WebState, user_id: UserId) -> frozenset[int]:
    return frozenset(await accounts_service.owned_strategy_account_ids(state.accounts, user_id))


@router.get("/orders", responses=ERRORS)
async def list_orders(user: CurrentUser, state: StateDep, filters: Filters) -> JSONResponse:
    """The user's orders, newest first, with fills; `next_cursor` fetches the next page."""
    try:
        query, views = await build_query(state, user.id, filters)
    except FilterInvalid as exc:
        return problem(400, exc.message, field=exc.field)
    page = await order_history.history_page(service_deps(state), query)
    names = await names_for(state, views, (item.order.symbol for item in page.items))
    body: dict[str, Any] = {
        "success": True,
        "orders": [item_json(item, names) for item in page.items],
        "next_cursor": None if page.next_cursor is None else encode_cursor(page.next_cursor),
    }
    return JSONResponse(body)


@router.get("/orders/{order_id}", responses=ERRORS)
async def get_order(order_id: OrderIdPath, user: CurrentUser, state: StateDep) -> JSONResponse:
    """One order with its fills, and the failed order it made or retries."""
    owned = await _owned(state, user.id)
    detail = await order_history.order_detail(service_deps(state), order_id, owned)
    views = await accounts_service.strategy_accounts_of_user(state.accounts, user.id)
    names = await names_for(state, views, [detail.item.order.symbol])
    order = item_json(detail.item, names)
    order["failed_order"] = None if detail.failed is None else failed_json(detail.failed)
    return JSONResponse({"success": True, "order": order})


@router.post(
    "/orders/{order_id}/cancel",
    responses={**ERRORS, 503: ERRORS[400]},
    dependencies=[CsrfChecked],
)
async def cancel_order(order_id: OrderIdPath, user: CurrentUser, state: StateDep) -> JSONResponse:
    """Cancel an order live at the broker (SENT or PARTIAL); any other answers 409 and why."""
    owned = await _owned(state, user.id)
    try:
        view = await order_history.cancel_owned(service_deps(state), order_id, owned)
    except order_history.CancelNotAllowed as exc:
        reason = text.CANCEL_REFUSED.get(exc.status.value, text.CANCEL_REFUSED_OTHER)
        return problem(409, reason, order_status=exc.status.value)
    except BrokerRejected as exc:  # definitive: e.g. KIS 40050000, filled in the meantime
        return problem(409, text.CANCEL_BROKER_REFUSED.format(message=exc.message))
    except (BrokerError, TimeoutError):  # ambiguous or unreachable: the sync will tell
        return problem(503, text.CANCEL_BROKER_UNAVAILABLE)
    body = {"success": True, "message": text.CANCEL_DONE, "order_id": view.id}
    return JSONResponse({**body, "status": view.status.value})
