"""Response header names spelled as KIS spells them.

KIS answers with the standard headers in their usual capitalisation (`Content-Type`,
`Content-Length`) and its own in lower case (`tr_id`, `tr_cont`, `gt_uid`, `msg_cd`).
Clients depend on it: the official sample builds a namedtuple from the lower-case names
alone, so a lower-case `content-type` (invalid as an identifier) fails every answer.
Starlette lowercases every name it emits; this ASGI wrapper restores the spelling on the
way out, for every answer the app sends (404s and 500s included), and adds the `Date`
header itself because uvicorn's own is lower-case (the server is told not to add it).
"""

from __future__ import annotations

from email.utils import formatdate

from starlette.types import ASGIApp, Message, Receive, Scope, Send

KIS_HEADERS = frozenset({b"tr_id", b"tr_cont", b"gt_uid", b"msg_cd"})


def kis_name(name: bytes) -> bytes:
    """`content-type` → `Content-Type`; KIS's own names stay lower case."""
    lowered = name.lower()
    if lowered in KIS_HEADERS:
        return lowered
    return b"-".join(part.capitalize() for part in lowered.split(b"-"))


class KisHeaderNames:
    """Wrap an ASGI app so its HTTP answers carry KIS's header spellings."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def respell(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(kis_name(k), v) for k, v in message.get("headers", [])]
                if not any(k == b"Date" for k, _ in headers):
                    headers.append((b"Date", formatdate(usegmt=True).encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, respell)
