"""A sell above the position: a per-strategy switch, and fills kept when they cannot apply.

`strategies.adopt_broker_holdings` (default off) lets a strategy sell shares the broker holds
but hantu did not buy, adopting them first. `fills.problem` keeps, in Korean, why a stored
fill could not be applied to its order or position, so the positions page can ask a human.

Revision ID: 0005_sell_policy
Revises: 0003_order_valued_price
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_sell_policy"
down_revision: str | None = "0004_broker_order_claim"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("strategies") as batch:
        batch.add_column(
            sa.Column(
                "adopt_broker_holdings", sa.Boolean, nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("fills") as batch:
        batch.add_column(sa.Column("problem", sa.String(500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fills") as batch:
        batch.drop_column("problem")
    with op.batch_alter_table("strategies") as batch:
        batch.drop_column("adopt_broker_holdings")
