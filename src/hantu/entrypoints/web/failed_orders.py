"""Failed orders: list (filters), retry (at most 5), remove (soft) — scoped to the owner."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from hantu import messages_ko as ko
from hantu.domain.accounts import UserId
from hantu.domain.errors import NotFound, RetryNotAllowed
from hantu.domain.values import Symbol
from hantu.entrypoints.web.deps import CsrfChecked, CurrentUser, StateDep
from hantu.entrypoints.web.failed_orders_filters import OwnedFilter, StatusChoice, with_status
from hantu.entrypoints.web.outcomes import http_status
from hantu.entrypoints.web.schemas import FailedOrderOut, FailedOrdersOut, MessageOut, RetryOut
from hantu.entrypoints.web.state import WebState
from hantu.entrypoints.web.strategies import ERRORS
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.outcome import SubmitOutcome, SubmitResult
from hantu.service_layer.queries import FailedOrderView
from hantu.service_layer.symbol_names import symbol_label

router = APIRouter(prefix="/api/failed-orders", tags=["failed orders"])

FailedOrderIdPath = Annotated[int, Path(ge=1, le=2**62)]
NOT_ALLOWED = {
    "limit": ko.RETRY_LIMIT,
    "removed": ko.RETRY_REMOVED,
    "resolved": ko.RETRY_RESOLVED,
    "unconfirmed": ko.RETRY_UNCONFIRMED,
}


def _out(failed: FailedOrderView, names: Mapping[Symbol, str] | None = None) -> FailedOrderOut:
    return FailedOrderOut(
        id=failed.id,
        strategy_account_id=failed.strategy_account_id,
        symbol=failed.symbol,
        symbol_label=symbol_label(failed.symbol, names),
        side=failed.side,
        order_type=failed.order_type,
        quantity=str(failed.quantity),
        price=None if failed.price is None else str(failed.price),
        reason=failed.reason,
        exchange_error=failed.broker_error,
        retry_count=failed.retry_count,
        status=failed.status.value,
        webhook_id=failed.webhook_id,
        created_at=failed.created_at.isoformat(),
    )


async def _owned(state: WebState, user_id: UserId, failed_order_id: int) -> FailedOrderView:
    failed = await state.pipeline.failed_order(failed_order_id)
    owned = await accounts_service.owned_strategy_account_ids(state.accounts, user_id)
    if failed is None or failed.strategy_account_id not in owned:
        raise NotFound("failed order")
    return failed


@router.get("", responses=ERRORS)
async def list_failed_orders(
    query: OwnedFilter,
    state: StateDep,
    status: Annotated[StatusChoice, Query()] = StatusChoice.PENDING_RETRY,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> FailedOrdersOut:
    """List the user's failed orders, newest first (default: those waiting for a retry);
    filters: strategy account, symbol (code or name), Seoul days `date_from`..`date_to`."""
    found = await state.pipeline.failed_orders_matching(with_status(query, status, limit))
    names = await state.symbol_names.names({Symbol(f.symbol) for f in found})
    return FailedOrdersOut(orders=[_out(failed, names) for failed in found])


def _retry_answer(result: SubmitResult) -> JSONResponse:
    status = http_status(result)
    match result.order_outcome:
        case SubmitOutcome.ACCEPTED:
            body = RetryOut(order_id=result.order.broker_order_id, status="accepted")
            return JSONResponse(body.model_dump(mode="json", exclude_none=True), status)
        case SubmitOutcome.UNCONFIRMED:
            content = {
                "success": False,
                "status": "unconfirmed",
                "error": ko.RETRY_STILL_UNCONFIRMED,
            }
            return JSONResponse(content, status_code=status)
        case _:
            error = ko.RETRY_REFUSED.format(error=result.error or result.order.reason or "")
            return JSONResponse({"success": False, "error": error}, status_code=status)


@router.post(
    "/{failed_order_id}/retry",
    responses={**ERRORS, 408: {"model": RetryOut}},
    response_model=RetryOut,
    dependencies=[CsrfChecked],
)
async def retry_failed_order(
    failed_order_id: FailedOrderIdPath, user: CurrentUser, state: StateDep
) -> JSONResponse:
    """Send the failed order again through the pipeline (at most 5 times)."""
    await _owned(state, user.id, failed_order_id)
    try:
        result = await state.pipeline.retry(failed_order_id)
    except RetryNotAllowed as exc:
        message = NOT_ALLOWED.get(exc.code, ko.SYSTEM_ERROR)
        return JSONResponse({"success": False, "error": message}, status_code=400)
    return _retry_answer(result)


@router.delete("/{failed_order_id}", responses=ERRORS, dependencies=[CsrfChecked])
async def remove_failed_order(
    failed_order_id: FailedOrderIdPath, user: CurrentUser, state: StateDep
) -> MessageOut:
    """Hide a failed order from the list; the row stays for audit."""
    await _owned(state, user.id, failed_order_id)
    await state.pipeline.remove(failed_order_id)
    return MessageOut(message=ko.FAILED_ORDER_REMOVED)
