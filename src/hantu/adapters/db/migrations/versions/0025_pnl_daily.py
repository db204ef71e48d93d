"""Stored PnL days: `pnl_scopes`, `pnl_books`, `pnl_days` (see `tables_pnl`).

Revision ID: 0025_pnl_daily
Revises: 0024_exit_rules
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hantu.adapters.db.types import ExactDecimal, UtcDateTime

revision: str = "0025_pnl_daily"
down_revision: str | None = "0024_exit_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key() -> list[sa.Column[object]]:
    return [
        sa.Column("scope", sa.String(400), primary_key=True),
        sa.Column("strategy_id", sa.Integer, primary_key=True),
        sa.Column("broker_account_id", sa.Integer, primary_key=True),
    ]


def upgrade() -> None:
    op.create_table(
        "pnl_scopes",
        sa.Column("scope", sa.String(400), primary_key=True),
        sa.Column("folded_through", sa.Date, nullable=False),
        sa.Column("fill_count", sa.BigInteger, nullable=False),
        sa.Column("fill_max_id", sa.BigInteger, nullable=False),
        sa.Column("prices", sa.Text, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "pnl_books",
        *_key(),
        sa.Column("symbol", sa.String(12), primary_key=True),
        sa.Column("quantity", ExactDecimal, nullable=False),
        sa.Column("average_price", ExactDecimal, nullable=False),
        sa.Column("opened_at", UtcDateTime, nullable=True),
        sa.Column("trip_pnl", ExactDecimal, nullable=False),
        sa.Column("trip_cash", ExactDecimal, nullable=False),
    )
    op.create_table(
        "pnl_days",
        *_key(),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("fills", sa.Integer, nullable=False),
        sa.Column("realized", ExactDecimal, nullable=False),
        sa.Column("fees", ExactDecimal, nullable=False),
        sa.Column("unmatched", ExactDecimal, nullable=False),
        sa.Column("trades", sa.Integer, nullable=False),
        sa.Column("wins", sa.Integer, nullable=False),
        sa.Column("losses", sa.Integer, nullable=False),
        sa.Column("gross_profit", ExactDecimal, nullable=False),
        sa.Column("gross_loss", ExactDecimal, nullable=False),
        sa.Column("unrealized", ExactDecimal, nullable=False),
        sa.Column("marks", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("pnl_days")
    op.drop_table("pnl_books")
    op.drop_table("pnl_scopes")
