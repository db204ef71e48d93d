"""Row ↔ domain mapping for Telegram links, one-time link codes and the pause of entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self, cast

from sqlalchemy import CursorResult, delete, insert, or_, select, update

from hantu.adapters.db.connection import SqlConnection
from hantu.adapters.db.engine import Database
from hantu.adapters.db.tables_accounts import users
from hantu.adapters.db.tables_telegram import telegram_link_codes, telegram_links
from hantu.adapters.db.transaction import Transaction
from hantu.domain.accounts import UserId
from hantu.domain.telegram import TelegramLink


def _link(row: Any) -> TelegramLink:
    return TelegramLink(
        user_id=UserId(row.user_id),
        chat_id=int(row.chat_id),
        telegram_user_id=int(row.telegram_user_id),
        linked_at=row.linked_at,
    )


class TelegramRepository:
    """Queries over one connection; the caller owns the transaction."""

    def __init__(self, connection: SqlConnection) -> None:
        self._conn = connection

    async def add_link_code(
        self, user_id: UserId, digest: str, now: datetime, expires_at: datetime
    ) -> None:
        # A new code replaces the user's earlier ones; expired codes of anyone go too.
        stale = or_(
            telegram_link_codes.c.user_id == user_id, telegram_link_codes.c.expires_at <= now
        )
        await self._conn.execute(delete(telegram_link_codes).where(stale))
        await self._conn.execute(
            insert(telegram_link_codes).values(
                code_digest=digest, user_id=user_id, created_at=now, expires_at=expires_at
            )
        )

    async def take_link_code(self, digest: str, now: datetime) -> UserId | None:
        """Use a live code up, once: the UPDATE wins for exactly one caller."""
        codes = telegram_link_codes.c
        statement = (
            update(telegram_link_codes)
            .where(codes.code_digest == digest, codes.used_at.is_(None), codes.expires_at > now)
            .values(used_at=now)
            .returning(codes.user_id)
        )
        row = (await self._conn.execute(statement)).first()
        return None if row is None else UserId(row.user_id)

    async def save_link(self, link: TelegramLink) -> None:
        # One chat serves one user and one user one chat: relinking replaces both sides.
        links = telegram_links.c
        await self._conn.execute(
            delete(telegram_links).where(
                or_(links.user_id == link.user_id, links.chat_id == link.chat_id)
            )
        )
        await self._conn.execute(
            insert(telegram_links).values(
                user_id=link.user_id,
                chat_id=link.chat_id,
                telegram_user_id=link.telegram_user_id,
                linked_at=link.linked_at,
            )
        )

    async def link_of_chat(self, chat_id: int) -> TelegramLink | None:
        query = select(telegram_links).where(telegram_links.c.chat_id == chat_id)
        row = (await self._conn.execute(query)).first()
        return _link(row) if row else None

    async def link_of_user(self, user_id: UserId) -> TelegramLink | None:
        query = select(telegram_links).where(telegram_links.c.user_id == user_id)
        row = (await self._conn.execute(query)).first()
        return _link(row) if row else None

    async def delete_link(self, user_id: UserId) -> bool:
        result = await self._conn.execute(
            delete(telegram_links).where(telegram_links.c.user_id == user_id)
        )
        return bool(cast(CursorResult[Any], result).rowcount)

    async def set_entries_paused(self, user_id: UserId, paused: bool) -> None:
        await self._conn.execute(
            update(users).where(users.c.id == user_id).values(entries_paused=paused)
        )

    async def entries_paused(self, user_id: UserId) -> bool:
        query = select(users.c.entries_paused).where(users.c.id == user_id)
        return bool((await self._conn.execute(query)).scalar())


class SqlTelegramUnitOfWork:
    """One connection and transaction per use case; rolls back unless committed."""

    telegram: TelegramRepository

    def __init__(self, db: Database, *, read_only: bool = False) -> None:
        self._transaction = Transaction(db, read_only=read_only)

    async def __aenter__(self) -> Self:
        self.telegram = TelegramRepository(await self._transaction.enter())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._transaction.close()

    async def commit(self) -> None:
        await self._transaction.connection.commit()


class SqlTelegramUnitOfWorkFactory:
    """Makes a fresh Telegram unit of work per use case."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def __call__(self, *, read_only: bool = False) -> SqlTelegramUnitOfWork:
        return SqlTelegramUnitOfWork(self._db, read_only=read_only)
