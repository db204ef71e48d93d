"""A local Telegram Bot API: `POST|GET /bot<TOKEN>/<method>` with the real envelopes.

Answers `{"ok": true, "result": ...}`; failures `{"ok": false, "error_code", "description"}`
with the HTTP status equal to `error_code`; flood control as 429 with
`parameters.retry_after`. Methods: getMe, sendMessage, editMessageText,
editMessageReplyMarkup, answerCallbackQuery, getUpdates, setWebhook, deleteWebhook,
getWebhookInfo. `push_update` queues an Update for getUpdates, or POSTs it to the webhook
set by setWebhook with the `X-Telegram-Bot-Api-Secret-Token` header.

Chats: any integer chat id is known except those in `unknown_chats` (400 chat not found)
and `blocked_chats` (403). Negative ids are groups. A sendMessage with `reply_parameters` (or
`reply_to_message_id`) answers with `reply_to_message`; `replies_to(id)` finds those.
A chat in `slow_chats` gets its sendMessage answered only after that many seconds.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes_remote.base import Fault, Faults, ThreadedServer, read_params

BOT_ID = 7001234567
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "hantu", "username": "hantu_test_bot"}
TOKEN = f"{BOT_ID}:AAHfakeTokenForTests_0123456789abcdefg"
MAX_TEXT = 4096


class TelegramError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> TelegramError:
    return TelegramError(400, f"Bad Request: {description}")


class FakeTelegram(ThreadedServer):
    """The Bot API for one bot token; see the module docstring."""

    def __init__(self, token: str = TOKEN) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        super().__init__(app)
        self.token = token
        self.faults = Faults()
        self.unknown_chats: set[int] = set()
        self.blocked_chats: set[int] = set()
        self.slow_chats: dict[int, float] = {}  # chat id → seconds sendMessage takes there
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.answered_callbacks: set[str] = set()
        self.callback_answers: dict[str, str | None] = {}  # query id -> the text shown
        self.updates: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] = {"url": "", "secret_token": None}
        self.webhook_answers: list[int] = []
        self.deliveries: list[Future[None]] = []
        self._message_ids = itertools.count(1)
        self._update_ids = itertools.count(734001219)

    @property
    def base_url(self) -> str:
        """What `telegram.Bot(base_url=...)` takes: the token is appended to it."""
        return f"{self.url}/bot"

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Every message sendMessage accepted (in order), optionally for one chat."""
        return [
            message
            for (chat, _), message in sorted(self.messages.items(), key=lambda i: i[0][1])
            if chat_id is None or chat == chat_id
        ]

    def replies_to(self, message_id: int, chat_id: int | None = None) -> list[dict[str, Any]]:
        """The messages sent as replies to message `message_id` (of `chat_id`, if given)."""
        return [m for m in self.sent(chat_id) if m.get("_reply_to") == message_id]

    def push_update(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Queue an Update carrying `payload` (e.g. {"callback_query": {...}}) for getUpdates,
        or start POSTing it to the webhook (its future is appended to `deliveries`)."""
        update = {"update_id": next(self._update_ids), **payload}
        if self.webhook["url"]:
            self.deliveries.append(self.run_soon(lambda: self._deliver(update)))
        else:
            self.updates.append(update)
        return update

    async def _deliver(self, update: dict[str, Any]) -> None:
        headers = {"Content-Type": "application/json"}
        if self.webhook["secret_token"]:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.webhook["url"], data=json.dumps(update), headers=headers) as reply,
        ):
            self.webhook_answers.append(reply.status)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await read_params(request)
        self.record(method, params, request.headers)
        if request.match_info["token"] != self.token:
            return _envelope_error(TelegramError(401, "Unauthorized"))
        fault = self.faults.take(method)
        if fault is not None:
            return await self._fault(fault)
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            return _envelope_error(TelegramError(404, "Not Found"))
        if method.lower() == "sendmessage":
            await asyncio.sleep(self.slow_chats.get(_int(params.get("chat_id")), 0.0))
        try:
            result = handler(params)
        except TelegramError as error:
            return _envelope_error(error)
        return web.json_response({"ok": True, "result": result})

    async def _fault(self, fault: Fault) -> web.Response:
        if (answer := await self.faults.in_front(fault)) is not None:
            return answer
        if fault is Fault.RATE_LIMITED:
            after = self.faults.retry_after
            return _envelope_error(
                TelegramError(
                    429, f"Too Many Requests: retry after {after}", {"retry_after": after}
                )
            )
        return _envelope_error(TelegramError(500, "Internal Server Error"))

    # --- methods ----------------------------------------------------------------------------

    def _m_getme(self, _: dict[str, Any]) -> dict[str, Any]:
        return {
            **BOT_USER,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _chat(self, params: dict[str, Any]) -> int:
        try:
            chat_id = int(params["chat_id"])
        except (KeyError, ValueError):
            raise _bad("chat not found") from None
        if chat_id in self.unknown_chats:
            raise _bad("chat not found")
        if chat_id in self.blocked_chats:
            raise TelegramError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    @staticmethod
    def _text(params: dict[str, Any]) -> str:
        text = str(params.get("text", ""))
        if not text:
            raise _bad("message text is empty")
        if len(text.encode("utf-16-le")) // 2 > MAX_TEXT:  # Telegram counts UTF-16 units
            raise _bad("message is too long")
        return text

    def _m_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        text = self._text(params)
        message = {
            "message_id": next(self._message_ids),
            "from": BOT_USER,
            "chat": _chat_object(chat_id),
            "date": int(time.time()),
            "text": text,
        }
        markup = _json_param(params.get("reply_markup"))
        if markup:
            message["reply_markup"] = markup
        replied = _replied_to(params)
        if replied is not None:
            message["reply_to_message"] = {
                "message_id": replied,
                "date": message["date"],
                "chat": message["chat"],
            }
            message["_reply_to"] = replied
        message["_disable_notification"] = _flag(params.get("disable_notification"))
        self.messages[(chat_id, message["message_id"])] = message
        return _public(message)

    def _edited(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        key = (chat_id, int(params.get("message_id", 0)))
        if key not in self.messages:
            raise _bad("message to edit not found")
        return self.messages[key]

    def _m_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._edited(params)
        text = self._text(params)
        markup = _json_param(params.get("reply_markup"))
        if text == message["text"] and markup == message.get("reply_markup"):
            raise _bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message.update(text=text, edit_date=int(time.time()))
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return _public(message)

    def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._edited(params)
        markup = _json_param(params.get("reply_markup"))
        message.pop("reply_markup", None)
        if markup and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return _public(message)

    def _m_answercallbackquery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if not query_id or query_id in self.answered_callbacks:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        self.answered_callbacks.add(query_id)
        self.callback_answers[query_id] = params.get("text")
        return True

    def _m_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook["url"]:
            raise TelegramError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset", 0))
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        return self.updates[: int(params.get("limit", 100))]

    def _m_setwebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {
            "url": str(params.get("url", "")),
            "secret_token": params.get("secret_token") or None,
        }
        if _flag(params.get("drop_pending_updates")):
            self.updates.clear()
        return True

    def _m_deletewebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {"url": "", "secret_token": None}
        if _flag(params.get("drop_pending_updates")):
            self.updates.clear()
        return True

    def _m_getwebhookinfo(self, _: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
            "max_connections": 40,
        }


def _chat_object(chat_id: int) -> dict[str, Any]:
    if chat_id < 0:
        return {"id": chat_id, "type": "supergroup", "title": "hantu desk"}
    return {"id": chat_id, "type": "private", "first_name": "민지"}


def _public(message: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if not key.startswith("_")}


def _json_param(raw: Any) -> Any:
    if isinstance(raw, str) and raw:
        return json.loads(raw)
    return raw


def _int(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _replied_to(params: dict[str, Any]) -> int | None:
    """The message id a sendMessage answers: `reply_parameters.message_id`, or the older
    `reply_to_message_id`."""
    parameters = _json_param(params.get("reply_parameters"))
    if isinstance(parameters, dict) and parameters.get("message_id") is not None:
        return int(parameters["message_id"])
    raw = params.get("reply_to_message_id")
    return None if raw in (None, "") else int(raw)


def _flag(raw: Any) -> bool:
    return raw is True or (isinstance(raw, str) and raw.lower() == "true")


def _envelope_error(error: TelegramError) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
    if error.parameters:
        body["parameters"] = error.parameters
    return web.json_response(body, status=error.code)
