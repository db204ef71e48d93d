"""One connection and one transaction for the life of a unit of work.

Both units of work (the order pipeline's and the accounts') open their transaction here, so
the SQLite write-lock discipline lives in one place: a writer holds the database's
process-wide write lock from begin to end, and concurrent writers queue instead of meeting
"database is locked". Another *process* holding SQLite's write lock (the CLI, say) is waited
for in asyncio sleeps, so the event loop never stalls behind it.
"""

from __future__ import annotations

from hantu.adapters.db.connection import SqlConnection
from hantu.adapters.db.engine import Database


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
            self._connection = await self._db.open(read_only=self._read_only)
        except BaseException:
            await self.close()
            raise
        return self._connection

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
