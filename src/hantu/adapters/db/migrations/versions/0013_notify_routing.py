"""The dedupe keys of notifications already sent, so a redelivery after a restart is a no-op.

Revision ID: 0013_notify_routing
Revises: 0012_notification_prefs
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hantu.adapters.db.types import UtcDateTime

revision: str = "0013_notify_routing"
down_revision: str | None = "0012_notification_prefs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notify_sent",
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("sent_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("dedupe_key", name="pk_notify_sent"),
    )
    op.create_index("idx_notify_sent_at", "notify_sent", ["sent_at"])


def downgrade() -> None:
    op.drop_index("idx_notify_sent_at", table_name="notify_sent")
    op.drop_table("notify_sent")
