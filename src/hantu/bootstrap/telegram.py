"""The Telegram bot as one supervised service: webhook on a public HTTPS URL, long polling
otherwise.

Off (None) unless `HANTU_TELEGRAM_BOT_TOKEN` is set. A Bot API that cannot be reached does
not stop the application: polling retries on its own, and the webhook is asked for until
Telegram takes it (then the service is done).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hantu.adapters.db.engine import Database
from hantu.adapters.db.telegram_repository import SqlTelegramUnitOfWorkFactory
from hantu.config import Settings
from hantu.domain.accounts import UserId
from hantu.service_layer.accounts import AccountsDeps
from hantu.service_layer.deps import Deps
from hantu.service_layer.telegram_bot import BotDeps

from .supervisor import Service

if TYPE_CHECKING:  # python-telegram-bot (~15 MB) only in a process that has a bot
    from hantu.adapters.telegram.frontend import TelegramFrontend


class LinkedTelegramChats:
    """The chat each user linked with `/start CODE` (None for a user who linked none: the
    notification directory decides where their notifications go then)."""

    def __init__(self, db: Database) -> None:
        self._uow = SqlTelegramUnitOfWorkFactory(db)

    async def chat_of(self, user_id: int) -> int | None:
        async with self._uow(read_only=True) as uow:
            link = await uow.telegram.link_of_user(UserId(user_id))
        return None if link is None else link.chat_id


def webhook_secret(settings: Settings) -> str | None:
    """The secret Telegram must echo: from settings, else generated once into the data dir."""
    if settings.telegram_webhook_secret is not None:
        return settings.telegram_webhook_secret.get_secret_value()
    if not settings.telegram_webhook_mode:
        return None
    from hantu.adapters.telegram.frontend import load_or_create_webhook_secret  # see above

    return load_or_create_webhook_secret(settings.data_dir)


def build_frontend(
    settings: Settings,
    db: Database,
    deps: Deps,
    accounts: AccountsDeps,
    stream_up: Callable[[int], bool] | None = None,
    options: dict[str, Any] | None = None,
) -> TelegramFrontend | None:
    """The bot front end wired to the application's use cases, or None when no token is set."""
    if settings.telegram_bot_token is None:
        return None
    from hantu.adapters.telegram.frontend import TelegramFrontend  # a bot: load its library

    bot_deps = BotDeps(
        uow=SqlTelegramUnitOfWorkFactory(db),
        accounts=accounts,
        pipeline=deps,
        clock=deps.clock,
        stream_up=stream_up,
    )
    return TelegramFrontend(
        settings.telegram_bot_token.get_secret_value(),
        settings.telegram_api_url,
        bot_deps,
        webhook_secret=webhook_secret(settings),
        **(options or {}),
    )


def telegram_service(settings: Settings, frontend: TelegramFrontend) -> Service:
    """What the supervisor runs: keep the webhook set, or poll for updates forever."""
    if not settings.telegram_webhook_mode:
        return frontend.poll_forever
    from hantu.adapters.telegram.frontend import WEBHOOK_PATH

    url = f"{(settings.public_url or '').rstrip('/')}{WEBHOOK_PATH}"

    async def keep_webhook() -> None:
        await frontend.keep_webhook(url)

    return keep_webhook
