"""Typed dependency aliases, all read from `app.state` (set up by the lifespan)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hantu.domain.accounts import User
from hantu.entrypoints.web.csrf import require_csrf
from hantu.entrypoints.web.state import WebState
from hantu.service_layer import logins

SESSION_ID = "sid"


class LoginRequired(Exception):
    """No signed-in user: APIs answer 401, pages redirect to the login page."""


def get_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


StateDep = Annotated[WebState, Depends(get_state)]


async def get_current_user(request: Request, state: StateDep) -> User:
    session_id = request.session.get(SESSION_ID)
    if not isinstance(session_id, str):
        raise LoginRequired
    user = await logins.session_user(state.accounts, session_id)
    if user is None:  # logged out, password changed, or expired: the cookie is dead
        request.session.clear()
        raise LoginRequired
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
CsrfChecked = Depends(require_csrf)
