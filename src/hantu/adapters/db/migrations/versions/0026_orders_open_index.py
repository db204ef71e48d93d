"""An index for the risk reads' open orders of an account, by side and status.

Before every exit (the sell check) and every buy (the exposure rule) the open orders of one
strategy account are read. With only the account's index that read scanned every order the
account ever placed, so an exit's latency grew with the account's history. The account's own
index goes: both this one and `idx_orders_account_created` lead with the account, and every
index is one more page written by each order's commit.

Revision ID: 0026_orders_open_index
Revises: 0025_pnl_daily
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0026_orders_open_index"
down_revision: str | None = "0025_pnl_daily"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["strategy_account_id", "side", "status", "symbol"]


def upgrade() -> None:
    op.create_index("idx_orders_account_side_status", "orders", COLUMNS)
    op.drop_index("ix_orders_strategy_account_id", table_name="orders")


def downgrade() -> None:
    op.create_index("ix_orders_strategy_account_id", "orders", ["strategy_account_id"])
    op.drop_index("idx_orders_account_side_status", table_name="orders")
