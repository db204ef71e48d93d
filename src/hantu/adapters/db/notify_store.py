"""What notifications read from storage: an order's owner and figures, preferences, and the
`notify` entries the relay gave up on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ScalarSelect, Select, Table, delete, func, insert, literal, select
from sqlalchemy.exc import IntegrityError

from hantu.adapters.db import tables as t
from hantu.adapters.db.engine import Database
from hantu.adapters.db.outbox import DEAD
from hantu.adapters.db.tables_accounts import notification_prefs, strategies, strategy_accounts
from hantu.domain.notifications import EventKind, Preference
from hantu.service_layer.notify_delivery import DeadNotification, NotifyContext
from hantu.service_layer.notify_rules import NOTIFY

_p = notification_prefs.c


def _owner_of(table: Table) -> ScalarSelect[Any]:
    return (
        select(strategies.c.user_id)
        .join(strategy_accounts, strategy_accounts.c.strategy_id == strategies.c.id)
        .where(strategy_accounts.c.id == table.c.strategy_account_id)
        .scalar_subquery()
    )


class SqlNotifyStore:
    """The `NotifyStore` port on the shared database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def order_context(self, order_id: str) -> NotifyContext | None:
        o, f = t.orders.c, t.failed_orders.c
        failed = select(f.id).where(f.order_id == o.id).limit(1).scalar_subquery()
        query = select(
            _owner_of(t.orders).label("user_id"), o.symbol, o.side, o.quantity, failed, o.source
        ).where(o.id == order_id)
        return await self._context(query)

    async def failed_order_context(self, failed_order_id: int) -> NotifyContext | None:
        f = t.failed_orders.c
        query = select(
            _owner_of(t.failed_orders).label("user_id"),
            f.symbol,
            f.side,
            f.quantity,
            f.id,
            literal(""),
        ).where(f.id == failed_order_id)
        return await self._context(query)

    async def _context(self, query: Select[Any]) -> NotifyContext | None:
        async with self._db.connect() as connection:
            row = (await connection.execute(query)).first()
        if row is None or row[0] is None:
            return None
        user_id, symbol, side, quantity, failed_id, source = row
        return NotifyContext(int(user_id), symbol, side, Decimal(quantity), failed_id, source)

    async def preferences(self, user_id: int) -> Mapping[EventKind, Preference]:
        query = select(_p.event_kind, _p.mode).where(_p.user_id == user_id)
        async with self._db.connect() as connection:
            rows = (await connection.execute(query)).all()
        known = {kind.value for kind in EventKind}
        return {EventKind(k): Preference(m) for k, m in rows if k in known}

    async def set_preference(self, user_id: int, kind: EventKind, mode: Preference) -> None:
        async with self._db.begin() as connection:
            await connection.execute(
                delete(notification_prefs).where(_p.user_id == user_id, _p.event_kind == kind)
            )
            await connection.execute(
                insert(notification_prefs).values(user_id=user_id, event_kind=kind, mode=mode)
            )

    async def open_position_count(self) -> int:
        held = t.positions.c.quantity > Decimal(0)
        query = select(func.count()).select_from(t.positions).where(held)
        async with self._db.connect() as connection:
            return int((await connection.execute(query)).scalar_one())

    async def dead(self, limit: int) -> Sequence[DeadNotification]:
        o = t.outbox.c
        query = (
            select(o.id, o.payload, o.last_error, o.created_at)
            .where(o.kind == NOTIFY, o.state == DEAD)
            .order_by(o.id.desc())
            .limit(limit)
        )
        async with self._db.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [DeadNotification(r.id, r.payload, r.last_error, r.created_at) for r in rows]

    async def was_sent(self, dedupe_key: str) -> bool:
        query = select(t.notify_sent.c.dedupe_key).where(t.notify_sent.c.dedupe_key == dedupe_key)
        async with self._db.connect() as connection:
            return (await connection.execute(query)).first() is not None

    async def mark_sent(self, dedupe_key: str, now: datetime) -> None:
        try:
            async with self._db.begin() as connection:
                await connection.execute(
                    insert(t.notify_sent).values(dedupe_key=dedupe_key, sent_at=now)
                )
        except IntegrityError:  # already marked by an earlier (redelivered) send
            pass

    async def purge_sent(self, before: datetime) -> int:
        """Forget keys sent before `before` (an outbox entry is not redelivered that late)."""
        query = delete(t.notify_sent).where(t.notify_sent.c.sent_at < before)
        async with self._db.begin() as connection:
            return int((await connection.execute(query)).rowcount)
