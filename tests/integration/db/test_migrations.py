"""Migrations on both backends: from nothing to head, and back down."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from hantu.adapters.db.engine import Database, current_revision, downgrade, driver_url, upgrade


async def _tables(db: Database) -> set[str]:
    async with db.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def _failed_order_indexes(db: Database) -> set[str]:
    async with db.connect() as connection:
        indexes = await connection.run_sync(lambda sync: inspect(sync).get_indexes("failed_orders"))
    return {str(index["name"]) for index in indexes}


async def test_upgrade_empty_database_creates_tables_at_head(empty_database_url: str) -> None:
    db = Database(empty_database_url)
    try:
        await upgrade(db)
        tables = await _tables(db)
        revision = await current_revision(db)
        indexes = await _failed_order_indexes(db)
    finally:
        await db.dispose()
    assert {"orders", "fills", "positions", "failed_orders", "events"} <= tables
    assert revision is not None
    assert {"idx_failed_strategy_symbol", "idx_failed_status", "idx_failed_retry"} <= indexes


async def test_downgrade_to_base_removes_tables_and_upgrade_restores_them(
    empty_database_url: str,
) -> None:
    db = Database(empty_database_url)
    try:
        await upgrade(db)
        await downgrade(db, "base")
        after_down = await _tables(db)
        revision_down = await current_revision(db)
        await upgrade(db)
        after_up = await _tables(db)
    finally:
        await db.dispose()
    assert after_down.isdisjoint({"orders", "fills", "positions", "failed_orders", "events"})
    assert revision_down is None
    assert "orders" in after_up


async def test_upgrade_twice_is_a_no_op(database_url: str) -> None:
    db = Database(database_url)
    try:
        before = await current_revision(db)
        await upgrade(db)
        after = await current_revision(db)
    finally:
        await db.dispose()
    assert before == after
    assert before is not None


def test_driver_url_picks_asyncpg_and_leaves_a_sqlite_file_as_named() -> None:
    assert driver_url("postgresql://u@h/db").drivername == "postgresql+asyncpg"
    assert driver_url("postgresql+psycopg://u@h/db").drivername == "postgresql+asyncpg"
    assert driver_url("sqlite:////srv/hantu/x.db").database == "/srv/hantu/x.db"
    assert driver_url("sqlite+aiosqlite:////srv/hantu/x.db").database == "/srv/hantu/x.db"


async def test_0003_adds_valued_price_and_keeps_existing_orders(empty_database_url: str) -> None:
    db = Database(empty_database_url)
    try:
        await upgrade(db, "0002_accounts")
        async with db.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO orders (id, idempotency_key, strategy_account_id, symbol, side,"
                    " order_type, quantity, price, status, filled_quantity, source, version,"
                    " created_at, updated_at) VALUES ('o1', 'k1', 1, '005930', 'BUY', 'LIMIT',"
                    " '3', '70000', 'SENT', '0', 'webhook', 0, :at, :at)"
                ),
                {"at": datetime(2026, 11, 20, tzinfo=UTC)},
            )
        await upgrade(db)
        async with db.connect() as connection:
            kept = (
                await connection.execute(text("SELECT id, price, valued_price FROM orders"))
            ).all()
        await downgrade(db, "0002_accounts")
        async with db.connect() as connection:
            columns = await connection.run_sync(lambda sync: inspect(sync).get_columns("orders"))
            count = (await connection.execute(text("SELECT count(*) FROM orders"))).scalar()
    finally:
        await db.dispose()

    assert [(row[0], Decimal(row[1]), row[2]) for row in kept] == [("o1", Decimal(70000), None)]
    assert "valued_price" not in {column["name"] for column in columns}
    assert count == 1


async def test_0004_claims_existing_broker_orders_once_and_keeps_orders(
    empty_database_url: str,
) -> None:
    db = Database(empty_database_url)
    insert = text(
        "INSERT INTO orders (id, idempotency_key, strategy_account_id, symbol, side,"
        " order_type, quantity, price, status, broker_order_id, filled_quantity, source,"
        " version, created_at, updated_at) VALUES (:id, :id, 1, '005930', 'BUY', 'LIMIT',"
        " '3', '70000', 'SENT', '0000000007', '0', 'webhook', 0, :at, :at)"
    )
    try:
        await upgrade(db, "0003_order_valued_price")
        async with db.begin() as connection:  # the defect: two orders on one broker order
            for minute, order_id in ((1, "o1"), (2, "o2")):
                at = datetime(2026, 11, 20, 0, minute, tzinfo=UTC)
                await connection.execute(insert, {"id": order_id, "at": at})
        await upgrade(db)
        async with db.connect() as connection:
            claims = (
                await connection.execute(
                    text(
                        "SELECT broker_account, trading_day, broker_order_id, order_id"
                        " FROM broker_order_claims"
                    )
                )
            ).all()
            orders = (await connection.execute(text("SELECT count(*) FROM orders"))).scalar()
        await downgrade(db, "0003_order_valued_price")
        tables = await _tables(db)
    finally:
        await db.dispose()

    assert [tuple(row) for row in claims] == [("default", "20261120", "0000000007", "o1")]
    assert orders == 2
    assert "broker_order_claims" not in tables


async def test_0005_adds_sell_policy_columns_and_keeps_existing_rows(
    empty_database_url: str,
) -> None:
    db = Database(empty_database_url)
    at = datetime(2026, 11, 20, tzinfo=UTC)
    try:
        await upgrade(db, "0004_broker_order_claim")
        async with db.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO users (id, username, password_hash, is_demo, created_at)"
                    " VALUES (1, 'alice', 'h', false, :at)"
                ),
                {"at": at},
            )
            await connection.execute(
                text(
                    "INSERT INTO strategies (id, user_id, name, token_digest, token_enc,"
                    " created_at) VALUES (1, 1, 'alpha', 'd', 'e', :at)"
                ),
                {"at": at},
            )
            await connection.execute(
                text(
                    "INSERT INTO fills (fill_id, broker_order_id, symbol, side, quantity, price,"
                    " filled_at, recorded_at) VALUES ('f1', 'b1', '005930', 'BUY', '1', '70000',"
                    " :at, :at)"
                ),
                {"at": at},
            )
        await upgrade(db, "0005_sell_policy")
        async with db.connect() as connection:
            strategy = (
                await connection.execute(text("SELECT name, adopt_broker_holdings FROM strategies"))
            ).one()
            fill = (await connection.execute(text("SELECT fill_id, problem FROM fills"))).one()
        await downgrade(db, "0004_broker_order_claim")
        async with db.connect() as connection:
            columns = await connection.run_sync(lambda sync: inspect(sync).get_columns("fills"))
            kept = (await connection.execute(text("SELECT count(*) FROM strategies"))).scalar()
    finally:
        await db.dispose()

    assert (strategy[0], bool(strategy[1])) == ("alpha", False)
    assert tuple(fill) == ("f1", None)
    assert "problem" not in {column["name"] for column in columns}
    assert kept == 1


async def test_0008_gives_fills_their_broker_account_and_keeps_them(
    empty_database_url: str,
) -> None:
    db = Database(empty_database_url)
    at = datetime(2026, 11, 20, tzinfo=UTC)
    order = text(
        "INSERT INTO orders (id, idempotency_key, strategy_account_id, symbol, side,"
        " order_type, quantity, price, status, broker_order_id, filled_quantity, source,"
        " version, created_at, updated_at) VALUES (:id, :id, 1, '005930', 'BUY', 'LIMIT',"
        " '3', '70000', 'SENT', :broker_id, '0', 'webhook', 0, :at, :at)"
    )
    fill = text(
        "INSERT INTO fills (fill_id, order_id, broker_order_id, symbol, side, quantity, price,"
        " filled_at, recorded_at) VALUES (:id, :order_id, '0000000007', '005930', 'BUY', '1',"
        " '70000', :at, :at)"
    )
    try:
        await upgrade(db, "0006_web_sessions")
        async with db.begin() as connection:
            await connection.execute(order, {"id": "o1", "broker_id": "0000000007", "at": at})
            await connection.execute(order, {"id": "o2", "broker_id": None, "at": at})
            await connection.execute(
                text(
                    "INSERT INTO broker_order_claims VALUES"
                    " ('broker_account:3', '20261120', '0000000007', 'o1', :at)"
                ),
                {"at": at},
            )
            for fill_id, order_id in (("f1", "o1"), ("f2", "o2"), ("f3", None)):
                await connection.execute(fill, {"id": fill_id, "order_id": order_id, "at": at})
        await upgrade(db, "0008_fill_broker_account")
        async with db.connect() as connection:
            query = text("SELECT fill_id, broker_account FROM fills ORDER BY fill_id")
            accounts = (await connection.execute(query)).all()
        await downgrade(db, "0006_web_sessions")
        async with db.connect() as connection:
            columns = await connection.run_sync(lambda sync: inspect(sync).get_columns("fills"))
            kept = (await connection.execute(text("SELECT count(*) FROM fills"))).scalar()
    finally:
        await db.dispose()

    # o1's claim names its account; o2 has none (no broker account stored): the settings'
    # one broker; the orphan takes the one broker account the claims know.
    assert [tuple(row) for row in accounts] == [
        ("f1", "broker_account:3"),
        ("f2", "default"),
        ("f3", "broker_account:3"),
    ]
    assert "broker_account" not in {column["name"] for column in columns}
    assert kept == 3


async def test_0009_adds_the_outbox_and_keeps_existing_events(empty_database_url: str) -> None:
    db = Database(empty_database_url)
    at = datetime(2026, 11, 20, tzinfo=UTC)
    try:
        await upgrade(db, "0008_fill_broker_account")
        async with db.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO events (name, occurred_at, recorded_at, payload)"
                    " VALUES ('RiskViolated', :at, :at, '{}')"
                ),
                {"at": at},
            )
        await upgrade(db, "0009_outbox")
        async with db.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO outbox (kind, dedupe_key, payload, state, attempts, created_at,"
                    " available_at) VALUES ('notify', 'k', '{}', 'pending', 0, :at, :at)"
                ),
                {"at": at},
            )
            events = (await connection.execute(text("SELECT count(*) FROM events"))).scalar()
        await downgrade(db, "0008_fill_broker_account")
        tables = await _tables(db)
    finally:
        await db.dispose()

    assert events == 1
    assert "outbox" not in tables
    assert "events" in tables


async def test_0010_keys_fills_by_broker_account_and_refuses_a_downgrade_that_would_merge(
    empty_database_url: str,
) -> None:
    db = Database(empty_database_url)
    at = datetime(2026, 11, 20, tzinfo=UTC)
    fill = text(
        "INSERT INTO fills (fill_id, broker_order_id, broker_account, symbol, side, quantity,"
        " price, filled_at, recorded_at) VALUES ('f1', '0000000001', :account, '005930', 'BUY',"
        " '1', '70000', :at, :at)"
    )
    try:
        await upgrade(db, "0009_outbox")
        async with db.begin() as connection:
            await connection.execute(fill, {"account": "default", "at": at})
        await upgrade(db, "0010_fill_identity_per_account")
        async with db.begin() as connection:  # the same id at another account: its own fill
            await connection.execute(fill, {"account": "static:2", "at": at})
        with pytest.raises(IntegrityError):
            async with db.begin() as connection:
                await connection.execute(fill, {"account": "static:2", "at": at})
        with pytest.raises(RuntimeError, match="more than one broker account"):
            await downgrade(db, "0009_outbox")
        refused_at = await current_revision(db)
        async with db.begin() as connection:
            await connection.execute(text("DELETE FROM fills WHERE broker_account = 'static:2'"))
        await downgrade(db, "0009_outbox")
        with pytest.raises(IntegrityError):
            async with db.begin() as connection:
                await connection.execute(fill, {"account": "static:2", "at": at})
        async with db.connect() as connection:
            query = text("SELECT fill_id, broker_account FROM fills")
            kept = (await connection.execute(query)).all()
    finally:
        await db.dispose()

    assert refused_at == "0010_fill_identity_per_account"
    assert [tuple(row) for row in kept] == [("f1", "default")]


async def test_0012_adds_notification_prefs_and_keeps_existing_users(
    empty_database_url: str,
) -> None:
    db = Database(empty_database_url)
    at = datetime(2026, 11, 20, tzinfo=UTC)
    try:
        await upgrade(db, "0011_telegram")
        async with db.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO users (username, password_hash, is_demo, created_at)"
                    " VALUES ('alice', 'h', false, :at)"
                ),
                {"at": at},
            )
        await upgrade(db, "0012_notification_prefs")
        async with db.begin() as connection:
            user_id = (await connection.execute(text("SELECT id FROM users"))).scalar_one()
            await connection.execute(
                text(
                    "INSERT INTO notification_prefs (user_id, event_kind, mode)"
                    " VALUES (:user, 'order_filled', 'silent')"
                ),
                {"user": user_id},
            )
            modes = (await connection.execute(text("SELECT mode FROM notification_prefs"))).all()
        await downgrade(db, "0011_telegram")
        tables = await _tables(db)
        async with db.connect() as connection:
            users = (await connection.execute(text("SELECT count(*) FROM users"))).scalar()
    finally:
        await db.dispose()

    assert [m for (m,) in modes] == ["silent"]
    assert "notification_prefs" not in tables
    assert users == 1
