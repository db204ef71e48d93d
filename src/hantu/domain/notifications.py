"""What to tell whom, how urgently: priorities, per-user preferences, routing, the digest.

Spec 002 §6.1 sorts every event into four priorities: emergency (at once, with sound),
high (at once), normal (one digest every 5 minutes), low (log only). `PRIORITY_OF` is that
table, the only place an event kind gets its priority. Each user may set a kind to on,
silent or off; `route` turns (priority, preference) into what the delivery side does.

Two decisions the spec leaves open, taken here:
- An emergency cannot be switched off: OFF on an emergency kind is delivered silently.
  Emergencies say "the stop-loss cannot run"; nobody should be able to miss that by a
  setting made months ago.
- The digest is always sent silently: normal news is by definition not worth a buzz, and a
  sound every five minutes would teach people to mute the bot (and miss emergencies).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NewType

Recipient = NewType("Recipient", str)
"""Whom a notification is for: a user's key; the delivery side resolves their channels."""

DIGEST_INTERVAL = timedelta(minutes=5)


class Priority(StrEnum):
    EMERGENCY = "emergency"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class EventKind(StrEnum):
    """Everything hantu tells a person about (spec 002 §6.1 and §6.2)."""

    SYSTEM_FAILURE = "system_failure"
    CONNECTION_FAILED = "connection_failed"  # 5 reconnects failed: sleep mode
    ORDER_FAILED = "order_failed"
    FAILED_ORDER_CREATED = "failed_order_created"
    STOP_LOSS_FILLED = "stop_loss_filled"
    TAKE_PROFIT_FILLED = "take_profit_filled"
    ORDER_FILLED = "order_filled"
    MONITORING_STARTED = "monitoring_started"  # market open
    MONITORING_STOPPED = "monitoring_stopped"  # market close
    CONNECTION_LOST = "connection_lost"
    MARKET_HALTED = "market_halted"
    ADD_BUY_OPPORTUNITY = "add_buy_opportunity"
    DAILY_SUMMARY = "daily_summary"
    SUBSCRIBED = "subscribed"
    RECONNECTED = "reconnected"
    ORDER_UNCONFIRMED = "order_unconfirmed"  # 408: settled against the broker later
    FILL_NOT_APPLIED = "fill_not_applied"  # the books need a human
    TICK_DELAYED = "tick_delayed"  # trades arrive > 5 s late: exits act on stale prices
    EXIT_UNPROTECTED = "exit_unprotected"  # an exit sell refused for good: the position is bare


# Spec 002 §6.1. Kinds the table does not name are placed by the nearest row: an ordinary
# fill is reported like a stop-loss fill; a lost connection or a halt stops orders, so a
# person must know at once (§6.2 sends both "on the event").
PRIORITY_OF: Mapping[EventKind, Priority] = {
    EventKind.SYSTEM_FAILURE: Priority.EMERGENCY,
    EventKind.CONNECTION_FAILED: Priority.EMERGENCY,
    EventKind.ORDER_FAILED: Priority.EMERGENCY,
    EventKind.FAILED_ORDER_CREATED: Priority.EMERGENCY,
    EventKind.STOP_LOSS_FILLED: Priority.HIGH,
    EventKind.TAKE_PROFIT_FILLED: Priority.HIGH,
    EventKind.ORDER_FILLED: Priority.HIGH,
    EventKind.MONITORING_STARTED: Priority.HIGH,
    EventKind.MONITORING_STOPPED: Priority.HIGH,
    EventKind.CONNECTION_LOST: Priority.HIGH,
    EventKind.MARKET_HALTED: Priority.HIGH,
    EventKind.ADD_BUY_OPPORTUNITY: Priority.NORMAL,
    EventKind.DAILY_SUMMARY: Priority.NORMAL,
    EventKind.SUBSCRIBED: Priority.LOW,
    EventKind.RECONNECTED: Priority.LOW,
    EventKind.ORDER_UNCONFIRMED: Priority.HIGH,
    EventKind.FILL_NOT_APPLIED: Priority.HIGH,
    EventKind.TICK_DELAYED: Priority.HIGH,
    EventKind.EXIT_UNPROTECTED: Priority.EMERGENCY,
}


class Preference(StrEnum):
    ON = "on"
    SILENT = "silent"
    OFF = "off"


class Route(StrEnum):
    SEND_NOW = "send_now"  # with sound
    SEND_NOW_SILENT = "send_now_silent"
    DIGEST = "digest"  # batched, sent silently
    LOG_ONLY = "log_only"
    DROP = "drop"


@dataclass(frozen=True, slots=True)
class Preferences:
    """One user's settings per kind; a kind they never set is ON."""

    by_kind: Mapping[EventKind, Preference] = field(default_factory=dict)

    def of(self, kind: EventKind) -> Preference:
        """The user's preference for `kind` (ON unless they chose otherwise)."""
        return self.by_kind.get(kind, Preference.ON)


def route(priority: Priority, preference: Preference) -> Route:
    """Decide how a notification of this priority travels under this preference."""
    match priority, preference:
        case Priority.EMERGENCY, Preference.ON:
            return Route.SEND_NOW
        case Priority.EMERGENCY, _:
            return Route.SEND_NOW_SILENT
        case _, Preference.OFF:
            return Route.DROP
        case Priority.HIGH, Preference.ON:
            return Route.SEND_NOW
        case Priority.HIGH, Preference.SILENT:
            return Route.SEND_NOW_SILENT
        case Priority.NORMAL, _:
            return Route.DIGEST
        case _:
            return Route.LOG_ONLY


@dataclass(frozen=True, slots=True)
class Notification:
    """One thing to tell one recipient. `dedupe_key` is the same on every redelivery."""

    kind: EventKind
    recipient: Recipient
    title: str
    body: str
    dedupe_key: str

    @classmethod
    def of(
        cls, kind: EventKind, recipient: Recipient, title: str, body: str, *key_parts: object
    ) -> Notification:
        """Build one with a dedupe key made from the kind, the recipient and `key_parts`."""
        return cls(
            kind=kind,
            recipient=recipient,
            title=title,
            body=body,
            dedupe_key=dedupe_key(kind, recipient, *key_parts),
        )

    @property
    def priority(self) -> Priority:
        """Always the table's: no caller can promote or demote one event by hand."""
        return PRIORITY_OF[self.kind]

    @property
    def text(self) -> str:
        return f"{self.title}\n\n{self.body}" if self.body else self.title


def dedupe_key(kind: str, recipient: Recipient, *parts: object) -> str:
    """A stable key: the same event told to the same person twice gets the same key."""
    raw = "\x1f".join([str(kind), recipient, *(str(part) for part in parts)])
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def decide(notification: Notification, preferences: Preferences) -> Route:
    """Route a notification under its recipient's preferences."""
    return route(notification.priority, preferences.of(notification.kind))


# --- the 5-minute digest --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Digest:
    """Normal-priority notifications for one recipient, told together in one message."""

    recipient: Recipient
    opened_at: datetime
    items: tuple[Notification, ...]

    @property
    def dedupe_key(self) -> str:
        return dedupe_key("digest", self.recipient, self.opened_at.isoformat())


@dataclass(slots=True)
class DigestQueue:
    """Pending digests, one per recipient. The first item opens a window; the digest is due
    `interval` later, so a normal notification waits at most five minutes. A dedupe key
    already in the window is not added twice (at-least-once upstream means redeliveries)."""

    interval: timedelta = DIGEST_INTERVAL
    _open: dict[Recipient, Digest] = field(default_factory=dict)

    def add(self, notification: Notification, now: datetime) -> None:
        """Put a notification into its recipient's open digest, opening one if none is."""
        digest = self._open.get(notification.recipient)
        if digest is None:
            digest = Digest(notification.recipient, now, ())
        if any(item.dedupe_key == notification.dedupe_key for item in digest.items):
            return
        self._open[notification.recipient] = Digest(
            digest.recipient, digest.opened_at, (*digest.items, notification)
        )

    def take_due(self, now: datetime) -> list[Digest]:
        """Remove and return every digest whose window has run its interval."""
        due = [d for d in self._open.values() if now - d.opened_at >= self.interval]
        for digest in due:
            del self._open[digest.recipient]
        return due

    def take_all(self) -> list[Digest]:
        """Remove and return every open digest (at shutdown: nothing is lost)."""
        digests = list(self._open.values())
        self._open.clear()
        return digests

    def next_due(self) -> datetime | None:
        """When the earliest open digest becomes due, or None when none is open."""
        return min((d.opened_at + self.interval for d in self._open.values()), default=None)

    def pending(self) -> Iterable[Digest]:
        return tuple(self._open.values())
