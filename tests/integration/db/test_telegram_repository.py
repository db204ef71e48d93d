"""The Telegram repository on both databases: a link code works once, however raced."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from hantu.adapters.db.accounts_repository import SqlAccountsUnitOfWorkFactory
from hantu.adapters.db.engine import Database
from hantu.adapters.db.telegram_repository import SqlTelegramUnitOfWorkFactory
from hantu.domain.accounts import UserId
from hantu.domain.telegram import TelegramLink
from tests.builders import T0


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


async def _user(db: Database, name: str) -> UserId:
    async with SqlAccountsUnitOfWorkFactory(db)() as uow:
        user = await uow.accounts.add_user(name, "$argon2id$x", T0)
        await uow.commit()
    return user.id


async def _take(factory: SqlTelegramUnitOfWorkFactory, digest: str) -> UserId | None:
    async with factory() as uow:
        taken = await uow.telegram.take_link_code(digest, T0 + timedelta(minutes=1))
        await uow.commit()
    return taken


async def test_link_code_raced_five_times_is_taken_exactly_once(db: Database) -> None:
    factory = SqlTelegramUnitOfWorkFactory(db)
    alice = await _user(db, "alice")
    async with factory() as uow:
        await uow.telegram.add_link_code(alice, "d" * 64, T0, T0 + timedelta(minutes=10))
        await uow.commit()

    taken = await asyncio.gather(*(_take(factory, "d" * 64) for _ in range(5)))

    assert (taken.count(alice), taken.count(None)) == (1, 4)


async def test_link_code_past_expiry_is_not_taken(db: Database) -> None:
    factory = SqlTelegramUnitOfWorkFactory(db)
    alice = await _user(db, "alice")
    async with factory() as uow:
        await uow.telegram.add_link_code(alice, "e" * 64, T0, T0 + timedelta(seconds=30))
        await uow.commit()

    assert await _take(factory, "e" * 64) is None


async def test_relinking_a_chat_moves_it_to_the_new_user(db: Database) -> None:
    factory = SqlTelegramUnitOfWorkFactory(db)
    alice, bob = await _user(db, "alice"), await _user(db, "bob")
    async with factory() as uow:
        await uow.telegram.save_link(TelegramLink(alice, 9_000_000_000_001, 7, T0))
        await uow.telegram.save_link(TelegramLink(bob, 9_000_000_000_001, 8, T0))
        await uow.telegram.set_entries_paused(bob, True)
        await uow.commit()
    async with factory(read_only=True) as uow:
        of_alice = await uow.telegram.link_of_user(alice)
        of_chat = await uow.telegram.link_of_chat(9_000_000_000_001)
        paused = (await uow.telegram.entries_paused(alice), await uow.telegram.entries_paused(bob))

    assert of_alice is None
    assert of_chat == TelegramLink(bob, 9_000_000_000_001, 8, T0)
    assert paused == (False, True)
