"""The notification part of the composition root: channels from settings, the service, the
`notify` consumer, its relay and the digest loop as background tasks, the Slack log handler.

Channels are built only when configured: Telegram needs `HANTU_TELEGRAM_BOT_TOKEN`, Slack
`HANTU_SLACK_BOT_TOKEN` and `HANTU_SLACK_CHANNEL`. Each is paced and retried briefly; the
durable outbox does the long retries, so one slow channel holds a relay for seconds, not
minutes. Each user is told in the Telegram chat they linked, else the admin chat
(`HANTU_TELEGRAM_CHAT_ID`), else the Slack channel (`HANTU_SLACK_CHANNEL`); an emergency the
first channel cannot take goes to the other one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from hantu.adapters.db.engine import Database
from hantu.adapters.db.notify_store import SqlNotifyStore
from hantu.adapters.notify.delivery import RetryingNotifier, RetryPolicy
from hantu.adapters.notify.pacing import PacedNotifier
from hantu.adapters.notify.routing import ChannelRouter, Escalating
from hantu.config import Settings
from hantu.domain.masking import mask
from hantu.service_layer.notifications import NotificationService
from hantu.service_layer.notify_delivery import (
    CachedDirectory,
    FixedTelegramChat,
    NotifyConsumer,
    Reach,
    TelegramChats,
    tell_crash,
    tell_stream_asleep,
)
from hantu.service_layer.notify_ports import (
    SLACK,
    TELEGRAM,
    DeliveryResult,
    Notifier,
    OutgoingMessage,
)
from hantu.service_layer.notify_rules import NOTIFY
from hantu.service_layer.outbox import OutboxRelay
from hantu.service_layer.ports import Clock
from hantu.service_layer.symbol_names import SymbolNames

from .supervisor import Service

if TYPE_CHECKING:  # slack_sdk only in a process that posts to Slack
    from hantu.adapters.notify.slack_log_handler import SlackLogHandler

log = logging.getLogger(__name__)

# Short in-process retries: the outbox retries for longer, with its own backoff.
CHANNEL_RETRY = RetryPolicy(attempts=3, base_delay=0.5, max_delay=5.0, max_retry_after=20.0)
DIGEST_FLUSH_SECONDS = 5.0
DIGEST_TICK_SECONDS = 1.0


class Unconfigured:
    """A channel that is not set up: refuses every message, so a fallback takes over."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        return DeliveryResult.permanent(f"{self.name} not configured")


@dataclass
class Channels:
    """The configured channels, each with the chat a test message goes to (`hantu check`)."""

    telegram: Notifier | None = None
    slack: Notifier | None = None
    slack_channel: str = ""
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def aclose(self) -> None:
        for close in self.closers:
            with contextlib.suppress(Exception):
                await close()


def build_channels(settings: Settings, clock: Clock) -> Channels:
    """The Telegram and Slack notifiers the settings configure (paced, briefly retried)."""
    channels = Channels()
    if settings.telegram_bot_token is not None:
        # Imported here: python-telegram-bot (~15 MB) only in a process that has a bot.
        from hantu.adapters.notify.telegram import TELEGRAM_API, TelegramNotifier, make_bot

        bot = make_bot(
            settings.telegram_bot_token.get_secret_value(),
            settings.telegram_api_url or TELEGRAM_API,
        )
        telegram = TelegramNotifier(bot)
        channels.telegram = RetryingNotifier(PacedNotifier(telegram, clock), clock, CHANNEL_RETRY)
        channels.closers.append(telegram.aclose)
    if settings.slack_bot_token is not None and settings.slack_channel:
        # Imported here: slack_sdk (~3 MB) only in a process that posts to Slack.
        from hantu.adapters.notify.slack import SLACK_API, SlackNotifier, make_client

        client = make_client(
            settings.slack_bot_token.get_secret_value(), settings.slack_api_url or SLACK_API
        )
        slack = SlackNotifier(client)
        channels.slack = RetryingNotifier(PacedNotifier(slack, clock), clock, CHANNEL_RETRY)
        channels.slack_channel = settings.slack_channel
        channels.closers.append(slack.aclose)
    return channels


@dataclass
class Notifications:
    service: NotificationService
    consumer: NotifyConsumer
    store: SqlNotifyStore
    channels: Channels
    directory: CachedDirectory
    clock: Clock
    _tasks: set[asyncio.Future[None]] = field(default_factory=set)

    async def crashed(self, name: str, error: BaseException) -> None:
        """Tell the operator that background service `name` crashed (a supervisor hook)."""
        await tell_crash(self.service, self.directory, name, error, self.clock.now())

    def stream_asleep(self, account: str, reason: str) -> None:
        """`RealtimeCallbacks.on_sleep`: tell the emergency from a task (the callback runs
        synchronously inside the realtime loop). `account` is masked before it is shown."""
        now = self.clock.now()
        told = tell_stream_asleep(self.service, self.directory, self.store, mask(account), now)
        self._tasks.add(task := asyncio.ensure_future(told))
        task.add_done_callback(self._tasks.discard)


def build_notifications(
    settings: Settings,
    db: Database,
    clock: Clock,
    chats: TelegramChats | None = None,
    symbol_names: SymbolNames | None = None,
) -> Notifications:
    """The service and the `notify` consumer over the configured channels; `chats` is where
    each user linked their Telegram chat (none linked when not given); `symbol_names` puts
    names beside codes in the texts (codes alone when not given)."""
    channels = build_channels(settings, clock)
    store = SqlNotifyStore(db)
    reach = Reach(
        settings.telegram_chat_id if channels.telegram is not None else None,
        channels.slack_channel if channels.slack is not None else None,
    )
    directory = CachedDirectory(store, chats or FixedTelegramChat(None), reach)
    routes = {TELEGRAM: channels.telegram, SLACK: channels.slack}
    router = ChannelRouter({name: n for name, n in routes.items() if n is not None})
    emergency = Escalating(router, reach.shared)
    service = NotificationService(router, emergency, directory, clock)
    configured = channels.telegram is not None or channels.slack is not None
    consumer = NotifyConsumer(
        service, directory, store, clock, channels=configured, names=symbol_names
    )
    return Notifications(service, consumer, store, channels, directory, clock)


def start_notifications(
    settings: Settings,
    db: Database,
    clock: Clock,
    relay: Callable[[dict[str, NotifyConsumer]], OutboxRelay],
    supervise: Callable[[str, Service], None],
    stack: AsyncExitStack,
    chats: TelegramChats | None = None,
    symbol_names: SymbolNames | None = None,
) -> Notifications:
    """Supervise the `notify` relay and the digest loop; attach the Slack log handler when
    configured. Closing `stack` flushes open digests, then closes the channels (after the
    supervisor has stopped the services, when its stop was pushed later)."""
    notifications = build_notifications(settings, db, clock, chats, symbol_names)
    stack.push_async_callback(notifications.channels.aclose)
    stack.push_async_callback(_flush_digests, notifications.service)
    supervise("notify-relay", relay({NOTIFY: notifications.consumer}).run)
    supervise("notify-digests", partial(_digest_ticks, notifications.service))
    handler = attach_log_handler(settings)
    if handler is not None:
        stack.push_async_callback(detach_log_handler, handler)
    return notifications


def attach_log_handler(settings: Settings) -> SlackLogHandler | None:
    """Send WARNING and worse to Slack (per-level channels) when settings name them."""
    critical = settings.slack_log_channel_critical
    if settings.slack_bot_token is None or critical is None:
        return None
    from hantu.adapters.notify.slack import SLACK_API  # slack_sdk only when configured
    from hantu.adapters.notify.slack_log_handler import LogChannels, make_slack_log_handler

    error = settings.slack_log_channel_error or critical
    channels = LogChannels(critical, error, settings.slack_log_channel_warning or error)
    handler = make_slack_log_handler(
        settings.slack_bot_token.get_secret_value(), channels, settings.slack_api_url or SLACK_API
    )
    logging.getLogger().addHandler(handler)
    return handler


async def detach_log_handler(handler: SlackLogHandler) -> None:
    """Stop routing logs to Slack and flush what is batched (off the event loop)."""
    logging.getLogger().removeHandler(handler)
    await asyncio.to_thread(handler.close)


async def _digest_ticks(service: NotificationService) -> None:
    # `run_digests` sleeps on the injected clock; a fake clock's sleep returns at once and
    # would spin and race domain time ahead. A real-time tick, as the reconcile loop's.
    while True:
        await asyncio.sleep(DIGEST_TICK_SECONDS)
        try:
            await service.send_due_digests()
        except Exception:
            log.exception("sending due digests failed; will retry")


async def _flush_digests(service: NotificationService) -> None:
    with contextlib.suppress(Exception):
        async with asyncio.timeout(DIGEST_FLUSH_SECONDS):
            await service.send_due_digests(everything=True)
