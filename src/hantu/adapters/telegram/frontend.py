"""The Telegram front end: python-telegram-bot `Update`s in, the bot's use cases, replies out.

Thin on purpose: parsing and authorization live in `service_layer.telegram_commands`. Two
ways in, one handler: long polling (`getUpdates`, for a home server with no public HTTPS
address) or a webhook set with a secret token that Telegram echoes in
`X-Telegram-Bot-Api-Secret-Token` (checked in constant time by `secret_matches`).
The bot token is part of every Bot API URL; neither it nor a message text is ever logged here.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import secrets
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters, Update
from telegram.error import TelegramError
from telegram.request import HTTPXRequest

from hantu.adapters.notify.telegram import PTB_TIMEDELTA
from hantu.domain.masking import mask
from hantu.service_layer.lanes import Lanes
from hantu.service_layer.telegram_bot import BotDeps
from hantu.service_layer.telegram_commands import answer

WEBHOOK_PATH = "/api/v1/telegram/webhook"
WEBHOOK_KEY_FILE = "telegram_webhook.secret"
ALLOWED_UPDATES = ["message", "callback_query"]
log = logging.getLogger(__name__)


def load_or_create_webhook_secret(data_dir: Path) -> str:
    """The webhook's secret token, generated once into the data dir (Telegram allows only
    `A-Z a-z 0-9 _ -`, which `token_urlsafe` keeps to)."""
    path = data_dir / WEBHOOK_KEY_FILE
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    path.write_text(secret, encoding="ascii")
    path.chmod(0o600)
    return secret


class TelegramFrontend:
    """One bot; `poll_forever` or `set_webhook` + `handle_json`. Call `aclose` when done."""

    def __init__(
        self,
        token: str,
        base_url: str,
        deps: BotDeps,
        *,
        webhook_secret: str | None = None,
        poll_timeout: int = 30,
        idle_seconds: float = 1.0,
        retry_seconds: float = 5.0,
    ) -> None:
        os.environ.setdefault(PTB_TIMEDELTA, "1")
        self._requests = (HTTPXRequest(read_timeout=10.0), HTTPXRequest(read_timeout=10.0))
        self.bot = Bot(
            token,
            base_url=base_url,
            request=self._requests[0],
            get_updates_request=self._requests[1],
        )
        self.deps = deps
        self._secret = webhook_secret
        self._poll_timeout = poll_timeout
        self._idle = idle_seconds
        self._retry = retry_seconds
        # (callback id, chat id, sender id, data) → handled; set by the bootstrap (ALERT mode).
        self.on_press: Callable[[str, int | None, int | None, str | None], Awaitable[object]]
        self.on_press = _ignore_press

    def secret_matches(self, presented: str | None) -> bool:
        """Compare the header with our secret in constant time; no secret set admits none."""
        if not self._secret or not presented:
            return False
        return hmac.compare_digest(self._secret.encode(), presented.encode())

    async def set_webhook(self, url: str) -> None:
        """Ask Telegram to POST updates to `url`, carrying our secret token."""
        await self.bot.set_webhook(
            url=url, secret_token=self._secret, allowed_updates=ALLOWED_UPDATES
        )

    async def keep_webhook(self, url: str) -> None:
        """`set_webhook`, retried until Telegram takes it (a supervised background task)."""
        await self._retrying(lambda: self.set_webhook(url))

    async def handle_json(self, data: Mapping[str, Any]) -> None:
        """Handle one Update as Telegram sent it (the webhook's body)."""
        update = Update.de_json(dict(data), self.bot)
        await self.handle(update)

    async def handle(self, update: Update) -> None:
        """Answer a text message or a button press; anything else is ignored."""
        press = update.callback_query
        if press is not None:
            chat_id = press.message.chat.id if press.message is not None else None
            await self.on_press(press.id, chat_id, press.from_user.id, press.data)
            return
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not message.text:
            return
        sender = update.effective_user
        reply = await answer(self.deps, chat.id, sender.id if sender else None, message.text)
        # Sent as a reply to the command, so the person (and a test) can tell the answer
        # from a notification arriving in the same chat at the same moment.
        quoted = ReplyParameters(message.message_id, allow_sending_without_reply=True)
        try:
            await self.bot.send_message(chat_id=chat.id, text=reply, reply_parameters=quoted)
        except TelegramError as exc:
            log.warning("telegram reply failed: %s", mask(f"{type(exc).__name__}: {exc}"))

    async def send_with_buttons(
        self, chat_id: int, text: str, buttons: list[tuple[str, str]]
    ) -> int:
        """Send `text` with one row of inline buttons (label, callback data)."""
        row = [InlineKeyboardButton(label, callback_data=data) for label, data in buttons]
        sent = await self.bot.send_message(
            chat_id=chat_id, text=text, reply_markup=InlineKeyboardMarkup([row])
        )
        return sent.message_id

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        """Replace a message's text; without a markup its buttons go away."""
        try:
            await self.bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id)
        except TelegramError as exc:
            log.warning("telegram edit failed: %s", mask(f"{type(exc).__name__}: {exc}"))

    async def answer_press(self, callback_id: str, text: str | None) -> None:
        try:
            await self.bot.answer_callback_query(callback_id, text=text)
        except TelegramError as exc:
            log.warning("telegram answerCallbackQuery failed: %s", mask(type(exc).__name__))

    async def poll_forever(self) -> None:
        """Long polling: fetch updates after the last one seen, answer each, forever. Chats
        are answered side by side, each chat's updates in order (one lane per chat), so a
        slow chat or command holds up only itself."""
        lanes = Lanes("telegram-updates")
        try:
            await self._poll(lanes)
        finally:
            await lanes.aclose()

    async def _poll(self, lanes: Lanes) -> None:
        await self._retrying(self._drop_webhook)
        offset = 0
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=self._poll_timeout, allowed_updates=ALLOWED_UPDATES
                )
            except TelegramError as exc:
                log.warning("telegram getUpdates failed: %s", mask(type(exc).__name__))
                await asyncio.sleep(self._retry)
                continue
            for update in updates:
                offset = update.update_id + 1  # acknowledged on the next call, even if it failed
                chat = update.effective_chat
                lanes.submit(chat.id if chat else None, partial(self._handle_logged, update))
            if not updates:
                await asyncio.sleep(self._idle)

    async def _handle_logged(self, update: Update) -> None:
        try:
            await self.handle(update)
        except Exception:  # one bad update must not end polling
            log.exception("telegram update %s failed", update.update_id)

    async def _drop_webhook(self) -> None:
        await self.bot.delete_webhook()

    async def _retrying(self, call: Any) -> None:
        while True:
            try:
                await call()
                return
            except TelegramError as exc:
                log.warning("telegram call failed: %s", mask(type(exc).__name__))
                await asyncio.sleep(self._retry)

    async def aclose(self) -> None:
        for request in self._requests:
            await request.shutdown()


async def _ignore_press(
    _callback_id: str, _chat_id: int | None, _from_id: int | None, _data: str | None
) -> None:
    return None
