"""Orders remember the price an open market buy is valued at for the exposure limit.

A market buy has no price of its own; KIS reserves its cash at the day's upper price limit,
and so does our exposure rule. Stored with the order, that value lets later buys count it
while it is still open.

Revision ID: 0003_order_valued_price
Revises: 0002_accounts
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hantu.adapters.db.types import ExactDecimal

revision: str = "0003_order_valued_price"
down_revision: str | None = "0002_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("valued_price", ExactDecimal, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("valued_price")
