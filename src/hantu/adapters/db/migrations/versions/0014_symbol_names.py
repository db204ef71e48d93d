"""Symbol names looked up from the broker (삼성전자 for 005930), cached for every page.

Revision ID: 0014_symbol_names
Revises: 0013_notify_routing
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_symbol_names"
down_revision: str | None = "0013_notify_routing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "symbol_names",
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_symbol_names"),
    )


def downgrade() -> None:
    op.drop_table("symbol_names")
