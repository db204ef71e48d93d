"""Telegram: the Bot API webhook, and the signed-in user's link code / unlink (JSON API).

The webhook is open to the internet, so it trusts nothing but the secret token Telegram
echoes in `X-Telegram-Bot-Api-Secret-Token` (compared in constant time): missing → 401,
wrong → 403, and nothing is parsed before that. Handler errors answer 200 after logging,
since Telegram would redeliver the same update on every failure.
"""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from hantu import messages_ko as ko
from hantu.adapters.telegram.frontend import WEBHOOK_PATH, TelegramFrontend
from hantu.entrypoints.web.deps import CsrfChecked, CurrentUser, StateDep
from hantu.service_layer import telegram_bot

ECHO_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 256 * 1024
log = logging.getLogger(__name__)
router = APIRouter(tags=["telegram"])


class LinkCodeOut(BaseModel):
    code: str
    command: str
    expires_at: str


class TelegramLinkOut(BaseModel):
    enabled: bool
    linked: bool
    chat_id: int | None = None
    entries_paused: bool = False


def _problem(status: int, error: str) -> JSONResponse:
    return JSONResponse({"success": False, "error": error}, status_code=status)


def _frontend(state: StateDep) -> TelegramFrontend | None:
    return state.telegram


@router.post(WEBHOOK_PATH, include_in_schema=False)
async def telegram_webhook(request: Request, state: StateDep) -> JSONResponse:
    frontend = _frontend(state)
    if frontend is None or not state.settings.telegram_webhook_mode:
        return _problem(404, ko.TG_WEBHOOK_OFF)
    presented = request.headers.get(ECHO_HEADER)
    if not presented:
        return _problem(401, ko.TG_WEBHOOK_HEADER_MISSING)
    if not frontend.secret_matches(presented):
        return _problem(403, ko.TG_WEBHOOK_HEADER_WRONG)
    body = await request.body()
    try:
        data = json.loads(body) if len(body) <= MAX_UPDATE_BYTES else None
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return _problem(400, ko.TG_WEBHOOK_BAD_BODY)
    try:
        await frontend.handle_json(data)
    except Exception:  # answered 200 anyway: a 5xx makes Telegram resend it forever
        log.exception("telegram webhook update %s failed", data["update_id"])
    return JSONResponse({"ok": True})


@router.get("/api/telegram")
async def telegram_link(user: CurrentUser, state: StateDep) -> TelegramLinkOut:
    """Whether the bot is on, and the signed-in user's linked chat."""
    frontend = _frontend(state)
    if frontend is None:
        return TelegramLinkOut(enabled=False, linked=False)
    link = await telegram_bot.link_of(frontend.deps, user.id)
    paused = await telegram_bot.entries_paused(frontend.deps, user.id)
    return TelegramLinkOut(
        enabled=True,
        linked=link is not None,
        chat_id=None if link is None else link.chat_id,
        entries_paused=paused,
    )


@router.post("/api/telegram/link-code", dependencies=[CsrfChecked], response_model=None)
async def telegram_link_code(user: CurrentUser, state: StateDep) -> LinkCodeOut | JSONResponse:
    """A fresh one-time code to send to the bot as `/start CODE` (valid for 10 minutes)."""
    frontend = _frontend(state)
    if frontend is None:
        return _problem(404, ko.TG_OFF)
    issued = await telegram_bot.issue_link_code(frontend.deps, user.id)
    return LinkCodeOut(
        code=issued.code, command=issued.command, expires_at=issued.expires_at.isoformat()
    )


@router.post("/api/telegram/unlink", dependencies=[CsrfChecked], response_model=None)
async def telegram_unlink(user: CurrentUser, state: StateDep) -> TelegramLinkOut | JSONResponse:
    """Forget the signed-in user's Telegram chat."""
    frontend = _frontend(state)
    if frontend is None:
        return _problem(404, ko.TG_OFF)
    await telegram_bot.unlink(frontend.deps, user.id)
    return TelegramLinkOut(enabled=True, linked=False)
