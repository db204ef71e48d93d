"""The connection the repositories write through: SQLAlchemy's `AsyncConnection` on
PostgreSQL, and on SQLite the same awaitable surface over a plain synchronous connection.

SQLite is fast enough to run inline on the event loop, and an async engine's machinery
costs more than its statements: every statement through one switches greenlets and wraps
cursors, about 80 µs on top of a ~45 µs statement, and a webhook runs about fifteen. So
SQLite gets a synchronous engine (see `engine`) seen through `SyncBackedConnection` below.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy import Connection, CursorResult, Dialect, Executable

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
