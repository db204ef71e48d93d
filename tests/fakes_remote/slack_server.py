"""A local Slack Web API: `POST /api/<method>` answering as Slack does.

Checks `Authorization: Bearer <token>` (else `{"ok": false, "error": "invalid_auth"}` with
HTTP 200, as Slack answers most errors), takes JSON or form bodies. Methods: auth.test,
chat.postMessage (increasing `ts` per channel), chat.update (needs a known channel + ts).
Faults: 429 with a `Retry-After` header and `{"ok": false, "error": "ratelimited"}`, 5xx,
a hang. Channels in `unknown_channels` answer `channel_not_found`.
"""

from __future__ import annotations

import itertools
from typing import Any

from aiohttp import web

from tests.fakes_remote.base import Fault, Faults, ThreadedServer, read_params

TOKEN = "xoxb-1234567890-0987654321-fakeSlackTokenForTests"
BOT_USER = "U0HANTUBOT"


class SlackError(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class FakeSlack(ThreadedServer):
    """The Web API for one bot token; see the module docstring."""

    def __init__(self, token: str = TOKEN) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._handle)
        super().__init__(app)
        self.token = token
        self.faults = Faults()
        self.unknown_channels: set[str] = set()
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._ts = itertools.count(1)

    @property
    def base_url(self) -> str:
        """What `WebClient(base_url=...)` takes."""
        return f"{self.url}/api/"

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Every message chat.postMessage accepted, in order, optionally for one channel."""
        return [m for (ch, _), m in self.messages.items() if channel is None or ch == channel]

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await read_params(request)
        self.record(method, params, request.headers)
        fault = self.faults.take(method)
        if fault is not None:
            return await self._fault(fault)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, f"_m_{method.replace('.', '_').lower()}", None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        try:
            result = handler(params)
        except SlackError as error:
            return web.json_response({"ok": False, "error": error.error})
        return web.json_response({"ok": True, **result})

    async def _fault(self, fault: Fault) -> web.Response:
        if (answer := await self.faults.in_front(fault)) is not None:
            return answer
        if fault is Fault.RATE_LIMITED:
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(self.faults.retry_after)},
            )
        return web.Response(status=500, text="Internal Server Error")

    def _channel(self, params: dict[str, Any]) -> str:
        channel = str(params.get("channel", ""))
        if not channel or channel in self.unknown_channels:
            raise SlackError("channel_not_found")
        return channel

    def _m_auth_test(self, _: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://hantu-desk.slack.com/",
            "team": "hantu",
            "user": "hantu",
            "team_id": "T01HANTU",
            "user_id": BOT_USER,
            "bot_id": "B01HANTU",
        }

    def _m_chat_postmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        text = str(params.get("text") or "")
        if not text and not params.get("blocks"):
            raise SlackError("no_text")
        ts = f"1767571200.{next(self._ts):06d}"
        message = {"type": "message", "user": BOT_USER, "text": text, "ts": ts}
        if params.get("thread_ts"):
            message["thread_ts"] = str(params["thread_ts"])
        self.messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "message": message}

    def _m_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        ts = str(params.get("ts", ""))
        if (channel, ts) not in self.messages:
            raise SlackError("message_not_found")
        message = self.messages[(channel, ts)]
        message["text"] = str(params.get("text") or message["text"])
        return {"channel": channel, "ts": ts, "text": message["text"], "message": message}
