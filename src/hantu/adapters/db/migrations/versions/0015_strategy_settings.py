"""Accounts and strategies that can be changed later: deactivated broker accounts, soft-deleted
strategies and each strategy's own risk limits.

`broker_accounts.deactivated_at`: set, no new order goes through the account (kept for
history). `strategies.deleted_at`: set, the strategy's webhook token stops working (history
kept). `strategies.daily_loss_limit`, `max_symbol_exposure`, `max_open_positions`: NULL means
"the environment's default" (HANTU_DAILY_LOSS_LIMIT and friends).

Revision ID: 0015_strategy_settings
Revises: 0014_symbol_names
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hantu.adapters.db.types import ExactDecimal, UtcDateTime

revision: str = "0015_strategy_settings"
down_revision: str | None = "0014_symbol_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("broker_accounts") as batch:
        batch.add_column(sa.Column("deactivated_at", UtcDateTime, nullable=True))
    with op.batch_alter_table("strategies") as batch:
        batch.add_column(sa.Column("deleted_at", UtcDateTime, nullable=True))
        batch.add_column(sa.Column("daily_loss_limit", ExactDecimal, nullable=True))
        batch.add_column(sa.Column("max_symbol_exposure", ExactDecimal, nullable=True))
        batch.add_column(sa.Column("max_open_positions", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("strategies") as batch:
        batch.drop_column("max_open_positions")
        batch.drop_column("max_symbol_exposure")
        batch.drop_column("daily_loss_limit")
        batch.drop_column("deleted_at")
    with op.batch_alter_table("broker_accounts") as batch:
        batch.drop_column("deactivated_at")
