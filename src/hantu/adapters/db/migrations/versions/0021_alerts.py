"""ALERT mode: per-strategy mode, expiry and price tolerance, and the `alerts` table.

Revision ID: 0021_alerts
Revises: 0018_failed_order_history
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hantu.adapters.db.types import ExactDecimal, UtcDateTime

revision: str = "0021_alerts"
down_revision: str | None = "0018_failed_order_history"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("strategies") as batch:
        batch.add_column(sa.Column("mode", sa.String(8), nullable=False, server_default="AUTO"))
        batch.add_column(
            sa.Column("alert_expiry_minutes", sa.Integer, nullable=False, server_default="5")
        )
        batch.add_column(
            sa.Column("alert_tolerance_pct", ExactDecimal, nullable=False, server_default="1")
        )
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("strategy_id", sa.Integer, nullable=False),
        sa.Column("strategy_account_ids", sa.JSON, nullable=False),
        sa.Column("symbol", sa.String(12), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("order_type", sa.String(10), nullable=False),
        sa.Column("quantity", ExactDecimal, nullable=False),
        sa.Column("limit_price", ExactDecimal, nullable=True),
        sa.Column("price_at_creation", ExactDecimal, nullable=True),
        sa.Column("tolerance_pct", ExactDecimal, nullable=False),
        sa.Column("signal", sa.JSON, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("chat_id", sa.BigInteger, nullable=True),
        sa.Column("message_id", sa.BigInteger, nullable=True),
        sa.Column("decided_by", sa.Integer, nullable=True),
        sa.Column("decided_via", sa.String(12), nullable=True),
        sa.Column("decided_at", UtcDateTime, nullable=True),
        sa.Column("order_id", sa.String(40), nullable=True),
        sa.Column("failure_reason", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("idempotency_key", name="uq_alerts_idempotency_key"),
    )
    op.create_index("idx_alerts_user_status", "alerts", ["user_id", "status", "created_at"])
    op.create_index("idx_alerts_status_expires", "alerts", ["status", "expires_at"])


def downgrade() -> None:
    op.drop_index("idx_alerts_status_expires", table_name="alerts")
    op.drop_index("idx_alerts_user_status", table_name="alerts")
    op.drop_table("alerts")
    with op.batch_alter_table("strategies") as batch:
        batch.drop_column("alert_tolerance_pct")
        batch.drop_column("alert_expiry_minutes")
        batch.drop_column("mode")
