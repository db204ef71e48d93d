"""Login, logout and password change: argon2 passwords, a server-side session named by a
signed cookie, attempts limited before any password is checked."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.responses import Response

from hantu import messages_ko as ko
from hantu.entrypoints.web.csrf import CsrfFailed, check_csrf, csrf_token
from hantu.entrypoints.web.deps import SESSION_ID, CsrfChecked, CurrentUser, StateDep
from hantu.entrypoints.web.forwarded import client_address
from hantu.entrypoints.web.schemas import ChangePasswordBody, MessageOut, Problem
from hantu.entrypoints.web.state import WebState
from hantu.entrypoints.web.templating import render
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer import logins

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form(max_length=256)]


def _client(request: Request, state: WebState) -> str:
    return client_address(request, state.settings.trusted_proxy_networks)


@router.get("/login")
async def login_page(request: Request) -> Response:
    """Show the login form (and create the session's CSRF token)."""
    return render(request, "login.html")


def _limited(request: Request, wait: int) -> Response:
    message = ko.LOGIN_RATE_LIMITED.format(seconds=wait)
    response = render(request, "login.html", {"error": message}, status_code=429)
    response.headers["Retry-After"] = str(wait)
    return response


@router.post("/login")
async def login(
    request: Request,
    state: StateDep,
    username: FormText,
    password: FormText,
    csrf_token_field: Annotated[str, Form(alias="csrf_token", max_length=256)] = "",
) -> Response:
    """Check the password; on success start a fresh server-side session (no fixation)."""
    try:
        check_csrf(request, csrf_token_field)
    except CsrfFailed:
        return render(request, "login.html", {"error": ko.CSRF_FAILED}, status_code=403)
    client = _client(request, state)
    wait = state.limiter.attempt(client, username)  # counted before the password is checked
    if wait:
        state.metrics.logins.labels(outcome="limited").inc()
        return _limited(request, wait)
    user = await accounts_service.authenticate(state.accounts, username.strip(), password)
    if user is None:
        state.metrics.logins.labels(outcome="failure").inc()
        return render(request, "login.html", {"error": ko.LOGIN_FAILED}, status_code=401)
    state.limiter.succeeded(client, username)
    state.metrics.logins.labels(outcome="success").inc()
    lifetime = timedelta(seconds=state.settings.session_max_age_seconds)
    session_id = await logins.start_session(state.accounts, user.id, lifetime)
    request.session.clear()
    request.session[SESSION_ID] = session_id
    csrf_token(request)
    return RedirectResponse("/positions", status_code=303)


@router.post("/logout")
async def logout(
    request: Request,
    state: StateDep,
    csrf_token_field: Annotated[str, Form(alias="csrf_token", max_length=256)] = "",
) -> Response:
    """End the session on the server; needs the CSRF token so another site cannot log the
    user out."""
    check_csrf(request, csrf_token_field or request.headers.get("X-CSRF-Token"))
    session_id = request.session.get(SESSION_ID)
    if isinstance(session_id, str) and session_id:
        await logins.end_session(state.accounts, session_id)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post(
    "/api/password",
    response_model=MessageOut,
    dependencies=[CsrfChecked],
    responses={400: {"model": Problem}, 429: {"model": Problem}},
)
async def change_password(
    request: Request, body: ChangePasswordBody, user: CurrentUser, state: StateDep
) -> Response:
    """Change the signed-in user's password; every other session of theirs ends."""
    client = _client(request, state)
    wait = state.limiter.attempt(client, user.username)
    if wait:
        problem = Problem(error=ko.LOGIN_RATE_LIMITED.format(seconds=wait))
        return JSONResponse(problem.model_dump(), status_code=429)
    session_id = request.session.get(SESSION_ID)
    changed = await logins.change_password(
        state.accounts,
        user,
        body.current_password,
        body.new_password,
        keep_session=session_id if isinstance(session_id, str) else None,
    )
    if not changed:
        return JSONResponse(Problem(error=ko.PASSWORD_CURRENT_WRONG).model_dump(), status_code=400)
    state.limiter.succeeded(client, user.username)
    return JSONResponse(MessageOut(message=ko.PASSWORD_CHANGED).model_dump())
