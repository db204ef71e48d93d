"""`POST /api/webhook/test`: the strategy page's "send a test webhook" button, validation only.

It runs every check the real webhook runs before an order exists (token, fields, symbol,
tick grid, linked active accounts) and stops there: nothing is stored and nothing reaches the
broker. Chosen over a real order on the simulator so the button is safe on a REAL account.
The token must belong to the signed-in user, so the button cannot probe other tokens.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from hantu import messages_ko as ko
from hantu.entrypoints.web.deps import CsrfChecked, CurrentUser, StateDep
from hantu.entrypoints.web.webhook import _checked_signal
from hantu.service_layer import account_settings, webhooks
from hantu.service_layer.webhooks import WebhookInvalid

router = APIRouter(tags=["webhook"])


def _problem(status: int, error: str) -> JSONResponse:
    return JSONResponse({"success": False, "error": error}, status_code=status)


@router.post("/api/webhook/test", response_model=None, dependencies=[CsrfChecked])
async def test_webhook(request: Request, user: CurrentUser, state: StateDep) -> Any:
    """Validate a webhook message as `/api/webhook` would, without placing an order."""
    try:
        payload = webhooks.decode_body(await request.body())
    except WebhookInvalid:
        return _problem(400, ko.WEBHOOK_NOT_JSON)
    token = webhooks.token_of(payload)
    found = await state.tokens.lookup(token) if token else None
    if found is None or found[0].user_id != user.id:
        return _problem(401, ko.WEBHOOK_BAD_TOKEN)
    strategy, account_ids = found
    if not account_ids and await account_settings.has_inactive_accounts(
        state.accounts, strategy.id
    ):
        return _problem(403, ko.settings_page.WEBHOOK_ACCOUNTS_INACTIVE)
    checked = await _checked_signal(payload, state, account_ids)
    if isinstance(checked, JSONResponse):
        return checked
    message = ko.settings_page.TEST_WEBHOOK_OK.format(
        symbol=checked.symbol,
        side=ko.NOTIFY_SIDE.get(checked.side.value, checked.side.value),
        quantity=ko.format_shares(checked.quantity),
        order_type=checked.order_type.value,
        accounts=len(account_ids),
    )
    return {"success": True, "dry_run": True, "message": message}
