"""Telegram through python-telegram-bot: `sendMessage`, translated into a `DeliveryResult`.

PTB's errors map onto the port's outcomes (`telegram.error`, PTB 22):

    TelegramError
    ├── RetryAfter          429 flood control        → RETRY_AFTER(retry_after)
    ├── NetworkError
    │   ├── TimedOut        no answer in time        → TRANSIENT (may have arrived)
    │   └── BadRequest      400                      → PERMANENT
    │   (others: 5xx, connection refused)            → TRANSIENT
    ├── Forbidden           403 blocked / kicked     → PERMANENT
    ├── InvalidToken        401 / 404                → PERMANENT
    └── ChatMigrated, ...                            → PERMANENT (a person must fix the chat)
"""

from __future__ import annotations

import os
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from hantu.domain.masking import mask
from hantu.service_layer.notify_ports import DeliveryResult, OutgoingMessage

TELEGRAM_API = "https://api.telegram.org/bot"
PTB_TIMEDELTA = "PTB_TIMEDELTA"
MAX_TEXT = 4096  # sendMessage's limit, in UTF-16 code units


def make_bot(token: str, base_url: str = TELEGRAM_API, timeout: float = 10.0) -> Bot:
    """A Bot whose every request gives up after `timeout` seconds (connect, read, write).

    Opts into PTB's future time periods (`PTB_TIMEDELTA`, PTB ≥ 22.2): without it PTB warns
    with a deprecation on every 429 it parses, inside `RetryAfter.__init__`, where no caller
    can catch it. With it, `retry_after` is a `timedelta` and nothing warns.
    """
    os.environ.setdefault(PTB_TIMEDELTA, "1")
    request = HTTPXRequest(
        connection_pool_size=32,
        connect_timeout=timeout,
        read_timeout=timeout,
        write_timeout=timeout,
        pool_timeout=timeout,
    )
    return Bot(token, base_url=base_url, request=request)


class TelegramNotifier:
    """One bot; `message.chat` is the chat id. Call `aclose` when done (closes the pool)."""

    name = "telegram"

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        try:
            chat_id = int(message.chat)
        except ValueError:
            return DeliveryResult.permanent(f"not a Telegram chat id: {message.chat!r}")
        # A long text (a full digest) goes as several messages; a retry after a failed part
        # resends the parts already sent, which at-least-once delivery allows.
        for part in split_text(message.text):
            try:
                sent = await self._bot.send_message(
                    chat_id=chat_id, text=part, disable_notification=message.silent
                )
            except TelegramError as error:
                return translate(error)
        return DeliveryResult.delivered(str(sent.message_id), self.name)

    async def aclose(self) -> None:
        # `Bot.shutdown` does nothing unless `initialize` (a getMe round trip) ran first, so
        # the connection pool sending went through is closed directly.
        await self._bot.request.shutdown()


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut `text` into parts Telegram takes (≤ `limit` UTF-16 units), at line ends where it
    can; always at least one part, so an empty text still meets Telegram's refusal."""
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while _units(line) > limit:  # one line longer than a message: cut it hard
            parts.append(current)
            current, head = "", _prefix(line, limit)
            parts.append(head)
            line = line[len(head) :]
        if _units(current) + _units(line) > limit:
            parts.append(current)
            current = ""
        current += line
    parts.append(current)
    kept = [part.rstrip("\n") for part in parts if part.strip()]
    return kept or [text]


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _prefix(text: str, units: int) -> str:
    cut = min(len(text), units)
    while _units(text[:cut]) > units:
        cut -= 1
    return text[:cut]


def translate(error: TelegramError) -> DeliveryResult:
    """Map a PTB error onto the port's outcome (see the module docstring)."""
    detail = mask(f"{type(error).__name__}: {error.message}")
    match error:
        case RetryAfter():
            return DeliveryResult.wait(_retry_seconds(error), detail)
        case TimedOut():
            return DeliveryResult.transient(detail)
        case BadRequest():
            return DeliveryResult.permanent(detail)
        case NetworkError():
            return DeliveryResult.transient(detail)
        case _:
            return DeliveryResult.permanent(detail)


def _retry_seconds(error: RetryAfter) -> float:
    value = error.retry_after  # a timedelta under PTB_TIMEDELTA, an int before PTB 23
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
