"""The `alerts` table: signals of ALERT-mode strategies waiting for approval, and what their
Telegram messages show (0021_alerts, 0022_alert_followup)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Table

from hantu.adapters.db.tables import metadata
from hantu.adapters.db.types import ExactDecimal, UtcDateTime

alerts = Table(
    "alerts",
    metadata,
    Column("id", String(40), primary_key=True),
    # The delivery's key: a repeated webhook finds its alert and creates nothing.
    Column("idempotency_key", String(200), nullable=True, unique=True),
    Column("user_id", Integer, nullable=False),
    Column("strategy_id", Integer, nullable=False),
    Column("strategy_account_ids", JSON, nullable=False),
    Column("symbol", String(12), nullable=False),
    Column("side", String(4), nullable=False),
    Column("order_type", String(10), nullable=False),
    Column("quantity", ExactDecimal, nullable=False),
    Column("limit_price", ExactDecimal, nullable=True),
    Column("price_at_creation", ExactDecimal, nullable=True),
    Column("tolerance_pct", ExactDecimal, nullable=False),
    Column("signal", JSON, nullable=False),
    Column("status", String(12), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("chat_id", BigInteger, nullable=True),
    Column("message_id", BigInteger, nullable=True),
    Column("decided_by", Integer, nullable=True),
    Column("decided_via", String(12), nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("order_id", String(40), nullable=True),
    Column("failure_reason", String(500), nullable=True),
    # 0022_alert_followup: what the messages show, so a restart edits the right ones.
    Column("second_message_id", BigInteger, nullable=True),  # asked again after a price move
    Column("fill_line", String(300), nullable=True),  # the latest fill line shown
    Column("followed_up_at", UtcDateTime, nullable=True),  # the fill follow-up was done
    Index("idx_alerts_user_status", "user_id", "status", "created_at"),
    Index("idx_alerts_status_expires", "status", "expires_at"),
    Index("idx_alerts_follow_up", "status", "followed_up_at", "decided_at"),
)
