"""Per-user notification preferences: on, silent or off for each event kind.

Revision ID: 0012_notification_prefs
Revises: 0011_telegram
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_notification_prefs"
down_revision: str | None = "0011_telegram"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_prefs",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("event_kind", sa.String(32), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "event_kind", name="pk_notification_prefs"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_notification_prefs_user_id_users"
        ),
    )


def downgrade() -> None:
    op.drop_table("notification_prefs")
