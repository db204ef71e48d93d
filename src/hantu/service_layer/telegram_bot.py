"""Use cases behind the Telegram bot: link a chat by one-time code, authorize, answer.

A chat is linked by `/start CODE` with a code the web UI showed its signed-in user. Every
later message is answered only when both the chat and the sender (`from.id`) are the linked
ones; anyone else gets a Korean refusal and nothing is read or changed. Replies are Korean
text built from the same read models the web pages use (`telegram_commands`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, Self

from hantu import messages_ko as ko
from hantu.domain.accounts import User, UserId
from hantu.domain.telegram import (
    LINK_CODE_TTL,
    MAX_CODE,
    TelegramLink,
    link_code_digest,
    new_link_code,
)
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.accounts import AccountsDeps
from hantu.service_layer.deps import Deps
from hantu.service_layer.ports import Clock


class TelegramRepo(Protocol):
    async def add_link_code(
        self, user_id: UserId, digest: str, now: datetime, expires_at: datetime
    ) -> None: ...
    async def take_link_code(self, digest: str, now: datetime) -> UserId | None: ...
    async def save_link(self, link: TelegramLink) -> None: ...
    async def link_of_chat(self, chat_id: int) -> TelegramLink | None: ...
    async def link_of_user(self, user_id: UserId) -> TelegramLink | None: ...
    async def delete_link(self, user_id: UserId) -> bool: ...
    async def set_entries_paused(self, user_id: UserId, paused: bool) -> None: ...
    async def entries_paused(self, user_id: UserId) -> bool: ...


class TelegramUnitOfWork(Protocol):
    @property
    def telegram(self) -> TelegramRepo: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...


class TelegramUnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> TelegramUnitOfWork: ...


@dataclass(frozen=True, slots=True)
class BotDeps:
    """What the bot's use cases need; `stream_up(strategy_account_id)` when known."""

    uow: TelegramUnitOfWorkFactory
    accounts: AccountsDeps
    pipeline: Deps
    clock: Clock
    stream_up: Callable[[int], bool] | None = None


@dataclass(frozen=True, slots=True)
class IssuedCode:
    code: str
    expires_at: datetime

    @property
    def command(self) -> str:
        return f"/start {self.code}"


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a chat or sender may not act, in Korean."""

    text: str


async def issue_link_code(deps: BotDeps, user_id: UserId) -> IssuedCode:
    """A fresh one-time code for the user (earlier ones stop working); only its digest is kept."""
    code = new_link_code()
    now = deps.clock.now()
    expires_at = now + LINK_CODE_TTL
    async with deps.uow() as uow:
        await uow.telegram.add_link_code(user_id, link_code_digest(code), now, expires_at)
        await uow.commit()
    return IssuedCode(code, expires_at)


async def link(deps: BotDeps, code: str, chat_id: int, from_id: int | None) -> str:
    """Link the chat and its sender to the code's user, once; the Korean reply either way."""
    if not code or len(code) > MAX_CODE or from_id is None:
        return ko.TG_BAD_CODE
    now = deps.clock.now()
    async with deps.uow() as uow:
        user_id = await uow.telegram.take_link_code(link_code_digest(code), now)
        if user_id is None:
            return ko.TG_BAD_CODE
        await uow.telegram.save_link(TelegramLink(user_id, chat_id, from_id, now))
        await uow.commit()
    user = await accounts_service.get_user(deps.accounts, user_id)
    return ko.TG_LINKED.format(username=user.username if user else "")


async def authorize(deps: BotDeps, chat_id: int, from_id: int | None) -> User | Refusal:
    """The linked user when this chat and sender are theirs; otherwise why not."""
    async with deps.uow(read_only=True) as uow:
        found = await uow.telegram.link_of_chat(chat_id)
    if found is None:
        return Refusal(ko.TG_NOT_LINKED)
    if not found.admits(chat_id, from_id):
        return Refusal(ko.TG_NOT_YOU)
    user = await accounts_service.get_user(deps.accounts, found.user_id)
    return user if user is not None else Refusal(ko.TG_NOT_LINKED)


async def link_of(deps: BotDeps, user_id: UserId) -> TelegramLink | None:
    """The user's linked chat, if any (the web page shows it)."""
    async with deps.uow(read_only=True) as uow:
        return await uow.telegram.link_of_user(user_id)


async def unlink(deps: BotDeps, user_id: UserId) -> bool:
    """Forget the user's chat; False when none was linked."""
    async with deps.uow() as uow:
        removed = await uow.telegram.delete_link(user_id)
        await uow.commit()
    return removed


async def set_entries_paused(deps: BotDeps, user_id: UserId, paused: bool) -> None:
    """Pause or resume new entries (buys) of every strategy of the user; exits keep running."""
    async with deps.uow() as uow:
        await uow.telegram.set_entries_paused(user_id, paused)
        await uow.commit()


async def entries_paused(deps: BotDeps, user_id: UserId) -> bool:
    """Whether the user paused new entries."""
    async with deps.uow(read_only=True) as uow:
        return await uow.telegram.entries_paused(user_id)
