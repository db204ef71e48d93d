"""Alerts keep what their Telegram messages show across restarts: the question asked again
after a price move, the latest fill line, and when the fill follow-up was done.

Alerts decided before this revision count as followed up (at their decision), so the first
sweep after the upgrade does not edit old messages nor ask the broker about old orders.

Revision ID: 0022_alert_followup
Revises: 0021_alerts
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hantu.adapters.db.types import UtcDateTime

revision: str = "0022_alert_followup"
down_revision: str | None = "0021_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("second_message_id", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("fill_line", sa.String(300), nullable=True))
        batch.add_column(sa.Column("followed_up_at", UtcDateTime, nullable=True))
    op.execute(
        "UPDATE alerts SET followed_up_at = decided_at"
        " WHERE decided_at IS NOT NULL AND followed_up_at IS NULL"
    )
    op.create_index("idx_alerts_follow_up", "alerts", ["status", "followed_up_at", "decided_at"])


def downgrade() -> None:
    op.drop_index("idx_alerts_follow_up", table_name="alerts")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("followed_up_at")
        batch.drop_column("fill_line")
        batch.drop_column("second_message_id")
