"""The outbox table: written inside a unit of work, claimed and settled by the relay.

A claim is a lease: the claiming transaction bumps `attempts` and moves `available_at` to
the end of the lease, so the entry stays hidden from every relay while it is delivered, and
comes back by itself if the relay dies. On PostgreSQL the claim reads with `FOR UPDATE SKIP
LOCKED`, so concurrent relays take disjoint entries without waiting on each other; SQLite
serialises writers anyway (one process).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text, true, update

from hantu.adapters.db import tables as t
from hantu.adapters.db.connection import SqlConnection
from hantu.adapters.db.engine import Database
from hantu.adapters.db.event_log import jsonable
from hantu.adapters.db.types import insert_ignoring_conflicts
from hantu.service_layer.outbox import OutboxEntry, OutboxMessage

CHANNEL = "hantu_outbox"  # NOTIFY payload: the kind of the entries just committed

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"

_INSERT = insert_ignoring_conflicts(t.outbox)
_NOTIFY = text("SELECT pg_notify(:channel, :kind)")
_o = t.outbox.c


class SqlOutbox:
    """`uow.outbox`: entries added during a use case are written by its commit."""

    def __init__(self, connection: SqlConnection, now: datetime) -> None:
        self._connection = connection
        self._now = now
        self._added: list[OutboxMessage] = []

    def add(self, kind: str, dedupe_key: str, payload: Mapping[str, Any]) -> None:
        """Write an entry with this commit; an entry with the same dedupe key wins."""
        self._added.append(OutboxMessage(kind, dedupe_key, payload))

    async def flush(self, derived: Sequence[OutboxMessage], now: datetime) -> set[str]:
        """Insert the added and derived entries; return their kinds (notified on PostgreSQL,
        so the NOTIFY fires exactly when this transaction commits)."""
        messages = [*self._added, *derived]
        self._added = []
        if not messages:
            return set()
        await self._connection.execute(
            _INSERT[self._connection.dialect.name], [_row(m, now) for m in messages]
        )
        kinds = {m.kind for m in messages}
        if self._connection.dialect.name == "postgresql":
            for kind in sorted(kinds):
                await self._connection.execute(_NOTIFY, {"channel": CHANNEL, "kind": kind})
        return kinds


def _row(message: OutboxMessage, now: datetime) -> dict[str, Any]:
    return {
        "kind": message.kind,
        "dedupe_key": message.dedupe_key,
        "payload": jsonable(message.payload),
        "state": PENDING,
        "attempts": 0,
        "created_at": now,
        "available_at": now,
    }


class SqlOutboxStore:
    """The relay's side: claim due entries, then mark each delivered or failed."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(
        self,
        kinds: Sequence[str],
        now: datetime,
        lease_until: datetime,
        limit: int,
        *,
        exclude: Collection[int] = (),
    ) -> list[OutboxEntry]:
        due = (
            select(_o.id, _o.kind, _o.dedupe_key, _o.payload, _o.attempts, _o.created_at)
            .where(_o.state == PENDING, _o.kind.in_(kinds), _o.available_at <= now)
            .where(_o.id.not_in(list(exclude)) if exclude else true())
            .order_by(_o.available_at, _o.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with self._db.begin() as connection:
            rows = (await connection.execute(due)).all()
            if rows:
                await connection.execute(
                    update(t.outbox)
                    .where(_o.id.in_([row.id for row in rows]))
                    .values(attempts=_o.attempts + 1, available_at=lease_until)
                )
        return [
            OutboxEntry(
                id=row.id,
                kind=row.kind,
                dedupe_key=row.dedupe_key,
                payload=row.payload,
                attempts=row.attempts + 1,
                created_at=row.created_at,
            )
            for row in rows
        ]

    async def delivered(self, entry: OutboxEntry, now: datetime) -> None:
        async with self._db.begin() as connection:
            await connection.execute(
                update(t.outbox).where(_o.id == entry.id).values(state=DELIVERED, delivered_at=now)
            )

    async def failed(self, entry: OutboxEntry, error: str, retry_at: datetime | None) -> None:
        values: dict[str, Any] = {"last_error": error}
        if retry_at is None:
            values["state"] = DEAD
        else:
            values["available_at"] = retry_at
        async with self._db.begin() as connection:
            # Only while our lease holds: a relay that took the entry over since owns it now.
            await connection.execute(
                update(t.outbox)
                .where(_o.id == entry.id, _o.attempts == entry.attempts, _o.state == PENDING)
                .values(**values)
            )

    async def release(self, entries: Sequence[OutboxEntry], now: datetime) -> None:
        async with self._db.begin() as connection:
            for entry in entries:
                await connection.execute(
                    update(t.outbox)
                    .where(_o.id == entry.id, _o.attempts == entry.attempts, _o.state == PENDING)
                    .values(attempts=entry.attempts - 1, available_at=now)
                )

    async def counts(self) -> dict[str, int]:
        """Entries per state, for health and metrics: a growing `dead` needs a person."""
        query = select(_o.state, func.count()).group_by(_o.state)
        async with self._db.connect() as connection:
            return {state: int(n) for state, n in (await connection.execute(query)).all()}

    async def purge_delivered(self, before: datetime) -> int:
        """Delete entries delivered before `before`; dead ones stay for a person to see."""
        query = delete(t.outbox).where(_o.state == DELIVERED, _o.delivered_at < before)
        async with self._db.begin() as connection:
            return (await connection.execute(query)).rowcount
