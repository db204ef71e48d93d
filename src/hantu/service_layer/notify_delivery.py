"""The `notify` outbox consumer: turn an entry into a Korean notification and tell it.

At least once: a failed delivery raises and the relay retries it with backoff; after its last
attempt the entry is `dead`, the undeliverable notification `undelivered` lists for the UI.
Sent dedupe keys are stored, so a redelivery after a crash between send and mark is not told.

Who hears it: the order's owner (strategy account → strategy → user), through the
`CachedDirectory`, reading their preferences and chat before each notification.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from hantu import messages_ko as ko
from hantu.domain.exits import EXIT_SOURCE_PREFIX
from hantu.domain.masking import mask
from hantu.domain.notifications import (
    EventKind,
    Notification,
    Preference,
    Preferences,
    Priority,
    Recipient,
)
from hantu.domain.values import Symbol
from hantu.messages_ko import notify_routing as routing_ko
from hantu.service_layer.notifications import NotificationService
from hantu.service_layer.notify_ports import SLACK, TELEGRAM, Address
from hantu.service_layer.outbox import OutboxEntry, Undeliverable
from hantu.service_layer.ports import Clock
from hantu.service_layer.symbol_names import NoNames, SymbolNames, symbol_label

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NotifyContext:
    """What a notification about one order needs that its event does not carry."""

    user_id: int
    symbol: str
    side: str
    quantity: Decimal
    failed_order_id: int | None = None  # the failed order saved for this very order
    source: str = ""  # who placed the order: `monitor:stop_loss` for an exit


@dataclass(frozen=True, slots=True)
class DeadNotification:
    id: int
    payload: Mapping[str, Any]
    last_error: str | None
    created_at: datetime


class NotifyStore(Protocol):
    """Storage the consumer and the preferences form read."""

    async def order_context(self, order_id: str) -> NotifyContext | None: ...

    async def failed_order_context(self, failed_order_id: int) -> NotifyContext | None: ...

    async def preferences(self, user_id: int) -> Mapping[EventKind, Preference]: ...

    async def set_preference(self, user_id: int, kind: EventKind, mode: Preference) -> None: ...

    async def open_position_count(self) -> int: ...

    async def dead(self, limit: int) -> Sequence[DeadNotification]:
        """The newest undeliverable `notify` entries, newest first."""
        ...

    async def was_sent(self, dedupe_key: str) -> bool:
        """Whether a channel already took the notification with this key (durably)."""
        ...

    async def mark_sent(self, dedupe_key: str, now: datetime) -> None: ...


class TelegramChats(Protocol):
    """The Telegram chat a user linked, if any (bound to the links table by the root)."""

    async def chat_of(self, user_id: int) -> int | None: ...


class FixedTelegramChat:
    """Every user's notifications go to one configured chat (or nowhere)."""

    def __init__(self, chat_id: int | None) -> None:
        self._chat_id = chat_id

    async def chat_of(self, user_id: int) -> int | None:
        return self._chat_id


SYSTEM = Recipient("system")
"""Whoever runs this hantu: told about the system itself, at the admin chat."""


@dataclass(frozen=True, slots=True)
class Reach:
    """The places notifications may go besides each user's linked chat, in the order tried:
    the admin Telegram chat (`HANTU_TELEGRAM_CHAT_ID`), then the Slack channel."""

    admin_chat: int | None = None
    slack_channel: str | None = None

    @property
    def shared(self) -> list[Address]:
        found = []
        if self.admin_chat is not None:
            found.append(Address(TELEGRAM, str(self.admin_chat)))
        if self.slack_channel:
            found.append(Address(SLACK, self.slack_channel))
        return found


class CachedDirectory:
    """The service's synchronous `Directory`, filled by `refresh` before each notification.

    Where a user is told: the Telegram chat they linked; else the admin chat; else the Slack
    channel; else nowhere (the consumer then records the notification as undeliverable).
    The system itself is told at the admin chat, else the Slack channel."""

    def __init__(
        self, store: NotifyStore, chats: TelegramChats, reach: Reach | None = None
    ) -> None:
        self._store = store
        self._chats = chats
        self.reach = reach or Reach()
        self._chat: dict[Recipient, str | None] = {}
        self._preferences: dict[Recipient, Preferences] = {}

    async def refresh(self, recipient: Recipient) -> None:
        shared = self.reach.shared
        if recipient == SYSTEM:
            self._chat[recipient] = str(shared[0]) if shared else None
            return
        user_id = int(recipient)
        linked = await self._chats.chat_of(user_id)
        if linked is not None:
            self._chat[recipient] = str(Address(TELEGRAM, str(linked)))
        else:
            self._chat[recipient] = str(shared[0]) if shared else None
        self._preferences[recipient] = Preferences(dict(await self._store.preferences(user_id)))

    def chat_of(self, recipient: Recipient) -> str | None:
        return self._chat.get(recipient)

    def preferences_of(self, recipient: Recipient) -> Preferences:
        return self._preferences.get(recipient, Preferences())


PREPARED_LIMIT = 1_000


class NotDeliveredError(Exception):
    """Raised to the relay so it retries the entry (the message is the masked detail)."""


class NotifyConsumer:
    """Delivers `notify` entries through the notification service.

        `channels` says whether any channel is configured at all: with none, notifications are
        off and an entry is settled with a log line; with one, an urgent notification nobody
        can be reached for is `Undeliverable` (dead at once, listed in the UI). The dedupe key of
    each notification a channel took is stored before the entry is marked delivered, so a
    redelivery (a relay killed in between, a restart) sends nothing twice."""

    def __init__(
        self,
        service: NotificationService,
        directory: CachedDirectory,
        store: NotifyStore,
        clock: Clock,
        *,
        channels: bool = False,
        names: SymbolNames | None = None,
    ) -> None:
        self._names = names or NoNames()
        self._service = service
        self._directory = directory
        self._store = store
        self._clock = clock
        self._channels = channels
        self._prepared: dict[int, Notification] = {}  # composed for `lane`, by entry id

    async def lane(self, entry: OutboxEntry) -> str:
        """The chat the entry goes to: the relay delivers one chat's entries in order and
        different chats side by side, so a chat whose sends hang holds up only itself."""
        notification = await self._prepare(entry)
        if notification is None:
            return ""
        return self._directory.chat_of(notification.recipient) or ""

    async def deliver(self, entry: OutboxEntry) -> None:
        notification = self._prepared.pop(entry.id, None) or await self._prepare(entry)
        self._prepared.pop(entry.id, None)
        if notification is None:
            return
        if self._directory.chat_of(notification.recipient) is None:
            self._nowhere(notification, entry.kind)
            return
        if await self._store.was_sent(notification.dedupe_key):
            return  # sent before a restart that came before the entry was marked delivered
        told = await self._service.notify(notification)
        if told.result is not None and not told.result.ok:
            raise NotDeliveredError(told.result.detail or told.result.status.value)
        if told.result is not None:
            await self._store.mark_sent(notification.dedupe_key, self._clock.now())

    async def _prepare(self, entry: OutboxEntry) -> Notification | None:
        notification = await compose(self._store, entry.payload, entry.dedupe_key, self._names)
        if notification is not None:
            await self._directory.refresh(notification.recipient)
            if len(self._prepared) >= PREPARED_LIMIT:  # released entries never delivered
                self._prepared.clear()
            self._prepared[entry.id] = notification
        return notification

    def _nowhere(self, notification: Notification, kind: str) -> None:
        urgent = notification.priority in (Priority.EMERGENCY, Priority.HIGH)
        if urgent and self._channels:
            raise Undeliverable(routing_ko.NOTIFY_NO_CHAT)
        # Notifications are off (or it is not urgent): nothing to retry. What a human must
        # see is left as a WARNING (the Slack log handler's batch, when configured).
        log.log(
            logging.WARNING if urgent else logging.INFO,
            "no chat for user %s: %s (%s) not sent",
            notification.recipient,
            kind,
            notification.priority.value,
        )


async def tell_crash(
    service: NotificationService,
    directory: CachedDirectory,
    name: str,
    error: BaseException,
    now: datetime,
) -> None:
    """Tell the operator a background service crashed (an emergency); never raises, since
    it runs inside the supervisor. One per service and error type per minute."""
    detail = mask(f"{type(error).__name__}: {error}")[:300]
    body = ko.NOTIFY_SUPERVISOR_CRASH_BODY.format(service=name, error=detail)
    minute = now.replace(second=0, microsecond=0).isoformat()
    notification = Notification.of(
        EventKind.SYSTEM_FAILURE,
        SYSTEM,
        ko.NOTIFY_SUPERVISOR_CRASH_TITLE,
        body,
        name,
        type(error).__name__,
        minute,
    )
    try:
        await directory.refresh(SYSTEM)
        await service.notify(notification)
    except Exception:
        log.exception("could not tell the crash of %s", name)


RECONNECT_ATTEMPTS = 5  # the realtime loop's back-off steps before it sleeps


async def tell_stream_asleep(
    service: NotificationService,
    directory: CachedDirectory,
    store: NotifyStore,
    account: str,
    now: datetime,
) -> None:
    """Tell the operator the realtime feed gave up (spec 002 §6.3's emergency); never
    raises. Once per broker account and minute."""
    try:
        title, body = ko.connection_failed(
            RECONNECT_ATTEMPTS, now, await store.open_position_count()
        )
        minute = now.replace(second=0, microsecond=0).isoformat()
        kind = EventKind.CONNECTION_FAILED
        await directory.refresh(SYSTEM)
        await service.notify(Notification.of(kind, SYSTEM, title, body, account, minute))
    except Exception:
        log.exception("could not tell that the realtime feed of %s sleeps", account)


async def compose(
    store: NotifyStore,
    payload: Mapping[str, Any],
    key: str,
    names: SymbolNames | None = None,
) -> Notification | None:
    """The notification an entry's payload describes, or None when it needs none; the
    symbol shows as `삼성전자 005930` when `names` knows it, else as its code once."""
    kind = EventKind(payload["kind"])
    context = await _context(store, payload)
    if context is None:  # an order no user owns (a bare strategy account): nobody to tell
        log.info("notify entry %s names no owned order; nobody to tell", key)
        return None
    if kind is EventKind.ORDER_FAILED and context.failed_order_id is not None:
        return None  # told as the failed order saved in the same commit
    if kind is EventKind.ORDER_FILLED and context.source.startswith(EXIT_SOURCE_PREFIX):
        return None  # the monitor tells an exit's fill as its stop-loss / take-profit notice
    title, body = _text(kind, context, payload, await _name_of(names or NoNames(), context.symbol))
    return Notification(kind, Recipient(str(context.user_id)), title, body, key)


async def _context(store: NotifyStore, payload: Mapping[str, Any]) -> NotifyContext | None:
    if "order_id" in payload:
        return await store.order_context(str(payload["order_id"]))
    if "failed_order_id" in payload:
        return await store.failed_order_context(int(payload["failed_order_id"]))
    return None


async def _name_of(names: SymbolNames, code: str) -> str:
    try:
        symbol = Symbol(code)
    except ValueError:
        return ""
    return (await names.names([symbol])).get(symbol, "")


def _text(
    kind: EventKind, ctx: NotifyContext, payload: Mapping[str, Any], name: str
) -> tuple[str, str]:
    label = symbol_label(ctx.symbol, {Symbol(ctx.symbol): name} if name else None)
    reason = str(payload.get("reason", ""))
    match kind:
        case EventKind.ORDER_FILLED:
            quantity, price = Decimal(payload["quantity"]), Decimal(payload["price"])
            return ko.order_filled(name, ctx.symbol, ctx.side, quantity, price)
        case EventKind.FAILED_ORDER_CREATED | EventKind.ORDER_FAILED:
            stored = kind is EventKind.FAILED_ORDER_CREATED
            return ko.order_failed(name, ctx.symbol, ctx.side, ctx.quantity, reason, stored=stored)
        case EventKind.ORDER_UNCONFIRMED:
            return ko.order_unconfirmed(label, ctx.side, ctx.quantity, reason)
        case EventKind.FILL_NOT_APPLIED:
            return ko.fill_not_applied(label, ctx.side, reason)
        case _:  # a kind no rule writes: fail loudly, the entry ends dead for a person
            raise ValueError(f"no notify text for {kind}")


@dataclass(frozen=True, slots=True)
class UndeliveredView:
    """An undeliverable notification as the UI lists it (the error is stored masked)."""

    id: int
    kind: str
    symbol: str
    error: str
    created_at: datetime


async def undelivered(store: NotifyStore, user_id: int, limit: int = 50) -> list[UndeliveredView]:
    """This user's notifications that stayed undeliverable after every retry."""
    views = []
    for dead in await store.dead(limit):
        context = await _context(store, dead.payload)
        if context is None or context.user_id != user_id:
            continue
        views.append(
            UndeliveredView(
                id=dead.id,
                kind=str(dead.payload.get("kind", "")),
                symbol=context.symbol,
                error=dead.last_error or "",
                created_at=dead.created_at,
            )
        )
    return views


async def preferences_of(store: NotifyStore, user_id: int) -> dict[EventKind, Preference]:
    """Every kind with this user's choice (ON where they chose nothing)."""
    chosen = await store.preferences(user_id)
    return {kind: chosen.get(kind, Preference.ON) for kind in EventKind}


async def set_preferences(
    store: NotifyStore, user_id: int, choices: Mapping[str, str]
) -> dict[EventKind, Preference]:
    """Store the user's choices; raise ValueError naming an unknown kind or mode."""
    parsed: dict[EventKind, Preference] = {}
    for kind, mode in choices.items():
        try:
            parsed[EventKind(kind)] = Preference(mode)
        except ValueError:
            raise ValueError(f"unknown notification setting: {kind}={mode}") from None
    for kind, preference in parsed.items():
        await store.set_preference(user_id, kind, preference)
    return await preferences_of(store, user_id)
