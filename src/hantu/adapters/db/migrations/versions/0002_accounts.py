"""Users, broker accounts (secrets encrypted), strategies (token digest) and their accounts.

Revision ID: 0002_accounts
Revises: 0001_orders
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_accounts"
down_revision: str | None = "0001_orders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _created_at() -> sa.Column[object]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("is_demo", sa.Boolean, nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "broker_accounts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("environment", sa.String(16), nullable=False),
        sa.Column("app_key_enc", sa.Text, nullable=False),
        sa.Column("app_secret_enc", sa.Text, nullable=False),
        sa.Column("account_number_enc", sa.Text, nullable=False),
        sa.Column("hts_id_enc", sa.Text, nullable=False),
        sa.Column("account_hint", sa.String(32), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_broker_accounts"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_broker_accounts_user_id_users"),
        sa.UniqueConstraint("user_id", "name", name="uq_broker_accounts_user_name"),
    )
    op.create_index("ix_broker_accounts_user_id", "broker_accounts", ["user_id"])
    op.create_table(
        "strategies",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("token_digest", sa.String(64), nullable=False),
        sa.Column("token_enc", sa.Text, nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_strategies"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_strategies_user_id_users"),
        sa.UniqueConstraint("token_digest", name="uq_strategies_token_digest"),
        sa.UniqueConstraint("user_id", "name", name="uq_strategies_user_name"),
    )
    op.create_index("ix_strategies_user_id", "strategies", ["user_id"])
    op.create_table(
        "strategy_accounts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("strategy_id", sa.Integer, nullable=False),
        sa.Column("broker_account_id", sa.Integer, nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_strategy_accounts"),
        sa.ForeignKeyConstraint(
            ["strategy_id"], ["strategies.id"], name="fk_strategy_accounts_strategy_id_strategies"
        ),
        sa.ForeignKeyConstraint(
            ["broker_account_id"],
            ["broker_accounts.id"],
            name="fk_strategy_accounts_broker_account_id_broker_accounts",
        ),
        sa.UniqueConstraint("strategy_id", "broker_account_id", name="uq_strategy_accounts_pair"),
    )
    op.create_index("ix_strategy_accounts_strategy_id", "strategy_accounts", ["strategy_id"])
    op.create_index(
        "ix_strategy_accounts_broker_account_id", "strategy_accounts", ["broker_account_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_strategy_accounts_broker_account_id", table_name="strategy_accounts")
    op.drop_index("ix_strategy_accounts_strategy_id", table_name="strategy_accounts")
    op.drop_table("strategy_accounts")
    op.drop_index("ix_strategies_user_id", table_name="strategies")
    op.drop_table("strategies")
    op.drop_index("ix_broker_accounts_user_id", table_name="broker_accounts")
    op.drop_table("broker_accounts")
    op.drop_table("users")
