"""Telegram: chat links, one-time link codes (digest only), and a per-user pause of entries.

Revision ID: 0011_telegram
Revises: 0010_fill_identity_per_account
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_telegram"
down_revision: str | None = "0010_fill_identity_per_account"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telegram_links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("chat_id", sa.BigInteger, nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger, nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_telegram_links"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_telegram_links_user_id_users"),
        sa.UniqueConstraint("user_id", name="uq_telegram_links_user_id"),
        sa.UniqueConstraint("chat_id", name="uq_telegram_links_chat_id"),
    )
    op.create_table(
        "telegram_link_codes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code_digest", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_telegram_link_codes"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_telegram_link_codes_user_id_users"
        ),
        sa.UniqueConstraint("code_digest", name="uq_telegram_link_codes_code_digest"),
    )
    op.create_index("ix_telegram_link_codes_user_id", "telegram_link_codes", ["user_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("entries_paused", sa.Boolean, nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    # Not recreated: every other table references users, and SQLite (≥ 3.35) drops a plain
    # column in place, where a copy-and-rename would trip the foreign keys.
    with op.batch_alter_table("users", recreate="never") as batch:
        batch.drop_column("entries_paused")
    op.drop_index("ix_telegram_link_codes_user_id", table_name="telegram_link_codes")
    op.drop_table("telegram_link_codes")
    op.drop_table("telegram_links")
