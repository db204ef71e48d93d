"""OAuth endpoints and the hash key: `/oauth2/tokenP`, `/oauth2/revokeP`, `/oauth2/Approval`,
`/uapi/hashkey` (reference §2).

Token-endpoint errors use the OAuth shape `error_code`/`error_description` with HTTP 403,
not the normal envelope (reference §2.1, gotcha 11).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hantu.simulator.accounts import Account
from hantu.simulator.calendar import seoul
from hantu.simulator.gateway import TokenThrottled
from hantu.simulator.rest_common import SimContext, gateway_error

THROTTLED = "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)"


def oauth_error(code: str, description: str, status: int = 403) -> JSONResponse:
    """The token endpoint's error shape."""
    return JSONResponse({"error_code": code, "error_description": description}, status)


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _account(ctx: SimContext, app_key: object, secret: object) -> Account | JSONResponse:
    account = ctx.engine.account_for_key(str(app_key or ""))
    if account is None:
        return oauth_error("EGW00103", "유효하지 않은 AppKey입니다.")
    if str(secret or "") != account.app_secret:
        return oauth_error("EGW00105", "유효하지 않은 AppSecret입니다.")
    return account


def token_endpoint(ctx: SimContext) -> Any:
    """POST /oauth2/tokenP: issue (or re-serve) an access token, once a minute at most."""

    async def run(request: Request) -> Response:
        body = await _json_body(request)
        if body.get("grant_type") != "client_credentials":
            return oauth_error("EGW00002", "grant_type이 유효하지 않습니다.")
        account = _account(ctx, body.get("appkey"), body.get("appsecret"))
        if isinstance(account, Response):
            return account
        try:
            token = ctx.tokens.issue(account.app_key)
        except TokenThrottled:
            return oauth_error("EGW00133", THROTTLED)
        remaining = int((token.expires_at - ctx.clock.now()).total_seconds())
        return JSONResponse(
            {
                "access_token": token.value,
                "access_token_token_expired": seoul(token.expires_at).strftime("%Y-%m-%d %H:%M:%S"),
                "token_type": "Bearer",
                "expires_in": remaining,
            }
        )

    return run


def revoke_endpoint(ctx: SimContext) -> Any:
    """POST /oauth2/revokeP: invalidate a token (`code` is an integer, per the reference)."""

    async def run(request: Request) -> Response:
        body = await _json_body(request)
        account = _account(ctx, body.get("appkey"), body.get("appsecret"))
        if isinstance(account, Response):
            return account
        if not ctx.tokens.revoke(str(body.get("token", ""))):
            return oauth_error("EGW00121", "유효하지 않은 token 입니다.")
        return JSONResponse({"code": 200, "message": "접근토큰 폐기에 성공하였습니다"})

    return run


def approval_endpoint(ctx: SimContext) -> Any:
    """POST /oauth2/Approval: a WebSocket approval key (body field `secretkey`, §2.3)."""

    async def run(request: Request) -> Response:
        body = await _json_body(request)
        if body.get("grant_type") != "client_credentials":
            return oauth_error("EGW00002", "grant_type이 유효하지 않습니다.")
        account = _account(ctx, body.get("appkey"), body.get("secretkey"))
        if isinstance(account, Response):
            return account
        return JSONResponse({"approval_key": ctx.tokens.approval_key(account.app_key)})

    return run


def hashkey_endpoint(ctx: SimContext) -> Any:
    """POST /uapi/hashkey: echo the body with a `HASH` (optional at KIS, §2.4)."""

    async def run(request: Request) -> Response:
        app_key = request.headers.get("appkey", "")
        if not ctx.limiter.allow(app_key):
            return gateway_error("EGW00201")
        account = _account(ctx, app_key, request.headers.get("appsecret"))
        if isinstance(account, Response):
            return account
        body = await _json_body(request)
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha256((account.app_secret + raw).encode()).hexdigest()
        return JSONResponse({"JsonBody": body, "HASH": digest})

    return run
