"""Start the Telegram bot with the server: webhook on a public HTTPS URL, long polling else.

Off (None) unless `HANTU_TELEGRAM_BOT_TOKEN` is set. A Bot API that cannot be reached at
start does not stop the server: polling retries on its own, a failed `setWebhook` is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

from telegram.error import TelegramError

from hantu.adapters.db.telegram_repository import SqlTelegramUnitOfWorkFactory
from hantu.adapters.telegram.frontend import (
    WEBHOOK_PATH,
    TelegramFrontend,
    load_or_create_webhook_secret,
)
from hantu.bootstrap import App
from hantu.config import Settings
from hantu.domain.masking import mask
from hantu.service_layer.accounts import AccountsDeps
from hantu.service_layer.telegram_bot import BotDeps

log = logging.getLogger(__name__)


def webhook_secret(settings: Settings) -> str | None:
    """The secret Telegram must echo: from settings, else generated once into the data dir."""
    if settings.telegram_webhook_secret is not None:
        return settings.telegram_webhook_secret.get_secret_value()
    if not settings.telegram_webhook_mode:
        return None
    return load_or_create_webhook_secret(settings.data_dir)


def build_frontend(
    settings: Settings,
    container: App,
    accounts: AccountsDeps,
    stream_up: Callable[[int], bool] | None = None,
    **options: Any,
) -> TelegramFrontend | None:
    """The bot front end wired to the app's use cases, or None when no token is set."""
    if settings.telegram_bot_token is None:
        return None
    deps = BotDeps(
        uow=SqlTelegramUnitOfWorkFactory(container.db),
        accounts=accounts,
        pipeline=container.deps,
        clock=container.clock,
        stream_up=stream_up,
    )
    return TelegramFrontend(
        settings.telegram_bot_token.get_secret_value(),
        settings.telegram_api_url,
        deps,
        webhook_secret=webhook_secret(settings),
        **options,
    )


async def start_telegram(
    settings: Settings, frontend: TelegramFrontend, stack: AsyncExitStack
) -> None:
    """Set the webhook or start polling; the stack stops it and closes the bot's pools."""
    stack.push_async_callback(frontend.aclose)
    if settings.telegram_webhook_mode:
        url = f"{(settings.public_url or '').rstrip('/')}{WEBHOOK_PATH}"
        try:
            await frontend.set_webhook(url)
            return
        except TelegramError as exc:  # Telegram away at start: keep asking in the background
            log.warning("telegram setWebhook failed, retrying: %s", mask(type(exc).__name__))
        task = asyncio.create_task(frontend.keep_webhook(url), name="telegram-webhook")
    else:
        task = asyncio.create_task(frontend.poll_forever(), name="telegram-polling")
    stack.push_async_callback(_cancel, task)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
