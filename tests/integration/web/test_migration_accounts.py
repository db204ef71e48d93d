"""Revision 0002_accounts upgrades and downgrades cleanly on both databases."""

from __future__ import annotations

from sqlalchemy import inspect

from hantu.adapters.db.engine import Database, current_revision, downgrade, upgrade

ACCOUNT_TABLES = {"users", "broker_accounts", "strategies", "strategy_accounts"}


async def _tables(db: Database) -> set[str]:
    async with db.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_migration_0002_creates_and_drops_the_accounts_tables(
    empty_database_url: str,
) -> None:
    db = Database(empty_database_url)
    try:
        await upgrade(db, "0002_accounts")
        created = await _tables(db)
        await downgrade(db, "0001_orders")
        after_down = await _tables(db)
        at = await current_revision(db)
    finally:
        await db.dispose()

    assert created >= ACCOUNT_TABLES | {"orders", "failed_orders"}
    assert not after_down & ACCOUNT_TABLES
    assert "orders" in after_down
    assert at == "0001_orders"
