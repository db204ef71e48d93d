"""Security headers on every answer (a plain ASGI middleware: no per-request overhead of
`BaseHTTPMiddleware`). Pages load only hantu's own scripts and styles, so a strict Content
Security Policy is a second line behind HTML escaping. `/docs` runs inline
start-up scripts (its assets are local, see `docs.py`), so it is left without the policy."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# lightweight-charts (static/vendor) adds one <style> for its TradingView attribution link,
# which its license asks us to show: that exact text is allowed by its hash, nothing else
# inline (tests/unit/web/test_pnl_vendor.py checks the hash against the vendored bundle).
CHART_ATTRIBUTION_STYLE = "'sha256-3pRED1tOXas1FXFoPb9TGCjmYe9XQsmO9OV23khV2nY='"
CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    f"style-src 'self' {CHART_ATTRIBUTION_STYLE}; "
    "form-action 'self'; frame-ancestors 'none'"
)
_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
_EXEMPT = ("/docs", "/redoc")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(_COMMON)
        if not str(scope.get("path", "")).startswith(_EXEMPT):
            extra.append((b"content-security-policy", CSP.encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
