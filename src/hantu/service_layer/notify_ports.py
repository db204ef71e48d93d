"""The notifier port: send one message to one chat and say what happened, never raise.

The result tells the caller what to do next, so retry and fallback policies stay outside the
adapters:

    DeliveryResult
    ├── DELIVERED       done; `message_id` is the channel's id for it
    ├── RETRY_AFTER     the channel asked us to wait `retry_after` seconds (429)
    ├── TRANSIENT       5xx, timeout, network: retry with backoff (may have arrived: a timeout
    │                   after sending is ambiguous, so delivery is at-least-once)
    └── PERMANENT       the channel will never take it (bad token, unknown chat, blocked bot)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class DeliveryStatus(StrEnum):
    DELIVERED = "delivered"
    RETRY_AFTER = "retry_after"
    TRANSIENT = "transient"
    PERMANENT = "permanent"


TELEGRAM, SLACK = "telegram", "slack"


@dataclass(frozen=True, slots=True)
class Address:
    """Where one recipient is reached: a channel and a chat in it. Written `channel:chat`
    in `OutgoingMessage.chat`; a bare chat is a Telegram chat."""

    channel: str
    chat: str

    @classmethod
    def parse(cls, text: str) -> Address:
        channel, sep, chat = text.partition(":")
        return cls(channel, chat) if sep else cls(TELEGRAM, text)

    def __str__(self) -> str:
        return f"{self.channel}:{self.chat}"


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One text for one chat (a Telegram chat id, a Slack channel id)."""

    chat: str
    text: str
    silent: bool = False
    dedupe_key: str = ""


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    status: DeliveryStatus
    detail: str = ""
    retry_after: float | None = None
    message_id: str | None = None
    channel: str = ""
    attempts: int = 1

    @classmethod
    def delivered(cls, message_id: str, channel: str = "") -> DeliveryResult:
        return cls(DeliveryStatus.DELIVERED, message_id=message_id, channel=channel)

    @classmethod
    def wait(cls, seconds: float, detail: str = "") -> DeliveryResult:
        return cls(DeliveryStatus.RETRY_AFTER, detail=detail, retry_after=seconds)

    @classmethod
    def transient(cls, detail: str) -> DeliveryResult:
        return cls(DeliveryStatus.TRANSIENT, detail=detail)

    @classmethod
    def permanent(cls, detail: str) -> DeliveryResult:
        return cls(DeliveryStatus.PERMANENT, detail=detail)

    @property
    def ok(self) -> bool:
        return self.status is DeliveryStatus.DELIVERED

    @property
    def retryable(self) -> bool:
        return self.status in (DeliveryStatus.RETRY_AFTER, DeliveryStatus.TRANSIENT)


class Notifier(Protocol):
    """A channel (Telegram, Slack, or a composite of them). `send` never raises for a
    delivery problem: every outcome is a `DeliveryResult` (masked `detail`, no secrets)."""

    name: str

    async def send(self, message: OutgoingMessage) -> DeliveryResult: ...
