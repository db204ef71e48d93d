"""SQLite for the async engine, run inline on the event loop instead of on a worker thread.

SQLAlchemy's aiosqlite dialect sends every cursor, execute, fetch and close to aiosqlite's
thread and back: three or four thread hand-offs per statement, which cost far more than the
statements (tens of microseconds each on a WAL database). This module gives that dialect,
through its documented `async_creator` hook, a connection with aiosqlite's awaitable surface
that calls `sqlite3` directly. The loop blocks only while SQLite works; waits for another
process's write lock are bounded by `busy_timeout`, and inside one process writers queue on
the unit of work's asyncio lock before they ever touch SQLite.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, Self

# aiosqlite cursors and connections are awaitable wrappers; these are the same, minus the thread.


class InlineCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Self:
        self._cursor.execute(sql, () if parameters is None else parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Self:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def setinputsizes(self, *sizes: Any) -> None:
        return None

    async def nextset(self) -> None:
        return None


class InlineConnection:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._require().cursor())

    @property
    def isolation_level(self) -> str | None:
        return self._require().isolation_level

    def execute_now(self, sql: str) -> None:
        """Run one parameterless statement (BEGIN) without a cursor object or an await."""
        self._require().execute(sql).close()

    async def commit(self) -> None:
        self._require().commit()

    async def rollback(self) -> None:
        self._require().rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._require().create_function(*args, **kwargs)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def stop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _require(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("Connection closed")
        return self._connection


def inline_creator(path: str, *, busy_timeout_ms: int) -> Any:
    """An `async_creator` for `create_async_engine` opening `path` with sqlite3 directly."""

    async def connect() -> InlineConnection:
        # isolation_level=None: SQLAlchemy's "begin" hook emits BEGIN itself (see engine.py).
        connection = sqlite3.connect(
            path,
            timeout=busy_timeout_ms / 1000,
            isolation_level=None,
            check_same_thread=False,  # pool clean-up may run from another thread
            detect_types=0,
        )
        return InlineConnection(connection)

    return connect
