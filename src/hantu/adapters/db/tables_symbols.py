"""The symbol-name cache (storage only): one row per code, with when the broker said it."""

from __future__ import annotations

from sqlalchemy import Column, String, Table

from hantu.adapters.db.tables import metadata
from hantu.adapters.db.types import UtcDateTime

symbol_names = Table(
    "symbol_names",
    metadata,
    Column("code", String(12), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("fetched_at", UtcDateTime, nullable=False),
)
