"""Indexes for the order history: newest first overall and per strategy account, and the
failed order an order was kept as.

Revision ID: 0016_order_history
Revises: 0015_strategy_settings
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016_order_history"
down_revision: str | None = "0015_strategy_settings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("idx_orders_created", "orders", ["created_at", "id"])
    op.create_index(
        "idx_orders_account_created", "orders", ["strategy_account_id", "created_at", "id"]
    )
    op.create_index("ix_failed_orders_order_id", "failed_orders", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_failed_orders_order_id", table_name="failed_orders")
    op.drop_index("idx_orders_account_created", table_name="orders")
    op.drop_index("idx_orders_created", table_name="orders")
