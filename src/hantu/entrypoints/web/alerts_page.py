"""The web approval queue: pending alerts with countdowns and approve/reject forms, and the
history of decided alerts (server-rendered, so the live swap on topic "alert" refreshes it)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from hantu.domain.alerts import Alert, AlertId
from hantu.entrypoints.web.csrf import check_csrf
from hantu.entrypoints.web.deps import CurrentUser, StateDep
from hantu.entrypoints.web.order_views import names_for, seoul_time
from hantu.entrypoints.web.templating import render
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer import alert_telegram, alerts
from hantu.service_layer.alerts import AlertActor, Decision, DecisionOutcome

router = APIRouter(include_in_schema=False)

OK_OUTCOMES = frozenset(
    {DecisionOutcome.EXECUTED, DecisionOutcome.UNCONFIRMED, DecisionOutcome.REJECTED}
)


def _row(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "symbol": alert.symbol,
        "side": alert.side.value,
        "quantity": alert.quantity,
        "price": alert.price_at_creation,
        "expires_at": alert.expires_at.isoformat(),
        "expires_label": seoul_time(alert.expires_at),
        "status": alert.status.value,
        "decided_via": alert.decided_via,
        "decided_at": None if alert.decided_at is None else seoul_time(alert.decided_at),
        "order_id": alert.order_id,
        "failure_reason": alert.failure_reason,
        "fill_line": alert.fill_line,
    }


async def _page(
    request: Request, user: Any, state: Any, decision: Decision | None, status_code: int = 200
) -> Response:
    deps = state.alerts
    pending = [] if deps is None else await alerts.pending_for(deps, user.id)
    decided = [] if deps is None else await alerts.decided_for(deps, user.id, 50)
    views = await accounts_service.strategy_accounts_of_user(state.accounts, user.id)
    names = await names_for(state, views, [a.symbol for a in (*pending, *decided)])
    context = {
        "user": user,
        "pending": [_row(a) for a in pending],
        "decided": [_row(a) for a in decided],
        "names": names.symbols,
        "decision": decision,
        "decision_ok": decision is not None and decision.outcome in OK_OUTCOMES,
        "price_moved": decision is not None and decision.outcome is DecisionOutcome.PRICE_MOVED,
    }
    return render(request, "alerts.html", context, status_code=status_code)


@router.get("/alerts")
async def alerts_page(request: Request, user: CurrentUser, state: StateDep) -> Response:
    """Pending alerts to approve or reject, and what was decided, by whom and how."""
    return await _page(request, user, state, None)


async def _decide(
    request: Request, user: Any, state: Any, alert_id: str, approve: bool
) -> Response:
    form = await request.form()
    token = form.get("csrf_token")
    check_csrf(request, token if isinstance(token, str) else None)
    if state.alerts is None:
        return await _page(request, user, state, None, 503)
    actor = AlertActor(user_id=user.id, via="web")
    if approve:
        raw = form.get("confirmed_price")
        price: Decimal | None = None
        if isinstance(raw, str) and raw:
            try:
                price = Decimal(raw)
            except InvalidOperation:
                price = None
        decision = await alerts.approve(
            state.alerts, AlertId(alert_id), actor, confirmed_price=price
        )
    else:
        decision = await alerts.reject(state.alerts, AlertId(alert_id), actor)
    if state.alert_bot is not None:
        await alert_telegram.show_web_decision(state.alert_bot, decision)
    return await _page(request, user, state, decision)


@router.post("/alerts/{alert_id}/approve")
async def approve_form(
    alert_id: str, request: Request, user: CurrentUser, state: StateDep
) -> Response:
    return await _decide(request, user, state, alert_id, approve=True)


@router.post("/alerts/{alert_id}/reject")
async def reject_form(
    alert_id: str, request: Request, user: CurrentUser, state: StateDep
) -> Response:
    return await _decide(request, user, state, alert_id, approve=False)
