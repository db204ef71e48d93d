"""The ALERT-mode JSON API: list, read, approve and reject the signed-in user's alerts.

Decisions go through service_layer.alerts (one conditional claim), so a web click racing a
Telegram press executes at most one order; another user's alert answers 404 like a missing one.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from hantu.domain.alerts import Alert, AlertId
from hantu.entrypoints.web.deps import CsrfChecked, CurrentUser, StateDep
from hantu.entrypoints.web.state import WebState
from hantu.entrypoints.web.strategies import ERRORS
from hantu.messages_ko import alerts_page as text
from hantu.service_layer import alert_telegram, alerts
from hantu.service_layer.alerts import AlertActor, AlertDeps, Decision, DecisionOutcome

router = APIRouter(prefix="/api", tags=["alerts"])

STATUS_OF: dict[DecisionOutcome, int] = {
    DecisionOutcome.EXECUTED: 200,
    DecisionOutcome.UNCONFIRMED: 200,
    DecisionOutcome.REJECTED: 200,
    DecisionOutcome.PRICE_MOVED: 409,
    DecisionOutcome.EXPIRED: 410,
    DecisionOutcome.ALREADY_HANDLED: 409,
    DecisionOutcome.NOT_FOUND: 404,
    DecisionOutcome.FAILED: 502,
    DecisionOutcome.BROKER_AUTH: 502,
    DecisionOutcome.NETWORK: 502,
}


def problem(status: int, error: str, **extra: object) -> JSONResponse:
    return JSONResponse({"success": False, "error": error, **extra}, status_code=status)


def _deps(state: WebState) -> AlertDeps | None:
    return state.alerts


def alert_json(alert: Alert) -> dict[str, Any]:
    """An alert as the API shows it: money as strings, times as ISO 8601."""

    def money(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "id": alert.id,
        "strategy_id": alert.strategy_id,
        "strategy_account_id": alert.strategy_account_id,
        "symbol": alert.symbol,
        "side": alert.side.value,
        "quantity": str(alert.quantity),
        "price_at_creation": money(alert.price_at_creation),
        "created_at": alert.created_at.isoformat(),
        "expires_at": alert.expires_at.isoformat(),
        "status": alert.status.value,
        "decided_via": alert.decided_via,
        "decided_by": alert.decided_by,
        "decided_at": None if alert.decided_at is None else alert.decided_at.isoformat(),
        "order_id": alert.order_id,
        "failure_reason": alert.failure_reason,
        "fill_line": alert.fill_line,  # what its Telegram message shows of the fills
    }


def decision_response(decision: Decision) -> JSONResponse:
    status = STATUS_OF[decision.outcome]
    body: dict[str, Any] = {
        "success": status == 200,
        "outcome": decision.outcome.value,
        "message": decision.message_ko,
        "order_id": decision.order_id,
        "alert": None if decision.alert is None else alert_json(decision.alert),
    }
    if decision.new_price is not None:
        body["new_price"] = str(decision.new_price)
    if status != 200:
        body["error"] = decision.message_ko
    return JSONResponse(body, status_code=status)


@router.get("/alerts", responses=ERRORS)
async def list_alerts(
    user: CurrentUser, state: StateDep, status: str = "pending", limit: int = 50
) -> JSONResponse:
    """Pending alerts (oldest first) or decided ones (newest first) of the signed-in user."""
    deps = _deps(state)
    if deps is None:
        return problem(503, text.ALERTS_UNAVAILABLE)
    if status == "pending":
        found = await alerts.pending_for(deps, user.id)
    elif status == "decided":
        found = await alerts.decided_for(deps, user.id, max(1, min(limit, 200)))
    else:
        return problem(400, text.BAD_STATUS_FILTER, field="status")
    return JSONResponse({"success": True, "alerts": [alert_json(a) for a in found]})


@router.get("/alerts/{alert_id}", responses=ERRORS)
async def get_alert(alert_id: str, user: CurrentUser, state: StateDep) -> JSONResponse:
    deps = _deps(state)
    if deps is None:
        return problem(503, text.ALERTS_UNAVAILABLE)
    alert = await alerts.get_for(deps, user.id, AlertId(alert_id))
    if alert is None:
        return problem(404, text.ALERT_NOT_FOUND)
    return JSONResponse({"success": True, "alert": alert_json(alert)})


async def _confirmed_price(request: Request) -> Decimal | str | None:
    """The optional `confirmed_price` of the body; a str is the error to answer with."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        body = await request.json()
    except ValueError:
        return text.BAD_BODY
    if not isinstance(body, dict):
        return text.BAD_BODY
    value = body.get("confirmed_price")
    if value is None:
        return None
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        return text.BAD_CONFIRMED_PRICE
    if not price.is_finite() or price <= 0:
        return text.BAD_CONFIRMED_PRICE
    return price


@router.post("/alerts/{alert_id}/approve", responses=ERRORS, dependencies=[CsrfChecked])
async def approve_alert(
    alert_id: str, request: Request, user: CurrentUser, state: StateDep
) -> JSONResponse:
    """Approve: the order goes out once; a moved price answers 409 with `new_price`."""
    deps = _deps(state)
    if deps is None:
        return problem(503, text.ALERTS_UNAVAILABLE)
    price = await _confirmed_price(request)
    if isinstance(price, str):
        return problem(400, price, field="confirmed_price")
    actor = AlertActor(user_id=user.id, via="web")
    decision = await alerts.approve(deps, AlertId(alert_id), actor, confirmed_price=price)
    await _tell_telegram(state, decision)
    return decision_response(decision)


@router.post("/alerts/{alert_id}/reject", responses=ERRORS, dependencies=[CsrfChecked])
async def reject_alert(alert_id: str, user: CurrentUser, state: StateDep) -> JSONResponse:
    deps = _deps(state)
    if deps is None:
        return problem(503, text.ALERTS_UNAVAILABLE)
    actor = AlertActor(user_id=user.id, via="web")
    decision = await alerts.reject(deps, AlertId(alert_id), actor)
    await _tell_telegram(state, decision)
    return decision_response(decision)


async def _tell_telegram(state: WebState, decision: Decision) -> None:
    if state.alert_bot is not None:
        await alert_telegram.show_web_decision(state.alert_bot, decision)
