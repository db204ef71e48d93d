"""Prepared statements (inline sqlite3 on SQLite) store and read exactly what SQLAlchemy's
own execution of the same statement stores and reads, on both databases."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, insert, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError

from hantu.adapters.db import tables as t
from hantu.adapters.db.connection import fetch_rows, write_rows
from hantu.adapters.db.engine import Database
from hantu.adapters.db.prepared import Prepared, SqliteForm

SEOUL = timezone(timedelta(hours=9))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


def _order_row(order_id: str, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": order_id,
        "idempotency_key": f"key-{order_id}",
        "strategy_account_id": 7,
        "symbol": "005930",
        "side": "SELL",
        "order_type": "LIMIT",
        "quantity": Decimal("3"),
        "price": Decimal("70000.50"),
        "valued_price": None,
        "status": "NEW",
        "previous_status": None,
        "broker_order_id": None,
        "filled_quantity": Decimal("0"),
        "average_fill_price": None,
        "reason": "손절 매도",
        "source": "exit:stop_loss",
        "version": 1,
        "created_at": datetime(2026, 12, 3, 9, 1, 2, 345678, tzinfo=SEOUL),
        "updated_at": datetime(2026, 12, 3, 9, 1, 2, 345678, tzinfo=SEOUL),
    }
    row.update(changes)
    return row


_STORED = text(
    "SELECT quantity, price, filled_quantity, reason, created_at, updated_at "
    "FROM orders WHERE id = :id"
)


async def test_a_prepared_insert_stores_what_sqlalchemy_stores(db: Database) -> None:
    prepared = Prepared(insert(t.orders))
    async with db.begin() as connection:
        touched = await write_rows(connection, prepared, _order_row("o-prepared"))
        await connection.execute(insert(t.orders), _order_row("o-plain"))
    async with db.connect() as connection:
        # The stored values as the database holds them (text on SQLite, numeric/timestamptz
        # on PostgreSQL), not as either path would convert them back.
        ours = (await connection.execute(_STORED, {"id": "o-prepared"})).one()
        theirs = (await connection.execute(_STORED, {"id": "o-plain"})).one()
    assert touched == 1
    assert tuple(ours) == tuple(theirs)


async def test_a_prepared_select_reads_what_sqlalchemy_reads(db: Database) -> None:
    async with db.begin() as connection:
        for n, price in enumerate(("70000.50", "69900", "0.0001")):
            row = _order_row(f"o{n}", price=Decimal(price), quantity=Decimal(n + 1))
            await connection.execute(insert(t.orders), row)
    statement = (
        select(t.orders.c.id, t.orders.c.price, t.orders.c.quantity, t.orders.c.created_at)
        .where(t.orders.c.strategy_account_id == 7)
        .order_by(t.orders.c.id)
    )
    async with db.connect() as connection:
        ours = await fetch_rows(connection, Prepared(statement), {})
        theirs = (await connection.execute(statement)).all()
    assert [tuple(r) for r in ours] == [tuple(r) for r in theirs]
    assert [r[1] for r in ours] == [Decimal("70000.5"), Decimal("69900"), Decimal("0.0001")]
    assert ours[0][3] == datetime(2026, 12, 3, 0, 1, 2, 345678, tzinfo=UTC)


async def test_several_rows_in_one_prepared_write(db: Database) -> None:
    rows = [_order_row(f"m{n}") for n in range(3)]
    async with db.begin() as connection:
        await write_rows(connection, Prepared(insert(t.orders)), rows)
    async with db.connect() as connection:
        count = (await connection.execute(text("SELECT count(*) FROM orders"))).scalar()
    assert count == 3


async def test_no_rows_write_nothing(db: Database) -> None:
    async with db.begin() as connection:
        touched = await write_rows(connection, Prepared(insert(t.orders)), [])
        count = (await connection.execute(text("SELECT count(*) FROM orders"))).scalar()
    assert (touched, count) == (0, 0)


async def test_a_refused_prepared_write_raises_sqlalchemys_error_and_writes_nothing(
    db: Database,
) -> None:
    prepared = Prepared(insert(t.orders))

    async def twice() -> None:
        async with db.begin() as connection:
            await write_rows(connection, prepared, _order_row("dup"))
            await write_rows(connection, prepared, _order_row("dup"))  # the same primary key

    with pytest.raises(IntegrityError):
        await twice()
    async with db.connect() as connection:
        count = (await connection.execute(text("SELECT count(*) FROM orders"))).scalar()
    assert count == 0


def test_a_column_default_computed_in_python_is_refused() -> None:
    table = Table(
        "with_default", MetaData(), Column("id", Integer, primary_key=True), Column("n", Integer)
    )
    table.append_column(Column("label", String(10), default=lambda: "computed"))
    with pytest.raises(TypeError, match="column defaults"):
        SqliteForm.compile(insert(table), sqlite.dialect(), ("n",))


def test_a_missing_parameter_is_named() -> None:
    statement = select(t.orders.c.id).where(t.orders.c.id == bindparam("order_id"))
    form = SqliteForm.compile(statement, sqlite.dialect(), None)
    assert form.positional({"order_id": "o1"}) == ["o1"]
    with pytest.raises(KeyError, match="order_id"):
        form.positional({})


async def test_rows_of_one_inline_write_must_share_their_keys(
    sqlite_template: Path, tmp_path: Path
) -> None:
    # The inline (SQLite) path's own check; PostgreSQL's rows go through SQLAlchemy.
    path = tmp_path / "hantu.db"
    shutil.copyfile(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    rows = [_order_row("k1"), {**_order_row("k2"), "valued_price": Decimal(1), "extra": 1}]

    async def write() -> None:
        async with db.begin() as connection:
            await write_rows(connection, Prepared(insert(t.orders)), rows)

    try:
        with pytest.raises(ValueError, match="same keys"):
            await write()
        async with db.connect() as connection:
            count = (await connection.execute(text("SELECT count(*) FROM orders"))).scalar()
    finally:
        await db.dispose()
    assert count == 0
