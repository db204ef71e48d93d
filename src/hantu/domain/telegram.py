"""Linking a Telegram chat to a user: one-time codes and the link itself (pure).

A code is shown once in the web UI and typed as `/start CODE`; only its SHA-256 digest is
stored, it expires after `LINK_CODE_TTL` and works once. A link names both the chat and
the Telegram user (`from.id`): in a group chat anyone may write, but only the linked person
may act.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from hantu.domain.accounts import UserId, token_digest

LINK_CODE_TTL = timedelta(minutes=10)
# No 0/O or 1/I/L: the code is read off a screen and typed on a phone.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_LENGTH = 8
MAX_CODE = 32


def new_link_code() -> str:
    """A fresh random code, 8 characters of an unambiguous alphabet (~39 bits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))


def link_code_digest(code: str) -> str:
    """The stored form of a code; typed codes are upper-cased and trimmed first."""
    return token_digest(code.strip().upper())


@dataclass(frozen=True, slots=True)
class TelegramLink:
    user_id: UserId
    chat_id: int
    telegram_user_id: int
    linked_at: datetime

    def admits(self, chat_id: int, from_id: int | None) -> bool:
        """Only the linked person, in the linked chat, may act."""
        return self.chat_id == chat_id and from_id is not None and self.telegram_user_id == from_id
