"""Login and logout pages: argon2 passwords, a signed session cookie, limited attempts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from hantu import messages_ko as ko
from hantu.entrypoints.web.csrf import CsrfFailed, check_csrf, csrf_token
from hantu.entrypoints.web.deps import SESSION_USER, StateDep
from hantu.entrypoints.web.templating import render
from hantu.service_layer import accounts as accounts_service

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form(max_length=256)]


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login")
async def login_page(request: Request) -> Response:
    """Show the login form (and create the session's CSRF token)."""
    return render(request, "login.html")


@router.post("/login")
async def login(
    request: Request,
    state: StateDep,
    username: FormText,
    password: FormText,
    csrf_token_field: Annotated[str, Form(alias="csrf_token", max_length=256)] = "",
) -> Response:
    """Check the password; on success start a fresh session (no fixation)."""
    try:
        check_csrf(request, csrf_token_field)
    except CsrfFailed:
        return render(request, "login.html", {"error": ko.CSRF_FAILED}, status_code=403)
    client = _client(request)
    wait = state.limiter.retry_after(client, username)
    if wait:
        message = ko.LOGIN_RATE_LIMITED.format(seconds=wait)
        response = render(request, "login.html", {"error": message}, status_code=429)
        response.headers["Retry-After"] = str(wait)
        return response
    user = await accounts_service.authenticate(state.accounts, username.strip(), password)
    if user is None:
        state.limiter.failed(client, username)
        return render(request, "login.html", {"error": ko.LOGIN_FAILED}, status_code=401)
    state.limiter.succeeded(client, username)
    request.session.clear()
    request.session[SESSION_USER] = user.id
    csrf_token(request)
    return RedirectResponse("/positions", status_code=303)


@router.post("/logout")
async def logout(
    request: Request,
    csrf_token_field: Annotated[str, Form(alias="csrf_token", max_length=256)] = "",
) -> Response:
    """End the session; needs the CSRF token so another site cannot log the user out."""
    check_csrf(request, csrf_token_field or request.headers.get("X-CSRF-Token"))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
