"""Exit rules set by people (0024_exit_rules): a strategy's defaults and a position's own.

`rules` holds a partial layer (`domain.exit_rule_settings`): a field absent is inherited, a
field null is switched off; decimals as strings, so both databases keep them exact.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Integer, PrimaryKeyConstraint, String, Table

from hantu.adapters.db.tables import metadata
from hantu.adapters.db.types import UtcDateTime

strategy_exit_rules = Table(
    "strategy_exit_rules",
    metadata,
    Column("strategy_id", Integer, ForeignKey("strategies.id"), primary_key=True),
    Column("rules", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

position_exit_rules = Table(
    "position_exit_rules",
    metadata,
    Column("strategy_account_id", Integer, ForeignKey("strategy_accounts.id"), nullable=False),
    Column("symbol", String(12), nullable=False),
    Column("rules", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("strategy_account_id", "symbol", name="pk_position_exit_rules"),
)
