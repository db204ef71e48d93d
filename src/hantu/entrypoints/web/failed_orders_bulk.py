"""Retry or remove several failed orders at once (spec 001, Phase 8).

Each id goes through the same checks and use case as its single-order endpoint, one after
another: ownership (someone else's id reads as not found), at most five retries, a system
error consuming none. Sequential on purpose: a bulk retry never sends two attempts of one
failed order together, and retries across requests are kept apart by the attempt's
idempotency key. The answer is one result per id, in the order asked (duplicates dropped).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from hantu import messages_ko as ko
from hantu.domain.accounts import UserId
from hantu.domain.errors import NotFound, RetryNotAllowed
from hantu.domain.values import Symbol
from hantu.entrypoints.web.deps import CsrfChecked, CurrentUser, StateDep
from hantu.entrypoints.web.failed_orders import NOT_ALLOWED
from hantu.entrypoints.web.schemas import Ok
from hantu.entrypoints.web.state import WebState
from hantu.entrypoints.web.strategies import ERRORS
from hantu.messages_ko import failed_page as fko
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.outcome import SubmitOutcome, SubmitResult
from hantu.service_layer.queries import FailedOrderView
from hantu.service_layer.symbol_names import symbol_label

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/failed-orders", tags=["failed orders"])

MAX_IDS = 100
FailedOrderId = Annotated[int, Field(ge=1, le=2**62)]


class FailedOrderIds(BaseModel):
    ids: list[FailedOrderId] = Field(min_length=1, max_length=MAX_IDS)


class BulkItemOut(BaseModel):
    id: int
    success: bool
    status: str  # accepted | unconfirmed | refused | not_allowed | removed | not_found | error
    message: str
    symbol: str | None = None
    symbol_label: str | None = None
    order_id: str | None = None


class BulkOut(Ok):
    results: list[BulkItemOut]
    succeeded: int
    failed: int


def _retried(item: BulkItemOut, result: SubmitResult) -> BulkItemOut:
    match result.order_outcome:
        case SubmitOutcome.ACCEPTED:
            order_id = result.order.broker_order_id
            return item.model_copy(
                update={
                    "success": True,
                    "status": "accepted",
                    "message": fko.BULK_RETRY_ACCEPTED,
                    "order_id": order_id,
                }
            )
        case SubmitOutcome.UNCONFIRMED:
            update = {"status": "unconfirmed", "message": ko.RETRY_STILL_UNCONFIRMED}
            return item.model_copy(update=update)
        case _:
            error = ko.RETRY_REFUSED.format(error=result.error or result.order.reason or "")
            return item.model_copy(update={"status": "refused", "message": error})


async def _retry_one(state: WebState, item: BulkItemOut) -> BulkItemOut:
    try:
        result = await state.pipeline.retry(item.id)
    except RetryNotAllowed as exc:
        message = NOT_ALLOWED.get(exc.code, ko.SYSTEM_ERROR)
        return item.model_copy(update={"status": "not_allowed", "message": message})
    return _retried(item, result)


async def _remove_one(state: WebState, item: BulkItemOut) -> BulkItemOut:
    await state.pipeline.remove(item.id)
    update = {"success": True, "status": "removed", "message": fko.BULK_REMOVED}
    return item.model_copy(update=update)


Action = Callable[[WebState, BulkItemOut], Awaitable[BulkItemOut]]


async def _each(state: WebState, user_id: UserId, ids: list[int], action: Action) -> BulkOut:
    owned = await accounts_service.owned_strategy_account_ids(state.accounts, user_id)
    unique = list(dict.fromkeys(ids))
    found: dict[int, FailedOrderView] = {}
    for failed_id in unique:
        failed = await state.pipeline.failed_order(failed_id)
        if failed is not None and failed.strategy_account_id in owned:
            found[failed_id] = failed
    names = await state.symbol_names.names({Symbol(f.symbol) for f in found.values()})
    results = [await _one(state, failed_id, found, names, action) for failed_id in unique]
    ok = sum(1 for r in results if r.success)
    return BulkOut(results=results, succeeded=ok, failed=len(results) - ok)


async def _one(
    state: WebState,
    failed_id: int,
    found: Mapping[int, FailedOrderView],
    names: Mapping[Symbol, str],
    action: Action,
) -> BulkItemOut:
    failed = found.get(failed_id)
    missing = BulkItemOut(
        id=failed_id, success=False, status="not_found", message=fko.BULK_NOT_FOUND
    )
    if failed is None:
        return missing
    item = missing.model_copy(
        update={"symbol": failed.symbol, "symbol_label": symbol_label(failed.symbol, names)}
    )
    try:
        return await action(state, item)
    except NotFound:
        return missing
    except Exception:
        # One id's system error (its transaction rolled back, no retry counted) must not
        # leave the ids after it undone: it is reported on its own line.
        log.exception("bulk action on failed order %s failed", failed_id)
        return item.model_copy(update={"status": "error", "message": fko.BULK_SYSTEM_ERROR})


@router.post("/retry", responses=ERRORS, dependencies=[CsrfChecked])
async def retry_failed_orders(body: FailedOrderIds, user: CurrentUser, state: StateDep) -> BulkOut:
    """Retry each listed failed order in turn; one result per id (Korean message)."""
    return await _each(state, user.id, body.ids, _retry_one)


@router.post("/remove", responses=ERRORS, dependencies=[CsrfChecked])
async def remove_failed_orders(body: FailedOrderIds, user: CurrentUser, state: StateDep) -> BulkOut:
    """Remove (soft) each listed failed order; one result per id."""
    return await _each(state, user.id, body.ids, _remove_one)
