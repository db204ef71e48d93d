"""CSRF protection: a per-session token in `<meta name="csrf-token">`, sent back as
`X-CSRF-Token` (or the `csrf_token` form field) on every state-changing browser request."""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

SESSION_KEY = "csrf"
HEADER = "X-CSRF-Token"
FORM_FIELD = "csrf_token"


class CsrfFailed(Exception):
    """The request carried no CSRF token, or not this session's."""


def csrf_token(request: Request) -> str:
    """This session's CSRF token, created on first use."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


def check_csrf(request: Request, presented: str | None) -> None:
    """Compare the presented token with the session's in constant time."""
    expected = request.session.get(SESSION_KEY)
    if not isinstance(expected, str) or not expected or not presented:
        raise CsrfFailed
    if not hmac.compare_digest(expected.encode(), presented.encode()):
        raise CsrfFailed


async def require_csrf(request: Request) -> None:
    """Dependency for state-changing JSON endpoints: the header must match the session."""
    check_csrf(request, request.headers.get(HEADER))
