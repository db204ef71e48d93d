"""The SQLAlchemy unit of work: one connection and one transaction per use case."""

from __future__ import annotations

from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection

from hantu.adapters.db.engine import Database
from hantu.adapters.db.event_log import append_events
from hantu.adapters.db.failed_orders_repository import SqlFailedOrderRepository
from hantu.adapters.db.positions_repository import SqlPositionRepository
from hantu.adapters.db.repositories import SqlFillRepository, SqlOrderRepository
from hantu.adapters.db.risk_reader import SqlRiskReader
from hantu.domain.events import Event
from hantu.service_layer.ports import Clock


class SqlAlchemyUnitOfWork:
    """Commit writes changed aggregates and appends their events to the `events` table.

    Leaving the block without `commit()` rolls back. A write unit of work on SQLite holds the
    process-wide write lock for its whole life, so concurrent writers queue instead of failing
    with "database is locked"; keep broker calls outside it.
    """

    orders: SqlOrderRepository
    fills: SqlFillRepository
    positions: SqlPositionRepository
    failed_orders: SqlFailedOrderRepository
    risk: SqlRiskReader

    def __init__(self, db: Database, clock: Clock, *, read_only: bool = False) -> None:
        self._db = db
        self._clock = clock
        self._read_only = read_only
        self._connection: AsyncConnection | None = None
        self._locked = False
        self._loose: list[Event] = []

    async def __aenter__(self) -> Self:
        lock = None if self._read_only else self._db.write_lock
        if lock is not None:
            await lock.acquire()
            self._locked = True
        try:
            engine = self._db.reader if self._read_only else self._db.engine
            self._connection = await engine.connect()
            await self._connection.begin()
        except BaseException:
            await self._release()
            raise
        now = self._clock.now()
        lockable = not self._db.is_sqlite
        self.orders = SqlOrderRepository(self._connection, lockable=lockable)
        self.fills = SqlFillRepository(self._connection, now)
        self.positions = SqlPositionRepository(self._connection, now, lockable=lockable)
        self.failed_orders = SqlFailedOrderRepository(self._connection, lockable=lockable)
        self.risk = SqlRiskReader(self._connection)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._release()

    def record(self, event: Event) -> None:
        """Queue an event that belongs to no aggregate (risk, reconciliation, unknown fills)."""
        self._loose.append(event)

    async def commit(self) -> None:
        """Write every changed aggregate and the pending events, then commit."""
        connection = self._require()
        pending = await self.orders.flush()
        await self.positions.flush()
        await self.failed_orders.flush()
        pending.extend(self._loose)
        self._loose = []
        await append_events(connection, pending, self._clock.now())
        await connection.commit()  # a later statement begins the next transaction by itself

    async def rollback(self) -> None:
        """Drop everything written since the last commit."""
        connection = self._require()
        await connection.rollback()
        self._loose = []

    def _require(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._connection

    async def _release(self) -> None:
        try:
            if self._connection is not None:
                await self._connection.close()  # rolls back anything uncommitted
                self._connection = None
        finally:
            if self._locked and self._db.write_lock is not None:
                self._locked = False
                self._db.write_lock.release()


class SqlAlchemyUnitOfWorkFactory:
    """Makes a fresh unit of work per use case."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def __call__(self, *, read_only: bool = False) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self._db, self._clock, read_only=read_only)
