"""Failed orders: list (filters), retry (at most 5), remove (soft) — scoped to the owner."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from hantu import messages_ko as ko
from hantu.domain.accounts import UserId
from hantu.domain.enums import FailedOrderStatus
from hantu.domain.errors import NotFound, RetryNotAllowed
from hantu.domain.values import Symbol
from hantu.entrypoints.web.deps import CsrfChecked, CurrentUser, StateDep
from hantu.entrypoints.web.outcomes import http_status
from hantu.entrypoints.web.schemas import FailedOrderOut, FailedOrdersOut, MessageOut, RetryOut
from hantu.entrypoints.web.state import WebState
from hantu.entrypoints.web.strategies import ERRORS
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.outcome import SubmitOutcome, SubmitResult
from hantu.service_layer.queries import FailedOrderView
from hantu.service_layer.webhooks import WebhookInvalid, parse_symbol

router = APIRouter(prefix="/api/failed-orders", tags=["failed orders"])

FailedOrderIdPath = Annotated[int, Path(ge=1, le=2**62)]
_NOT_ALLOWED = {
    "limit": ko.RETRY_LIMIT,
    "removed": ko.RETRY_REMOVED,
    "resolved": ko.RETRY_RESOLVED,
    "unconfirmed": ko.RETRY_UNCONFIRMED,
}


def _out(failed: FailedOrderView, names: Mapping[Symbol, str]) -> FailedOrderOut:
    return FailedOrderOut(
        id=failed.id,
        strategy_account_id=failed.strategy_account_id,
        symbol=failed.symbol,
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
        symbol_name=_name_of(failed.symbol, names),
    )


def _name_of(code: str, names: Mapping[Symbol, str]) -> str | None:
    try:
        return names.get(Symbol(code))
    except ValueError:
        return None


async def _symbols_meant(state: WebState, text: str | None) -> list[Symbol] | None:
    """None: no symbol filter; else the symbols a code (`KRX:005930`) or (part of) a name
    means. Text that is neither is refused as an unknown symbol (400)."""
    if not text or not text.strip():
        return None
    try:
        return [parse_symbol(text.strip())]
    except WebhookInvalid:
        found = await state.symbol_names.resolve(text)
        if not found:
            raise
        return found


async def _owned(state: WebState, user_id: UserId, failed_order_id: int) -> FailedOrderView:
    failed = await state.pipeline.failed_order(failed_order_id)
    owned = await accounts_service.owned_strategy_account_ids(state.accounts, user_id)
    if failed is None or failed.strategy_account_id not in owned:
        raise NotFound("failed order")
    return failed


@router.get("", responses=ERRORS)
async def list_failed_orders(
    user: CurrentUser,
    state: StateDep,
    strategy_account_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    symbol: Annotated[str | None, Query(max_length=20)] = None,
    status: Annotated[FailedOrderStatus, Query()] = FailedOrderStatus.PENDING_RETRY,
) -> FailedOrdersOut:
    """List the user's failed orders, newest first (default: those waiting for a retry)."""
    owned = await accounts_service.owned_strategy_account_ids(state.accounts, user.id)
    if strategy_account_id is not None:
        if strategy_account_id not in owned:
            raise NotFound("strategy account")
        owned = {strategy_account_id}
    wanted = await _symbols_meant(state, symbol)
    one = wanted[0] if wanted is not None and len(wanted) == 1 else None
    found = await state.pipeline.failed_orders(owned, one, status.value)  # newest first
    if wanted is not None and one is None:
        codes = {s.code for s in wanted}
        found = [failed for failed in found if failed.symbol in codes]
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
        message = _NOT_ALLOWED.get(exc.code, ko.SYSTEM_ERROR)
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
