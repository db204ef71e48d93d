"""The monitor panel (/monitor): the state of spec 002's diagram, the subscriptions, each of
the user's positions with how it is protected and its last tick's age, and start / stop /
restart forms (CSRF form field; each lands on the panel again, saying what it did). The
panel refreshes its two sections every few seconds while it is visible (monitor.js)."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from hantu.entrypoints.web.csrf import check_csrf
from hantu.entrypoints.web.deps import CurrentUser, StateDep
from hantu.entrypoints.web.monitor_api import ACTIONS, Caller, monitor_runtime, status_json
from hantu.entrypoints.web.templating import render
from hantu.messages_ko import monitor_panel as text

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)


async def _panel(
    request: Request, user: Any, state: Any, message: str | None = None, status_code: int = 200
) -> Response:
    found = monitor_runtime(request)
    if found is None:
        context = {"user": user, "monitor": None, "message": message}
        return render(request, "monitor.html", context, status_code=503)
    try:
        current = await found.control.status()
    except Exception:  # the database away: the panel says so instead of a 500
        log.exception("monitor status failed")
        context = {"user": user, "monitor": None, "message": text.STATUS_FAILED}
        return render(request, "monitor.html", context, status_code=503)
    status = await status_json(state, current, Caller(user))
    for position in status["positions"]:  # the JSON's strings, as amounts again
        position["quantity"] = Decimal(position["quantity"])
        position["average_price"] = Decimal(position["average_price"])
    context = {"user": user, "monitor": status, "message": message}
    return render(request, "monitor.html", context, status_code=status_code)


@router.get("/monitor")
async def monitor_page(
    request: Request, user: CurrentUser, state: StateDep, done: str | None = None
) -> Response:
    """The panel; `?done=stop` (where an action's form lands) says what was just done."""
    message = ACTIONS[done][1] if done in ACTIONS else None
    return await _panel(request, user, state, message)


@router.post("/monitor/{action}")
async def monitor_action(
    action: str, request: Request, user: CurrentUser, state: StateDep
) -> Response:
    form = await request.form()
    token = form.get("csrf_token")
    check_csrf(request, token if isinstance(token, str) else None)
    found = monitor_runtime(request)
    if action not in ACTIONS:
        return await _panel(request, user, state, text.unknown_action(action), 404)
    if found is None:
        return await _panel(request, user, state, text.MONITOR_DISABLED, 503)
    run, _ = ACTIONS[action]
    try:
        await run(found.control)
    except Exception:
        log.exception("monitor %s failed", action)
        return await _panel(request, user, state, text.ACTION_FAILED, 503)
    # Post/redirect/get: a reload shows the panel again instead of repeating the action.
    return RedirectResponse(f"/monitor?done={action}", status_code=303)
