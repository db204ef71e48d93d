"""One connection and one transaction for the life of a unit of work.

Both units of work (the order pipeline's and the accounts') open their transaction here, so
the SQLite write-lock discipline lives in one place: a writer holds the database's
process-wide write lock from begin to end, and concurrent writers queue instead of meeting
"database is locked". Another *process* holding SQLite's write lock (the CLI, say) is waited
for in asyncio sleeps, so the event loop never stalls behind it.
"""

from __future__ import annotations

import asyncio
import sqlite3

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from hantu.adapters.db.connection import SqlConnection, SyncBackedConnection
from hantu.adapters.db.engine import Database, is_busy

_FIRST_PAUSE, _LONGEST_PAUSE = 0.005, 0.1


class Transaction:
    """Opens on `enter`, rolls back anything uncommitted on `close`."""

    def __init__(self, db: Database, *, read_only: bool) -> None:
        self._db = db
        self._read_only = read_only
        self._connection: SqlConnection | None = None
        self._locked = False

    async def enter(self) -> SqlConnection:
        lock = None if self._read_only else self._db.write_lock
        if lock is not None:
            await lock.acquire()
            self._locked = True
        try:
            inline = self._db.inline_reader if self._read_only else self._db.inline
            if inline is not None:
                self._connection = await self._begin_inline(inline)
            else:
                engine = self._db.reader if self._read_only else self._db.engine
                self._connection = await engine.connect()
                await self._connection.begin()
        except BaseException:
            await self.close()
            raise
        return self._connection

    async def _begin_inline(self, engine: Engine) -> SqlConnection:
        """Begin on SQLite; while another process holds the write lock, wait in asyncio
        sleeps (SQLite's own busy wait, kept short, would block the whole loop)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._db.busy_seconds
        pause = _FIRST_PAUSE
        while True:
            last_try = loop.time() + pause > deadline
            connection = await _try_begin(engine, give_up=last_try)
            if connection is not None:
                return connection
            await asyncio.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)

    @property
    def connection(self) -> SqlConnection:
        if self._connection is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._connection

    async def close(self) -> None:
        try:
            if self._connection is not None:
                await self._connection.close()  # rolls back anything uncommitted
                self._connection = None
        finally:
            if self._locked and self._db.write_lock is not None:
                self._locked = False
                self._db.write_lock.release()


async def _try_begin(engine: Engine, *, give_up: bool) -> SqlConnection | None:
    """A connection in a new transaction, or None while the database is locked elsewhere
    (unless this is the last try: then "database is locked" is raised)."""
    connection = None
    try:
        connection = SyncBackedConnection(engine.connect())  # a new one runs its PRAGMAs
        await connection.begin()
        return connection
    except (sqlite3.OperationalError, OperationalError) as exc:
        if connection is not None:
            await connection.close()
        if give_up or not is_busy(exc):
            raise
        return None
