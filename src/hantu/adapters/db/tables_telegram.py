"""Tables for Telegram links and one-time link codes (storage only).

A link code is stored as its SHA-256 digest only; `used_at` makes it single-use.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, String, Table

from hantu.adapters.db.tables import metadata
from hantu.adapters.db.types import UtcDateTime

telegram_links = Table(
    "telegram_links",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, unique=True),
    Column("chat_id", BigInteger, nullable=False, unique=True),
    Column("telegram_user_id", BigInteger, nullable=False),
    Column("linked_at", UtcDateTime, nullable=False),
)

telegram_link_codes = Table(
    "telegram_link_codes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code_digest", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
)
