"""The alert store over the `alerts` table; every state change is one conditional UPDATE."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from hantu.adapters.db.engine import Database
from hantu.adapters.db.tables_alerts import alerts
from hantu.domain.alerts import TERMINAL, Alert, AlertId, AlertStatus
from hantu.domain.enums import OrderType, Side


def _json_safe(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _row_of(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "idempotency_key": alert.idempotency_key,
        "user_id": alert.user_id,
        "strategy_id": alert.strategy_id,
        "strategy_account_ids": list(alert.strategy_account_ids),
        "symbol": alert.symbol,
        "side": alert.side.value,
        "order_type": alert.order_type.value,
        "quantity": alert.quantity,
        "limit_price": alert.limit_price,
        "price_at_creation": alert.price_at_creation,
        "tolerance_pct": alert.tolerance_pct,
        "signal": _json_safe(alert.signal),
        "status": alert.status.value,
        "created_at": alert.created_at,
        "expires_at": alert.expires_at,
        "chat_id": alert.chat_id,
        "message_id": alert.message_id,
        "decided_by": alert.decided_by,
        "decided_via": alert.decided_via,
        "decided_at": alert.decided_at,
        "order_id": alert.order_id,
        "failure_reason": alert.failure_reason,
        "second_message_id": alert.second_message_id,
        "fill_line": alert.fill_line,
        "followed_up_at": alert.followed_up_at,
    }


def _alert_of(row: Any) -> Alert:
    m = row._mapping
    return Alert(
        id=AlertId(m["id"]),
        user_id=m["user_id"],
        strategy_id=m["strategy_id"],
        strategy_account_ids=tuple(int(a) for a in m["strategy_account_ids"]),
        symbol=m["symbol"],
        side=Side(m["side"]),
        quantity=m["quantity"],
        price_at_creation=m["price_at_creation"],
        order_type=OrderType(m["order_type"]),
        limit_price=m["limit_price"],
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        status=AlertStatus(m["status"]),
        idempotency_key=m["idempotency_key"],
        signal=dict(m["signal"]),
        chat_id=m["chat_id"],
        message_id=m["message_id"],
        decided_by=m["decided_by"],
        decided_via=m["decided_via"],
        decided_at=m["decided_at"],
        order_id=m["order_id"],
        failure_reason=m["failure_reason"],
        tolerance_pct=m["tolerance_pct"],
        second_message_id=m["second_message_id"],
        fill_line=m["fill_line"],
        followed_up_at=m["followed_up_at"],
    )


class SqlAlertStore:
    """`AlertStore` on SQLite or PostgreSQL."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, alert: Alert) -> tuple[Alert, bool]:
        try:
            async with self._db.begin() as conn:
                await conn.execute(insert(alerts).values(**_row_of(alert)))
            return alert, True
        except IntegrityError:
            async with self._db.connect() as conn:
                row = (
                    await conn.execute(
                        select(alerts).where(alerts.c.idempotency_key == alert.idempotency_key)
                    )
                ).one()
            return _alert_of(row), False

    async def get(self, alert_id: AlertId) -> Alert | None:
        async with self._db.connect() as conn:
            row = (await conn.execute(select(alerts).where(alerts.c.id == alert_id))).first()
        return _alert_of(row) if row is not None else None

    async def claim(
        self, alert_id: AlertId, user_id: int, now: datetime, order_id: str | None = None
    ) -> Alert | None:
        async with self._db.begin() as conn:
            done = await conn.execute(
                update(alerts)
                .where(
                    and_(
                        alerts.c.id == alert_id,
                        alerts.c.user_id == user_id,
                        alerts.c.status == AlertStatus.PENDING.value,
                        alerts.c.expires_at > now,
                    )
                )
                .values(status=AlertStatus.APPROVING.value, order_id=order_id)
            )
            if done.rowcount != 1:
                return None
            row = (await conn.execute(select(alerts).where(alerts.c.id == alert_id))).one()
        return _alert_of(row)

    async def decide(self, alert_id: AlertId, source: AlertStatus, alert: Alert) -> Alert | None:
        values = {
            "status": alert.status.value,
            "decided_by": alert.decided_by,
            "decided_via": alert.decided_via,
            "decided_at": alert.decided_at,
            "order_id": alert.order_id,
            "failure_reason": alert.failure_reason,
        }
        async with self._db.begin() as conn:
            done = await conn.execute(
                update(alerts)
                .where(and_(alerts.c.id == alert_id, alerts.c.status == source.value))
                .values(**values)
            )
            if done.rowcount != 1:
                return None
            row = (await conn.execute(select(alerts).where(alerts.c.id == alert_id))).one()
        return _alert_of(row)

    async def due(self, now: datetime) -> list[Alert]:
        async with self._db.connect() as conn:
            rows = await conn.execute(
                select(alerts).where(
                    and_(alerts.c.status == AlertStatus.PENDING.value, alerts.c.expires_at <= now)
                )
            )
            return [_alert_of(r) for r in rows]

    async def pending_for(self, user_id: int) -> list[Alert]:
        async with self._db.connect() as conn:
            rows = await conn.execute(
                select(alerts)
                .where(
                    and_(alerts.c.user_id == user_id, alerts.c.status == AlertStatus.PENDING.value)
                )
                .order_by(alerts.c.created_at.desc(), alerts.c.id)
            )
            return [_alert_of(r) for r in rows]

    async def decided_for(self, user_id: int, limit: int) -> list[Alert]:
        async with self._db.connect() as conn:
            rows = await conn.execute(
                select(alerts)
                .where(
                    and_(
                        alerts.c.user_id == user_id,
                        alerts.c.status.in_([s.value for s in TERMINAL]),
                    )
                )
                .order_by(alerts.c.created_at.desc(), alerts.c.id)
                .limit(limit)
            )
            return [_alert_of(r) for r in rows]

    async def set_message(self, alert_id: AlertId, chat_id: int, message_id: int) -> None:
        async with self._db.begin() as conn:
            await conn.execute(
                update(alerts)
                .where(alerts.c.id == alert_id)
                .values(chat_id=chat_id, message_id=message_id)
            )

    async def set_second_message(self, alert_id: AlertId, message_id: int) -> int | None:
        async with self._db.begin() as conn:
            previous = (
                await conn.execute(
                    select(alerts.c.second_message_id).where(alerts.c.id == alert_id)
                )
            ).scalar()
            await conn.execute(
                update(alerts).where(alerts.c.id == alert_id).values(second_message_id=message_id)
            )
        return None if previous is None else int(previous)

    async def pop_second_message(self, alert_id: AlertId) -> int | None:
        async with self._db.begin() as conn:
            found = (
                await conn.execute(
                    select(alerts.c.second_message_id).where(alerts.c.id == alert_id)
                )
            ).scalar()
            if found is None:
                return None
            done = await conn.execute(
                update(alerts)
                .where(and_(alerts.c.id == alert_id, alerts.c.second_message_id == found))
                .values(second_message_id=None)
            )
        return int(found) if done.rowcount == 1 else None

    async def set_fill_line(self, alert_id: AlertId, line: str) -> bool:
        async with self._db.begin() as conn:
            done = await conn.execute(
                update(alerts)
                .where(
                    and_(
                        alerts.c.id == alert_id,
                        or_(alerts.c.fill_line.is_(None), alerts.c.fill_line != line),
                    )
                )
                .values(fill_line=line)
            )
        return done.rowcount == 1

    async def awaiting_follow_up(self, decided_before: datetime, since: datetime) -> list[Alert]:
        async with self._db.connect() as conn:
            rows = await conn.execute(
                select(alerts)
                .where(
                    and_(
                        alerts.c.status == AlertStatus.EXECUTED.value,
                        alerts.c.followed_up_at.is_(None),
                        alerts.c.order_id.is_not(None),
                        alerts.c.decided_at <= decided_before,
                        alerts.c.decided_at > since,
                    )
                )
                .order_by(alerts.c.decided_at, alerts.c.id)
            )
            return [_alert_of(r) for r in rows]

    async def mark_followed_up(self, alert_id: AlertId, now: datetime) -> bool:
        async with self._db.begin() as conn:
            done = await conn.execute(
                update(alerts)
                .where(and_(alerts.c.id == alert_id, alerts.c.followed_up_at.is_(None)))
                .values(followed_up_at=now)
            )
        return done.rowcount == 1

    async def by_order(self, order_id: str) -> Alert | None:
        async with self._db.connect() as conn:
            row = (await conn.execute(select(alerts).where(alerts.c.order_id == order_id))).first()
        return _alert_of(row) if row is not None else None
