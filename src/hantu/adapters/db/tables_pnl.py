"""Stored PnL days (0025_pnl_daily): folded day results and where folding stopped.

A scope is one user's set of strategy accounts (their ids, sorted and joined): marks and the
curve's days are shared by the accounts of a user, so they are folded together. A scope
whose set of accounts changes is simply a new scope, built from the fills.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Integer, String, Table, Text

from hantu.adapters.db.tables import metadata
from hantu.adapters.db.types import ExactDecimal, UtcDateTime

pnl_scopes = Table(
    "pnl_scopes",
    metadata,
    Column("scope", String(400), primary_key=True),
    Column("folded_through", Date, nullable=False),  # the last folded (closed) Seoul day
    # The folded fills as the fills table had them: a late, adopted or flagged fill of a
    # folded day changes these, and the scope is built again.
    Column("fill_count", BigInteger, nullable=False),
    Column("fill_max_id", BigInteger, nullable=False),
    Column("prices", Text, nullable=False),  # JSON {symbol: last fill price}
    Column("updated_at", UtcDateTime, nullable=False),
)

pnl_books = Table(
    "pnl_books",
    metadata,
    Column("scope", String(400), primary_key=True),
    Column("strategy_id", Integer, primary_key=True),
    Column("broker_account_id", Integer, primary_key=True),
    Column("symbol", String(12), primary_key=True),
    Column("quantity", ExactDecimal, nullable=False),
    Column("average_price", ExactDecimal, nullable=False),
    Column("opened_at", UtcDateTime, nullable=True),
    Column("trip_pnl", ExactDecimal, nullable=False),
    Column("trip_cash", ExactDecimal, nullable=False),
)

pnl_days = Table(
    "pnl_days",
    metadata,
    Column("scope", String(400), primary_key=True),
    Column("strategy_id", Integer, primary_key=True),
    Column("broker_account_id", Integer, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("fills", Integer, nullable=False),
    Column("realized", ExactDecimal, nullable=False),
    Column("fees", ExactDecimal, nullable=False),
    Column("unmatched", ExactDecimal, nullable=False),
    Column("trades", Integer, nullable=False),
    Column("wins", Integer, nullable=False),
    Column("losses", Integer, nullable=False),
    Column("gross_profit", ExactDecimal, nullable=False),
    Column("gross_loss", ExactDecimal, nullable=False),
    Column("unrealized", ExactDecimal, nullable=False),
    Column("marks", Text, nullable=False),  # JSON [[symbol, mark or null], ...] held at the end
)
