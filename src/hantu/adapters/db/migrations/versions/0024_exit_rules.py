"""Exit rules per strategy and per position (`strategy_exit_rules`, `position_exit_rules`).

Revision ID: 0024_exit_rules
Revises: 0022_alert_followup
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hantu.adapters.db.types import UtcDateTime

revision: str = "0024_exit_rules"
down_revision: str | None = "0022_alert_followup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "strategy_exit_rules",
        sa.Column("strategy_id", sa.Integer, sa.ForeignKey("strategies.id"), primary_key=True),
        sa.Column("rules", sa.JSON, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "position_exit_rules",
        sa.Column(
            "strategy_account_id", sa.Integer, sa.ForeignKey("strategy_accounts.id"), nullable=False
        ),
        sa.Column("symbol", sa.String(12), nullable=False),
        sa.Column("rules", sa.JSON, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("strategy_account_id", "symbol", name="pk_position_exit_rules"),
    )


def downgrade() -> None:
    op.drop_table("position_exit_rules")
    op.drop_table("strategy_exit_rules")
