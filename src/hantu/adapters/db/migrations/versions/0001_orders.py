"""Orders, fills, positions, failed orders and the event log.

Revision ID: 0001_orders
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hantu.adapters.db.types import ExactDecimal, UtcDateTime

revision: str = "0001_orders"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    _orders()
    _fills()
    _positions()
    _failed_orders()
    _events()


def _orders() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("strategy_account_id", sa.Integer, nullable=False),
        sa.Column("symbol", sa.String(12), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("order_type", sa.String(10), nullable=False),
        sa.Column("quantity", ExactDecimal, nullable=False),
        sa.Column("price", ExactDecimal, nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("previous_status", sa.String(12), nullable=True),
        sa.Column("broker_order_id", sa.String(32), nullable=True),
        sa.Column("filled_quantity", ExactDecimal, nullable=False),
        sa.Column("average_fill_price", ExactDecimal, nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.UniqueConstraint("idempotency_key", name="uq_orders_idempotency_key"),
    )
    op.create_index("ix_orders_strategy_account_id", "orders", ["strategy_account_id"])
    op.create_index("ix_orders_status", "orders", ["status"])
    op.create_index("ix_orders_broker_order_id", "orders", ["broker_order_id"])


def _fills() -> None:
    op.create_table(
        "fills",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("fill_id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=True),
        sa.Column("broker_order_id", sa.String(32), nullable=False),
        sa.Column("strategy_account_id", sa.Integer, nullable=True),
        sa.Column("symbol", sa.String(12), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("quantity", ExactDecimal, nullable=False),
        sa.Column("price", ExactDecimal, nullable=False),
        sa.Column("realized_pnl", ExactDecimal, nullable=True),
        sa.Column("filled_at", UtcDateTime, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_fills"),
        sa.UniqueConstraint("fill_id", name="uq_fills_fill_id"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_fills_order_id_orders"),
    )
    op.create_index("ix_fills_order_id", "fills", ["order_id"])
    op.create_index("ix_fills_broker_order_id", "fills", ["broker_order_id"])
    op.create_index("idx_fills_account_filled_at", "fills", ["strategy_account_id", "filled_at"])


def _positions() -> None:
    op.create_table(
        "positions",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("strategy_account_id", sa.Integer, nullable=False),
        sa.Column("symbol", sa.String(12), nullable=False),
        sa.Column("quantity", ExactDecimal, nullable=False),
        sa.Column("average_price", ExactDecimal, nullable=False),
        sa.Column("realized_pnl", ExactDecimal, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_positions"),
        sa.UniqueConstraint(
            "strategy_account_id", "symbol", name="uq_positions_strategy_account_id_symbol"
        ),
    )


def _failed_orders() -> None:
    op.create_table(
        "failed_orders",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("strategy_account_id", sa.Integer, nullable=False),
        sa.Column("symbol", sa.String(12), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("order_type", sa.String(10), nullable=False),
        sa.Column("quantity", ExactDecimal, nullable=False),
        sa.Column("price", ExactDecimal, nullable=True),
        sa.Column("reason", sa.String(100), nullable=False),
        sa.Column("broker_error", sa.String(500), nullable=True),
        sa.Column("order_params", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("retry_count", sa.Integer, nullable=False),
        sa.Column("order_id", sa.String(40), nullable=True),
        sa.Column("last_retry_order_id", sa.String(40), nullable=True),
        sa.Column("webhook_id", sa.String(100), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_failed_orders"),
    )
    op.create_index(
        "ix_failed_orders_last_retry_order_id", "failed_orders", ["last_retry_order_id"]
    )
    op.create_index(
        "idx_failed_strategy_symbol", "failed_orders", ["strategy_account_id", "symbol"]
    )
    op.create_index("idx_failed_status", "failed_orders", ["status", "created_at"])
    op.create_index("idx_failed_retry", "failed_orders", ["retry_count"])


def _events() -> None:
    op.create_table(
        "events",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=True),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_order_id", "events", ["order_id"])


def downgrade() -> None:
    for table in ("events", "failed_orders", "positions", "fills", "orders"):
        op.drop_table(table)
