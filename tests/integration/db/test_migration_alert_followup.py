"""0022_alert_followup on both backends: alerts decided before it count as followed up, so
the first sweep after the upgrade neither edits old messages nor asks about old orders."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, text

from hantu.adapters.db.engine import Database, downgrade, upgrade

INSERT = text(
    "INSERT INTO alerts (id, user_id, strategy_id, strategy_account_ids, symbol, side,"
    " order_type, quantity, tolerance_pct, signal, status, created_at, expires_at, decided_at,"
    " order_id) VALUES (:id, 1, 7, '[1]', '005930', 'BUY', 'LIMIT', '10', '1', '{}', :status,"
    " :at, :at, :decided, :order)"
)
AT = datetime(2026, 11, 20, 0, 30, tzinfo=UTC)


async def test_0022_marks_decided_alerts_followed_up_and_downgrades(
    empty_database_url: str,
) -> None:
    db = Database(empty_database_url)
    try:
        await upgrade(db, "0021_alerts")
        async with db.begin() as connection:
            await connection.execute(
                INSERT, {"id": "a1", "status": "EXECUTED", "at": AT, "decided": AT, "order": "o1"}
            )
            await connection.execute(
                INSERT, {"id": "a2", "status": "PENDING", "at": AT, "decided": None, "order": None}
            )
        await upgrade(db)
        async with db.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT id, followed_up_at IS NOT NULL, second_message_id, fill_line"
                        " FROM alerts ORDER BY id"
                    )
                )
            ).all()
        await downgrade(db, "0021_alerts")
        async with db.connect() as connection:
            columns = await connection.run_sync(lambda sync: inspect(sync).get_columns("alerts"))
            count = (await connection.execute(text("SELECT count(*) FROM alerts"))).scalar()
    finally:
        await db.dispose()

    assert [(r[0], bool(r[1]), r[2], r[3]) for r in rows] == [
        ("a1", True, None, None),
        ("a2", False, None, None),
    ]
    names = {column["name"] for column in columns}
    assert names.isdisjoint({"second_message_id", "fill_line", "followed_up_at"})
    assert count == 2
