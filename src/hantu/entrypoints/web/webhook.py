"""`POST /api/webhook`: a strategy's signal executed at once, answered 200 / 400 / 408.

TradingView drops a webhook after 3 s and resends on 5xx (except 504), so this endpoint
never answers 5xx: an unexpected error is logged and answered 400 (the idempotency key makes
a manual resend safe). The token travels in the body because TradingView cannot set headers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from hantu import messages_ko as ko
from hantu.domain.accounts import Strategy
from hantu.domain.alerts import StrategyMode
from hantu.domain.values import StrategyAccountId
from hantu.entrypoints.web.outcomes import answer_status
from hantu.entrypoints.web.schemas import Problem, WebhookAccountOut, WebhookOut
from hantu.entrypoints.web.state import WebState
from hantu.errors import UnknownSymbol
from hantu.service_layer import account_settings, alerts, webhooks
from hantu.service_layer.outcome import SubmitOutcome
from hantu.service_layer.webhooks import (
    AccountResult,
    BodyTooLarge,
    FieldMissing,
    WebhookInvalid,
    WebhookSignal,
)

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhook"])

_PAYLOAD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["token", "symbol", "side", "order_type", "quantity"],
    "properties": {
        "token": {"type": "string", "maxLength": 256},
        "symbol": {"type": "string", "examples": ["005930", "KRX:005930"]},
        "side": {"type": "string", "enum": ["BUY", "SELL", "buy", "sell"]},
        "order_type": {"type": "string", "enum": ["LIMIT", "MARKET"]},
        "quantity": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
        "price": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
        "id": {"type": "string", "maxLength": 100},
    },
}
_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _PAYLOAD_SCHEMA},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


class _TooLarge(Exception):
    pass


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > webhooks.MAX_BODY_BYTES:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > webhooks.MAX_BODY_BYTES:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _problem(status: int, error: str, field: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"success": False, "error": error}
    if field is not None:
        body["field"] = field
    return JSONResponse(body, status_code=status)


def _invalid(exc: WebhookInvalid) -> JSONResponse:
    if isinstance(exc, BodyTooLarge):
        return _problem(400, ko.WEBHOOK_TOO_LARGE, "body")
    if exc.field == "body":
        return _problem(400, ko.WEBHOOK_NOT_JSON, "body")
    if isinstance(exc, FieldMissing):
        return _problem(400, ko.WEBHOOK_FIELD_MISSING.format(field=exc.field), exc.field)
    message = ko.WEBHOOK_FIELD_INVALID.format(field=exc.field, detail=exc.detail)
    return _problem(400, message, exc.field)


def _account_out(result: AccountResult) -> WebhookAccountOut:
    error = result.error
    if result.outcome is SubmitOutcome.UNCONFIRMED:
        error = ko.WEBHOOK_UNCONFIRMED
    return WebhookAccountOut(
        strategy_account_id=result.strategy_account_id,
        success=result.outcome is SubmitOutcome.ACCEPTED,
        order_id=result.broker_order_id,
        hantu_order_id=result.order_id,
        status=result.outcome.value,
        error=error,
        failed_order_id=result.failed_order_id,
    )


def answer(results: list[AccountResult]) -> JSONResponse:
    """Turn per-account results into the spec's answer (flat for one account)."""
    status = answer_status(results)
    accounts = [_account_out(result) for result in results]
    if len(accounts) == 1:
        only = accounts[0]
        out = WebhookOut(
            success=only.success,
            order_id=only.order_id,
            error=only.error,
            status=only.status,
            failed_order_id=only.failed_order_id,
            orders=accounts,
        )
    else:
        errors = [a.error for a in accounts if a.error]
        out = WebhookOut(success=status == 200, error="; ".join(errors) or None, orders=accounts)
    return JSONResponse(out.model_dump(mode="json", exclude_none=True), status_code=status)


async def _handle(request: Request, state: WebState) -> JSONResponse:
    try:
        payload = webhooks.decode_body(await _read_body(request))
    except _TooLarge:
        return _problem(400, ko.WEBHOOK_TOO_LARGE, "body")
    except WebhookInvalid as exc:
        return _invalid(exc)
    token = webhooks.token_of(payload)
    found = await state.tokens.lookup(token) if token else None
    if found is None:
        return _problem(401, ko.WEBHOOK_BAD_TOKEN)
    strategy, account_ids = found
    if not account_ids and await account_settings.has_inactive_accounts(
        state.accounts, strategy.id
    ):  # every account it trades through was deactivated: say so, place nothing
        return _problem(403, ko.settings_page.WEBHOOK_ACCOUNTS_INACTIVE)
    checked = await _checked_signal(payload, state, account_ids)
    if isinstance(checked, JSONResponse):
        return checked
    signal = checked
    if strategy.mode == StrategyMode.ALERT and state.alerts is not None:
        return await _alert(state.alerts, strategy, account_ids, signal, payload)
    results = await webhooks.execute(state.pipeline.submit, strategy.id, account_ids, signal)
    _observe(state, strategy.id, results)
    log.info(
        "webhook strategy=%s delivery=%s outcomes=%s",
        strategy.id,
        signal.delivery_id,
        ",".join(result.outcome.value for result in results),
    )
    return answer(results)


async def _checked_signal(
    payload: dict[str, Any], state: WebState, account_ids: Sequence[StrategyAccountId]
) -> WebhookSignal | JSONResponse:
    """The delivery as a signal, or the 400 naming what is wrong (nothing written)."""
    try:
        signal = webhooks.parse_signal(payload)
        if not account_ids:
            return _problem(400, ko.WEBHOOK_NO_ACCOUNTS)
        own_tick = await state.pipeline.check_symbol(account_ids[0], signal.symbol)
        webhooks.check_price_grid(signal, own_tick)
    except WebhookInvalid as exc:
        return _invalid(exc)
    except UnknownSymbol:
        return _problem(400, ko.WEBHOOK_UNKNOWN_SYMBOL.format(symbol=signal.symbol), "symbol")
    return signal


async def _alert(
    deps: alerts.AlertDeps,
    strategy: Strategy,
    account_ids: Sequence[StrategyAccountId],
    signal: WebhookSignal,
    payload: dict[str, Any],
) -> JSONResponse:
    """ALERT mode: store the signal for its owner's approval and answer at once."""
    alert = await alerts.create_alert(
        deps,
        user_id=int(strategy.user_id),
        strategy_id=int(strategy.id),
        account_ids=[int(a) for a in account_ids],
        signal=signal,
        payload=payload,
        expiry_minutes=strategy.alert_expiry_minutes,
        tolerance_pct=strategy.alert_tolerance_pct,
    )
    log.info("webhook strategy=%s delivery=%s alert=%s", strategy.id, signal.delivery_id, alert.id)
    body = {"success": True, "alert_id": alert.id, "status": "pending_approval"}
    return JSONResponse(body, status_code=200)


def _observe(state: WebState, strategy_id: int, results: list[AccountResult]) -> None:
    for result in results:
        outcome = "duplicate" if result.duplicate else result.outcome.value
        state.metrics.orders.labels(outcome=outcome).inc()
        if result.broker_seconds is not None and not result.duplicate:
            state.metrics.broker_latency.observe(result.broker_seconds)
        if result.outcome is SubmitOutcome.UNCONFIRMED:
            # TradingView gives up after 3 s and may show this delivery as failed although
            # the order may exist: it is settled against the broker, never resent blindly.
            log.warning(
                "webhook order %s unconfirmed (strategy %s, account %s); settling in background",
                result.order_id,
                strategy_id,
                result.strategy_account_id,
            )


@router.post(
    "/api/webhook",
    openapi_extra=_OPENAPI,
    response_model=WebhookOut,
    responses={
        400: {"model": Problem},
        401: {"model": Problem},
        403: {"model": Problem},
        408: {"model": WebhookOut},
    },
)
async def webhook(request: Request) -> JSONResponse:
    """Execute a strategy's signal for each of its accounts at once."""
    state: WebState = request.app.state.web
    try:
        response = await _handle(request, state)
    except Exception:  # never 5xx: TradingView would resend
        log.exception("webhook failed unexpectedly")
        response = _problem(400, ko.SYSTEM_ERROR)
    state.metrics.webhooks.labels(status=str(response.status_code)).inc()
    return response
