"""Revision 0011_telegram adds the link tables and `users.entries_paused`, keeping users."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, text

from hantu.adapters.db.engine import Database, current_revision, downgrade, upgrade

NOW = datetime(2026, 12, 1, tzinfo=UTC)


async def _tables(db: Database) -> set[str]:
    async with db.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def _execute(db: Database, sql: str, **params: object) -> None:
    async with db.begin() as connection:
        await connection.execute(text(sql), params)


async def _rows(db: Database, sql: str) -> list[tuple[object, ...]]:
    async with db.connect() as connection:
        return [tuple(row) for row in await connection.execute(text(sql))]


async def test_migration_0010_adds_telegram_tables_and_pause_keeping_users(
    empty_database_url: str,
) -> None:
    db = Database(empty_database_url)
    try:
        await upgrade(db, "0010_fill_identity_per_account")
        await _execute(
            db,
            "INSERT INTO users (username, password_hash, is_demo, created_at)"
            " VALUES ('alice', '$argon2id$x', false, :now)",
            now=NOW,
        )
        await upgrade(db, "0011_telegram")
        created = await _tables(db)
        after_up = await _rows(db, "SELECT username, entries_paused FROM users")
        await _execute(
            db,
            "INSERT INTO telegram_links (user_id, chat_id, telegram_user_id, linked_at)"
            " SELECT id, 9000000000001, 9000000000001, :now FROM users",
            now=NOW,
        )
        big = await _rows(db, "SELECT chat_id FROM telegram_links")
        await downgrade(db, "0010_fill_identity_per_account")
        after_down = await _tables(db)
        users_after_down = await _rows(db, "SELECT username FROM users")
        at = await current_revision(db)
    finally:
        await db.dispose()

    assert {"telegram_links", "telegram_link_codes"} <= created
    assert after_up == [("alice", False)]
    assert big == [(9000000000001,)]  # chat ids exceed 32 bits
    assert not {"telegram_links", "telegram_link_codes"} & after_down
    assert users_after_down == [("alice",)]
    assert at == "0010_fill_identity_per_account"
