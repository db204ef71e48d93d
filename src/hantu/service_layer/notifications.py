"""The notification service: route each notification by priority and preference, send now,
batch into the 5-minute digest, log, or drop.

Delivery itself (pacing, retries, the emergency fallback) lives in the notifiers it is given;
this service decides *whether and how* and keeps the digest. A notification is told at most
once per dedupe key among the recent ones (an at-least-once source may repeat itself).
Something that could not be delivered goes to the `UndeliveredSink` (the outbox and the UI
list come later; the default logs a warning).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from hantu import messages_ko
from hantu.domain.notifications import (
    Digest,
    DigestQueue,
    Notification,
    Preferences,
    Priority,
    Recipient,
    Route,
    decide,
)
from hantu.service_layer.notify_ports import DeliveryResult, Notifier, OutgoingMessage
from hantu.service_layer.ports import Clock

log = logging.getLogger(__name__)

RECENT_KEYS = 10_000


class Directory(Protocol):
    """Where a recipient is reached and what they chose to hear."""

    def chat_of(self, recipient: Recipient) -> str | None: ...

    def preferences_of(self, recipient: Recipient) -> Preferences: ...


class UndeliveredSink(Protocol):
    def record(self, recipient: Recipient, text: str, result: DeliveryResult) -> None: ...


class LogUndelivered:
    """The default sink: one masked warning per undeliverable notification."""

    def record(self, recipient: Recipient, text: str, result: DeliveryResult) -> None:
        log.warning("notification undelivered to %s: %s", recipient, result.detail)


@dataclass(frozen=True, slots=True)
class Told:
    """What `notify` did: the route, and the delivery result when it sent something."""

    route: Route
    result: DeliveryResult | None = None


class NotificationService:
    """One per process. `notifier` carries high priority; `emergency` (usually a fallback
    composite) carries emergencies."""

    def __init__(
        self,
        notifier: Notifier,
        emergency: Notifier,
        directory: Directory,
        clock: Clock,
        undelivered: UndeliveredSink | None = None,
        digests: DigestQueue | None = None,
    ) -> None:
        self._notifier = notifier
        self._emergency = emergency
        self._directory = directory
        self._clock = clock
        self._undelivered = undelivered or LogUndelivered()
        self._digests = digests or DigestQueue()
        self._recent: OrderedDict[str, None] = OrderedDict()

    async def notify(self, notification: Notification) -> Told:
        """Route one notification and act on the route."""
        if notification.dedupe_key in self._recent:
            return Told(Route.DROP)
        route = decide(notification, self._directory.preferences_of(notification.recipient))
        match route:
            case Route.SEND_NOW | Route.SEND_NOW_SILENT:
                # Held before the send, so a twin told while this one is on the wire is dropped;
                # let go again when the send failed, so a retry can still go out.
                self._remember(notification.dedupe_key)
                result = await self._send_now(notification, silent=route is Route.SEND_NOW_SILENT)
                if not result.ok:
                    self._recent.pop(notification.dedupe_key, None)
                return Told(route, result)
            case Route.DIGEST:
                self._digests.add(notification, self._clock.now())
            case Route.LOG_ONLY:
                log.info("notification %s for %s", notification.kind, notification.recipient)
        self._remember(notification.dedupe_key)
        return Told(route)

    async def send_due_digests(self, *, everything: bool = False) -> list[DeliveryResult]:
        """Send every digest whose five minutes are up (all of them at shutdown)."""
        now = self._clock.now()
        due = self._digests.take_all() if everything else self._digests.take_due(now)
        return [await self._send_digest(digest) for digest in due]

    async def run_digests(self) -> None:
        """Send digests as they fall due, forever (a supervised background task)."""
        while True:
            next_due = self._digests.next_due()
            wait = self._digests.interval.total_seconds()
            if next_due is not None:
                wait = max(0.0, (next_due - self._clock.now()).total_seconds())
            await self._clock.sleep(min(wait, 1.0))
            await self.send_due_digests()

    async def _send_now(self, notification: Notification, *, silent: bool) -> DeliveryResult:
        emergency = notification.priority is Priority.EMERGENCY
        return await self._send(
            notification.recipient,
            notification.text,
            notification.dedupe_key,
            silent=silent,
            via=self._emergency if emergency else None,
        )

    async def _send_digest(self, digest: Digest) -> DeliveryResult:
        title, body = messages_ko.digest(
            [item.text for item in digest.items], digest.opened_at, self._clock.now()
        )
        return await self._send(
            digest.recipient, f"{title}\n\n{body}", digest.dedupe_key, silent=True, via=None
        )

    async def _send(
        self, recipient: Recipient, text: str, key: str, *, silent: bool, via: Notifier | None
    ) -> DeliveryResult:
        chat = self._directory.chat_of(recipient)
        if chat is None and via is None:
            result = DeliveryResult.permanent("no chat linked")
        else:
            # An emergency for someone with no chat still goes: the empty chat is refused by
            # the first channel, and the fallback channel takes it.
            notifier = via or self._notifier
            result = await notifier.send(OutgoingMessage(chat or "", text, silent, key))
        if not result.ok:
            self._undelivered.record(recipient, text, result)
        return result

    def _remember(self, key: str) -> None:
        self._recent[key] = None
        if len(self._recent) > RECENT_KEYS:
            self._recent.popitem(last=False)
