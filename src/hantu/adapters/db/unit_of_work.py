"""The SQLAlchemy unit of work: one connection and one transaction per use case."""

from __future__ import annotations

from typing import Self

from hantu.adapters.db.engine import Database
from hantu.adapters.db.event_log import append_events
from hantu.adapters.db.failed_orders_repository import SqlFailedOrderRepository
from hantu.adapters.db.order_history_repository import SqlOrderHistory
from hantu.adapters.db.outbox import SqlOutbox
from hantu.adapters.db.pnl_days_repository import SqlPnlDayStore
from hantu.adapters.db.positions_repository import SqlPositionRepository
from hantu.adapters.db.repositories import SqlFillRepository, SqlOrderRepository
from hantu.adapters.db.risk_reader import SqlRiskReader
from hantu.adapters.db.transaction import Transaction
from hantu.domain.events import Event
from hantu.service_layer.messagebus import EventBus
from hantu.service_layer.outbox import DurableEvents
from hantu.service_layer.ports import Clock


class SqlAlchemyUnitOfWork:
    """Commit writes changed aggregates, appends their events to the `events` table and
    writes the outbox entries they cause; once the commit returned, the events go to the bus.

    Leaving the block without `commit()` rolls back. A write unit of work on SQLite holds the
    process-wide write lock for its whole life, so concurrent writers queue instead of failing
    with "database is locked"; keep broker calls outside it.
    """

    orders: SqlOrderRepository
    fills: SqlFillRepository
    positions: SqlPositionRepository
    failed_orders: SqlFailedOrderRepository
    risk: SqlRiskReader
    outbox: SqlOutbox
    history: SqlOrderHistory
    pnl_days: SqlPnlDayStore

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        read_only: bool = False,
        bus: EventBus | None = None,
        durable: DurableEvents | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._bus = bus
        self._durable = durable
        self._transaction = Transaction(db, read_only=read_only)
        self._loose: list[Event] = []

    async def __aenter__(self) -> Self:
        connection = await self._transaction.enter()
        now = self._clock.now()
        lockable = not self._db.is_sqlite
        self.orders = SqlOrderRepository(connection, now, lockable=lockable)
        self.fills = SqlFillRepository(connection, now)
        self.positions = SqlPositionRepository(connection, now, lockable=lockable)
        self.failed_orders = SqlFailedOrderRepository(connection, lockable=lockable)
        self.risk = SqlRiskReader(connection)
        self.outbox = SqlOutbox(connection, now)
        self.history = SqlOrderHistory(connection)
        self.pnl_days = SqlPnlDayStore(connection, now)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._transaction.close()

    def record(self, event: Event) -> None:
        """Queue an event that belongs to no aggregate (risk, reconciliation, unknown fills)."""
        self._loose.append(event)

    async def commit(self) -> None:
        """Write every changed aggregate, the pending events and their outbox entries, commit,
        then publish exactly those events."""
        connection = self._transaction.connection
        pending = await self.orders.flush()
        await self.positions.flush()
        await self.failed_orders.flush()
        pending.extend(self._loose)
        self._loose = []
        now = self._clock.now()
        await append_events(connection, pending, now)
        durable = self._durable.messages_for(pending) if self._durable else []
        kinds = await self.outbox.flush(durable, now)
        await connection.commit()  # a later statement begins the next transaction by itself
        if kinds and self._durable is not None:
            self._durable.wake_all()
        if self._bus is not None:
            self._bus.publish(pending)


class SqlAlchemyUnitOfWorkFactory:
    """Makes a fresh unit of work per use case."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        bus: EventBus | None = None,
        durable: DurableEvents | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self.bus = bus or EventBus()
        self.durable = durable or DurableEvents()

    def __call__(self, *, read_only: bool = False) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(
            self._db, self._clock, read_only=read_only, bus=self.bus, durable=self.durable
        )
