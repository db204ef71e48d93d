"""Fills remember the broker account they came from, so a KIS order number finds its order.

KIS order numbers (ODNO) are unique only per broker account and trading day: a fill is
matched to an order through the claims of 0004 (account, day, number), never by the number
alone. Existing fills take their order's account; an orphan fill (no order yet) takes the
one broker account the claims know, or "unknown" when there are several (never adopted: the
broker's order list brings such a fill in by the sync instead).

Revision ID: 0008_fill_broker_account
Revises: 0005_sell_policy
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_fill_broker_account"
down_revision: str | None = "0006_web_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The account names the brokers directory gives (as in 0004).
_SET_ORDER_ACCOUNT = (
    "UPDATE fills SET broker_account = (SELECT coalesce("
    "(SELECT c.broker_account FROM broker_order_claims c WHERE c.order_id = fills.order_id),"
    " (SELECT 'broker_account:' || CAST(sa.broker_account_id AS VARCHAR(20))"
    " FROM orders o JOIN strategy_accounts sa ON sa.id = o.strategy_account_id"
    " WHERE o.id = fills.order_id AND sa.broker_account_id IS NOT NULL), 'default'))"
    " WHERE order_id IS NOT NULL"
)


def upgrade() -> None:
    with op.batch_alter_table("fills") as batch:
        batch.add_column(sa.Column("broker_account", sa.String(40), nullable=True))
    bind = op.get_bind()
    bind.execute(sa.text(_SET_ORDER_ACCOUNT))
    names = bind.execute(sa.text("SELECT DISTINCT broker_account FROM broker_order_claims"))
    known = [name for (name,) in names]
    orphan_account = known[0] if len(known) == 1 else "default" if not known else "unknown"
    bind.execute(
        sa.text("UPDATE fills SET broker_account = :name WHERE order_id IS NULL"),
        {"name": orphan_account},
    )
    with op.batch_alter_table("fills") as batch:
        batch.alter_column("broker_account", existing_type=sa.String(40), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("fills") as batch:
        batch.drop_column("broker_account")
