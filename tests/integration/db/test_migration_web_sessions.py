"""Revision 0006_web_sessions adds and removes the sessions table, keeping existing users."""

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


async def _usernames(db: Database) -> list[str]:
    async with db.connect() as connection:
        return list((await connection.execute(text("SELECT username FROM users"))).scalars())


async def test_migration_0006_adds_web_sessions_and_keeps_users(empty_database_url: str) -> None:
    db = Database(empty_database_url)
    try:
        await upgrade(db, "0005_sell_policy")
        await _execute(
            db,
            "INSERT INTO users (username, password_hash, is_demo, created_at)"
            " VALUES ('alice', '$argon2id$x', false, :now)",
            now=NOW,
        )
        await upgrade(db, "0006_web_sessions")
        created = await _tables(db)
        await _execute(
            db,
            "INSERT INTO web_sessions (token_digest, user_id, created_at, expires_at)"
            " SELECT 'd', id, :now, :now FROM users",
            now=NOW,
        )
        users_after_up = await _usernames(db)
        await downgrade(db, "0005_sell_policy")
        after_down = await _tables(db)
        users_after_down = await _usernames(db)
        at = await current_revision(db)
    finally:
        await db.dispose()

    assert "web_sessions" in created
    assert "web_sessions" not in after_down
    assert users_after_up == users_after_down == ["alice"]
    assert at == "0005_sell_policy"
