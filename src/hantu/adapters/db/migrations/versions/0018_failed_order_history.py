"""Failed orders by account and creation time: the date-range list, CSV and statistics.

Revision ID: 0018_failed_order_history
Revises: 0016_order_history
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0018_failed_order_history"
down_revision: str | None = "0016_order_history"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "idx_failed_account_created", "failed_orders", ["strategy_account_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("idx_failed_account_created", table_name="failed_orders")
