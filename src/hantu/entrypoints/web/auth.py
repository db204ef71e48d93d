"""Login, logout and password change: argon2 passwords, a server-side session named by a
signed cookie, attempts limited before any password is checked."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.responses import Response

from hantu import messages_ko as ko
from hantu.domain.accounts import User
from hantu.domain.errors import InvalidValue
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
CsrfField = Annotated[str, Form(alias="csrf_token", max_length=256)]


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
    csrf_token_field: CsrfField = "",
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
    await _replace_session(request, state, user)
    return RedirectResponse("/positions", status_code=303)


async def _replace_session(request: Request, state: WebState, user: User) -> None:
    await _end_session(request, state)  # a session signed in over is ended, not left behind
    lifetime = timedelta(seconds=state.settings.session_max_age_seconds)
    request.session[SESSION_ID] = await logins.start_session(state.accounts, user.id, lifetime)
    csrf_token(request)


async def _end_session(request: Request, state: WebState) -> None:
    session_id = request.session.get(SESSION_ID)
    if isinstance(session_id, str) and session_id:
        await logins.end_session(state.accounts, session_id)
    request.session.clear()


@router.post("/logout")
async def logout(
    request: Request,
    state: StateDep,
    csrf_token_field: CsrfField = "",
) -> Response:
    """End the session on the server; needs the CSRF token so another site cannot log the
    user out."""
    check_csrf(request, csrf_token_field or request.headers.get("X-CSRF-Token"))
    await _end_session(request, state)
    return RedirectResponse("/login", status_code=303)


async def _change_password(
    request: Request, state: WebState, user: User, current: str, new: str
) -> tuple[int, str]:
    """(status, message) of a password change; the API and the form answer with it."""
    client = _client(request, state)
    wait = state.limiter.attempt(client, user.username)  # the current password is checked
    if wait:
        return 429, ko.LOGIN_RATE_LIMITED.format(seconds=wait)
    session_id = request.session.get(SESSION_ID)
    keep = session_id if isinstance(session_id, str) else None
    try:
        changed = await logins.change_password(
            state.accounts, user, current, new, keep_session=keep
        )
    except InvalidValue as exc:
        return 400, ko.explain_invalid(exc)
    if not changed:
        return 400, ko.PASSWORD_CURRENT_WRONG
    state.limiter.succeeded(client, user.username)
    return 200, ko.PASSWORD_CHANGED


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
    status, message = await _change_password(
        request, state, user, body.current_password, body.new_password
    )
    if status != 200:
        return JSONResponse(Problem(error=message).model_dump(), status_code=status)
    return JSONResponse(MessageOut(message=message).model_dump())


@router.get("/password")
async def password_page(request: Request, user: CurrentUser) -> Response:
    """The password change form."""
    return render(request, "password.html", {"user": user})


@router.post("/password")
async def password_form(
    request: Request,
    user: CurrentUser,
    state: StateDep,
    current_password: FormText,
    new_password: FormText,
    csrf_token_field: CsrfField = "",
) -> Response:
    """The form's post: the same change as the API, answered as a page."""
    try:
        check_csrf(request, csrf_token_field)
    except CsrfFailed:
        context = {"user": user, "error": ko.CSRF_FAILED}
        return render(request, "password.html", context, status_code=403)
    status, message = await _change_password(request, state, user, current_password, new_password)
    key = "message" if status == 200 else "error"
    return render(request, "password.html", {"user": user, key: message}, status_code=status)
