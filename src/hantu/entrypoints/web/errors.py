"""Exception handlers: every error answer is `{"success": false, "error": <Korean>}`."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response

from hantu import messages_ko as ko
from hantu.domain.accounts import NameTaken
from hantu.domain.errors import DomainError, NotFound
from hantu.entrypoints.web.csrf import CsrfFailed
from hantu.entrypoints.web.deps import LoginRequired, get_current_user, get_state
from hantu.entrypoints.web.templating import render
from hantu.service_layer.webhooks import WebhookInvalid

log = logging.getLogger(__name__)

_NAME_TAKEN = {
    "username": ko.USERNAME_TAKEN,
    "strategy name": ko.STRATEGY_NAME_TAKEN,
    "strategy account": ko.ACCOUNT_ALREADY_LINKED,
}


def _problem(status: int, error: str, **extra: object) -> JSONResponse:
    return JSONResponse({"success": False, "error": error, **extra}, status_code=status)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/metrics"


async def _login_required(request: Request, _exc: Exception) -> Response:
    if _wants_json(request):
        return _problem(401, ko.LOGIN_REQUIRED)
    return RedirectResponse("/login", status_code=303)


async def _csrf(_request: Request, _exc: Exception) -> Response:
    return _problem(403, ko.CSRF_FAILED)


async def _not_found(_request: Request, _exc: Exception) -> Response:
    return _problem(404, ko.NOT_FOUND)


async def _name_taken(_request: Request, exc: Exception) -> Response:
    if not isinstance(exc, NameTaken):
        raise exc
    return _problem(409, _NAME_TAKEN.get(exc.what, ko.INVALID_INPUT.format(detail=exc)))


async def _webhook_invalid(_request: Request, exc: Exception) -> Response:
    if not isinstance(exc, WebhookInvalid):
        raise exc
    detail = ko.WEBHOOK_FIELD_INVALID.format(field=exc.field, detail=exc.detail)
    return _problem(400, detail, field=exc.field)


async def _domain(_request: Request, exc: Exception) -> Response:
    return _problem(400, ko.explain_invalid(exc))


async def _validation(_request: Request, exc: Exception) -> Response:
    if not isinstance(exc, RequestValidationError):
        raise exc
    first = exc.errors()[0] if exc.errors() else {}
    location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    field = ".".join(location) or "body"
    template = ko.VALIDATION_TEXT.get(str(first.get("type", "")), ko.VALIDATION_OTHER)
    try:
        detail = template.format(**first.get("ctx", {}))
    except (KeyError, IndexError):
        detail = ko.VALIDATION_OTHER
    return _problem(422, ko.WEBHOOK_FIELD_INVALID.format(field=field, detail=detail), field=field)


def _wants_page(request: Request) -> bool:
    return not _wants_json(request) and "text/html" in request.headers.get("accept", "")


async def _not_found_page(request: Request) -> Response:
    """A browser asking for a path we do not serve gets a page with the navigation."""
    try:
        user = await get_current_user(request, get_state(request))
    except LoginRequired:
        user = None
    return render(request, "not_found.html", {"user": user}, status_code=404)


async def _http(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):
        raise exc
    if exc.status_code == 404 and _wants_page(request):
        return await _not_found_page(request)
    message = ko.NOT_FOUND if exc.status_code == 404 else str(exc.detail)
    return _problem(exc.status_code, message)


def install(app: FastAPI) -> None:
    """Register the handlers, most specific first."""
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(CsrfFailed, _csrf)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(NameTaken, _name_taken)
    app.add_exception_handler(WebhookInvalid, _webhook_invalid)
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
