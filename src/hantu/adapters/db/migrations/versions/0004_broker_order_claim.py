"""Each broker order is claimed by at most one of our orders, enforced by a primary key.

KIS orders carry no client id, so an order without an answer is settled by its terms; two of
our orders could then take the same broker order. The key (broker account, trading day, KIS
order number) makes the second claim fail. Existing orders with a broker order number are
claimed here, oldest first; a number already claimed by an older order stays unclaimed.

Revision ID: 0004_broker_order_claim
Revises: 0003_order_valued_price
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from hantu.adapters.db.types import UtcDateTime

revision: str = "0004_broker_order_claim"
down_revision: str | None = "0003_order_valued_price"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEOUL = ZoneInfo("Asia/Seoul")


def upgrade() -> None:
    claims = op.create_table(
        "broker_order_claims",
        sa.Column("broker_account", sa.String(40), nullable=False),
        sa.Column("trading_day", sa.String(8), nullable=False),
        sa.Column("broker_order_id", sa.String(32), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("claimed_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint(
            "broker_account", "trading_day", "broker_order_id", name="pk_broker_order_claims"
        ),
        sa.UniqueConstraint("order_id", name="uq_broker_order_claims_order_id"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_broker_order_claims_order_id_orders"
        ),
    )
    _claim_existing(claims)


def _claim_existing(claims: sa.Table) -> None:
    # The account names the brokers directory gives: a stored broker account, or the one
    # broker configured in the settings ("default").
    rows = op.get_bind().execute(
        sa.text(
            "SELECT o.id, o.broker_order_id, o.created_at, sa.broker_account_id"
            " FROM orders o LEFT JOIN strategy_accounts sa ON sa.id = o.strategy_account_id"
            " WHERE o.broker_order_id IS NOT NULL ORDER BY o.created_at, o.id"
        ).columns(created_at=UtcDateTime)
    )
    seen: set[tuple[str, str, str]] = set()
    values = []
    for order_id, broker_order_id, created_at, broker_account_id in rows:
        account = "default" if broker_account_id is None else f"broker_account:{broker_account_id}"
        key = (account, created_at.astimezone(_SEOUL).strftime("%Y%m%d"), broker_order_id)
        if key not in seen:
            seen.add(key)
            values.append(
                {
                    "broker_account": key[0],
                    "trading_day": key[1],
                    "broker_order_id": key[2],
                    "order_id": order_id,
                    "claimed_at": created_at,
                }
            )
    if values:
        op.bulk_insert(claims, values)


def downgrade() -> None:
    op.drop_table("broker_order_claims")
