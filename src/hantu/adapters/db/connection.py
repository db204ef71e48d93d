"""The connection the repositories write through: SQLAlchemy's `AsyncConnection` on
PostgreSQL, and on SQLite the same awaitable surface over a plain synchronous connection.

SQLite runs inline on the event loop either way (see `engine`), so the async engine's
machinery buys nothing there and costs a lot: every statement through it switches greenlets
and wraps cursors, about 80 µs on top of a ~45 µs statement. A webhook runs about fifteen
statements, so the units of work take SQLite connections from a synchronous engine and see
them through `SyncBackedConnection` below.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

from sqlalchemy import Connection, CursorResult, Dialect, Executable

Result = CursorResult[*tuple[Any, ...]]


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
