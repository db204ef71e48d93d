"""The notification settings page: on / silent / off per event kind for the signed-in user."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from hantu import messages_ko as ko
from hantu.domain.accounts import User
from hantu.domain.notifications import PRIORITY_OF, EventKind, Preference, Priority
from hantu.entrypoints.web.csrf import CsrfFailed, check_csrf
from hantu.entrypoints.web.deps import CurrentUser, StateDep
from hantu.entrypoints.web.state import WebState
from hantu.entrypoints.web.templating import render
from hantu.service_layer import notify_delivery

router = APIRouter(include_in_schema=False)
MAX_FIELD = 16


def _rows(chosen: dict[EventKind, Preference]) -> list[dict[str, object]]:
    return [
        {
            "kind": kind.value,
            "label": ko.NOTIFY_KIND_LABEL.get(kind.value, kind.value),
            "mode": chosen[kind].value,
            "emergency": PRIORITY_OF[kind] is Priority.EMERGENCY,
        }
        for kind in EventKind
    ]


async def _page(
    request: Request, state: WebState, user: User, status: int = 200, **extra: str
) -> Response:
    store = state.notify
    chosen = {k: Preference.ON for k in EventKind}
    if store is not None:
        chosen = await notify_delivery.preferences_of(store, user.id)
    context = {"user": user, "rows": _rows(chosen), "modes": ko.NOTIFY_MODE_LABEL, **extra}
    return render(request, "notifications.html", context, status_code=status)


@router.get("/notifications")
async def notifications_page(request: Request, user: CurrentUser, state: StateDep) -> Response:
    """The form, with the user's current choice per kind."""
    return await _page(request, state, user)


@router.post("/notifications")
async def save_notifications(request: Request, user: CurrentUser, state: StateDep) -> Response:
    """Store the posted choices; a bad kind or mode is a 400 naming nothing stored."""
    form = await request.form()
    try:
        check_csrf(request, str(form.get("csrf_token", "")))
    except CsrfFailed:
        return await _page(request, state, user, 403, error=ko.CSRF_FAILED)
    choices = {
        str(key)[: MAX_FIELD * 2]: str(value)[:MAX_FIELD]
        for key, value in form.items()
        if key != "csrf_token"
    }
    bad = ko.UI_TEXT["notifications_bad"]
    if state.notify is None:
        return await _page(request, state, user, 400, error=bad)
    try:  # every choice is checked before any is stored
        await notify_delivery.set_preferences(state.notify, user.id, choices)
    except ValueError:
        return await _page(request, state, user, 400, error=bad)
    return await _page(request, state, user, message=ko.UI_TEXT["notifications_saved"])
