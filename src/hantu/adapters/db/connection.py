"""The connection the repositories write through: SQLAlchemy's `AsyncConnection` on
PostgreSQL, and on SQLite the same awaitable surface over a plain synchronous connection.

SQLite is fast enough to run inline on the event loop, and an async engine's machinery
costs more than its statements: every statement through one switches greenlets and wraps
cursors, about 80 µs on top of a ~45 µs statement, and a webhook runs about fifteen. So
SQLite gets a synchronous engine (see `engine`) seen through `SyncBackedConnection` below.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy import Connection, CursorResult, Dialect, Executable
from sqlalchemy.exc import DBAPIError

from hantu.adapters.db.prepared import Params, Prepared, SqliteForm, keys_of

Result = CursorResult[*tuple[Any, ...]]
_P = ParamSpec("_P")
_T = TypeVar("_T")


class SqlConnection(Protocol):
    """What repositories and units of work use of a connection."""

    @property
    def dialect(self) -> Dialect: ...

    async def execute(self, statement: Executable, parameters: Any = None) -> Result: ...

    def begin(self) -> Awaitable[Any]: ...

    def begin_nested(self) -> AbstractAsyncContextManager[Any]: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    async def close(self) -> None: ...


class AdminConnection(SqlConnection, Protocol):
    """A connection for migrations and inspection: also runs synchronous SQLAlchemy code."""

    async def run_sync(
        self, fn: Callable[Concatenate[Connection, _P], _T], *args: _P.args, **kwargs: _P.kwargs
    ) -> _T: ...


class SyncBackedConnection:
    """A synchronous SQLAlchemy connection behind `SqlConnection`'s awaitable methods."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    @property
    def dialect(self) -> Dialect:
        return self._connection.dialect

    async def execute(self, statement: Executable, parameters: Any = None) -> Result:
        return self._connection.execute(statement, parameters)

    async def begin(self) -> None:
        self._connection.begin()

    @asynccontextmanager
    async def begin_nested(self) -> AsyncIterator[None]:
        """A savepoint: released on success, rolled back (and the error raised) otherwise."""
        with self._connection.begin_nested():
            yield

    async def commit(self) -> None:
        self._connection.commit()

    async def rollback(self) -> None:
        self._connection.rollback()

    async def close(self) -> None:
        self._connection.close()  # rolls back a transaction still open

    async def run_sync(
        self, fn: Callable[Concatenate[Connection, _P], _T], *args: _P.args, **kwargs: _P.kwargs
    ) -> _T:
        return fn(self._connection, *args, **kwargs)

    def prepared_rows(self, query: Prepared, params: Params) -> list[tuple[Any, ...]]:
        """Run a prepared SELECT on sqlite3 in this connection's transaction."""
        form = query.sqlite_form(self.dialect, None)
        values = form.positional(params)
        with _as_sqlalchemy_error(form, values):
            cursor = self._driver().execute(form.sql, values)
            try:
                return [form.read(row) for row in cursor.fetchall()]
            finally:
                cursor.close()

    def prepared_write(self, query: Prepared, params: Params | Sequence[Params]) -> int:
        """Run a prepared INSERT/UPDATE for one row or several (all with the same keys);
        returns the rows it touched."""
        keys = keys_of(params)
        form = query.sqlite_form(self.dialect, keys)
        driver = self._driver()
        if isinstance(params, Mapping):
            values: Any = form.positional(params)
            with _as_sqlalchemy_error(form, values):
                cursor = driver.execute(form.sql, values)
        else:
            if any(tuple(row) != keys for row in params):
                raise ValueError("prepared statement: every row needs the same keys")
            values = [form.positional(row) for row in params]
            with _as_sqlalchemy_error(form, values):
                cursor = driver.executemany(form.sql, values)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def _driver(self) -> sqlite3.Connection:
        driver = self._connection.connection.driver_connection
        if not isinstance(driver, sqlite3.Connection):  # pragma: no cover - SQLite only
            raise TypeError("prepared statements run on sqlite3 connections only")
        return driver


class KeptConnection(SyncBackedConnection):
    """SQLite's writer connection, kept open from one write transaction to the next.

    Writers queue on the process's write lock, so one connection serves them all. Kept, it
    skips the pool's checkout and return (~150 µs on a cold CPU, twice per order before it
    is sent) and keeps SQLite's page cache, which a connection drops whenever another one
    wrote since its last transaction. `close` ends the transaction and hands the connection
    back to be kept, unless it broke; `discard` closes it.
    """

    def __init__(self, connection: Connection, keep: Callable[[Connection], None]) -> None:
        super().__init__(connection)
        self._keep: Callable[[Connection], None] | None = keep

    async def close(self) -> None:
        keep, self._keep = self._keep, None
        if keep is None:
            return  # already closed or discarded
        connection = self._connection
        try:
            if connection.in_transaction():
                connection.rollback()  # what was not committed, as a closed connection would
        except BaseException:
            connection.close()
            raise
        if connection.closed or connection.invalidated:
            connection.close()
            return
        keep(connection)

    async def discard(self) -> None:
        """Close for good (a failed BEGIN leaves the connection in no state to keep)."""
        self._keep = None
        self._connection.close()


@contextmanager
def _as_sqlalchemy_error(form: SqliteForm, values: Any) -> Iterator[None]:
    # Callers catch SQLAlchemy's exceptions (IntegrityError, ...), as from any statement.
    try:
        yield
    except sqlite3.Error as exc:
        raise DBAPIError.instance(form.sql, values, exc, sqlite3.Error) from exc


async def fetch_rows(
    connection: SqlConnection, query: Prepared, params: Params
) -> Sequence[Sequence[Any]]:
    """A prepared SELECT's rows: inline on SQLite, through SQLAlchemy elsewhere."""
    if isinstance(connection, SyncBackedConnection):
        return connection.prepared_rows(query, params)
    return (await connection.execute(query.statement(connection.dialect.name), params)).all()


async def write_rows(
    connection: SqlConnection, query: Prepared, params: Params | Sequence[Params]
) -> int:
    """Run a prepared INSERT/UPDATE; the number of rows it touched."""
    if not isinstance(params, Mapping) and not params:
        return 0  # no rows: nothing to run (and no keys to compile an INSERT for)
    if isinstance(connection, SyncBackedConnection):
        return connection.prepared_write(query, params)
    statement = query.statement(connection.dialect.name)
    return int((await connection.execute(statement, params)).rowcount)
