"""SQLAlchemy Core tables: storage only. Repositories map rows to domain objects by hand."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

from hantu.adapters.db.types import ExactDecimal, UtcDateTime

# Stable constraint names: Alembic's SQLite batch mode needs them to alter tables later.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

BigId = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER only

orders = Table(
    "orders",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("strategy_account_id", Integer, nullable=False),  # indexed below, leading (0026)
    Column("symbol", String(12), nullable=False),
    Column("side", String(4), nullable=False),
    Column("order_type", String(10), nullable=False),
    Column("quantity", ExactDecimal, nullable=False),
    Column("price", ExactDecimal, nullable=True),
    # A market buy's value per share for the exposure limit (the upper price limit).
    Column("valued_price", ExactDecimal, nullable=True),
    Column("status", String(12), nullable=False, index=True),
    Column("previous_status", String(12), nullable=True),
    Column("broker_order_id", String(32), nullable=True, index=True),
    Column("filled_quantity", ExactDecimal, nullable=False),
    Column("average_fill_price", ExactDecimal, nullable=True),
    Column("reason", String(500), nullable=True),
    Column("source", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # The history's stable order, newest first, overall and per strategy account (0016).
    Index("idx_orders_created", "created_at", "id"),
    Index("idx_orders_account_created", "strategy_account_id", "created_at", "id"),
    # The risk reads' open orders of an account by side (0026): a seek, however many orders
    # the account placed before, where the account's own index scanned every one of them.
    # That index went (both below lead with the account), one page fewer written per order.
    Index("idx_orders_account_side_status", "strategy_account_id", "side", "status", "symbol"),
)

# A broker order (broker account, trading day, KIS order number ODNO) belongs to at most one
# of our orders: both the order's own answer and settlement insert here, and the key decides.
broker_order_claims = Table(
    "broker_order_claims",
    metadata,
    Column("broker_account", String(40), primary_key=True),
    Column("trading_day", String(8), primary_key=True),  # YYYYMMDD in Seoul
    Column("broker_order_id", String(32), primary_key=True),
    Column("order_id", String(40), ForeignKey("orders.id"), nullable=False, unique=True),
    Column("claimed_at", UtcDateTime, nullable=False),
)

fills = Table(
    "fills",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    # Unique per broker account only (below): another account's notice may build the same id.
    Column("fill_id", String(64), nullable=False),
    # NULL while the broker order id matches none of ours yet (an orphan fill, adopted later)
    Column("order_id", String(40), ForeignKey("orders.id"), nullable=True, index=True),
    Column("broker_order_id", String(32), nullable=False, index=True),
    # The broker account the fill came from: with its Seoul day it scopes the order number.
    Column("broker_account", String(40), nullable=False),
    Column("strategy_account_id", Integer, nullable=True),
    Column("symbol", String(12), nullable=False),
    Column("side", String(4), nullable=False),
    Column("quantity", ExactDecimal, nullable=False),
    Column("price", ExactDecimal, nullable=False),
    Column("realized_pnl", ExactDecimal, nullable=True),
    Column("filled_at", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    # Why the fill could not be applied (Korean, for the positions page); NULL when it was.
    Column("problem", String(500), nullable=True),
    Index("idx_fills_account_filled_at", "strategy_account_id", "filled_at"),
    UniqueConstraint("broker_account", "fill_id"),
)

positions = Table(
    "positions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("strategy_account_id", Integer, nullable=False),
    Column("symbol", String(12), nullable=False),
    Column("quantity", ExactDecimal, nullable=False),
    Column("average_price", ExactDecimal, nullable=False),
    Column("realized_pnl", ExactDecimal, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("strategy_account_id", "symbol"),
)

failed_orders = Table(
    "failed_orders",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("strategy_account_id", Integer, nullable=False),
    Column("symbol", String(12), nullable=False),
    Column("side", String(4), nullable=False),
    Column("order_type", String(10), nullable=False),
    Column("quantity", ExactDecimal, nullable=False),
    Column("price", ExactDecimal, nullable=True),
    Column("reason", String(100), nullable=False),
    Column("broker_error", String(500), nullable=True),
    Column("order_params", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("retry_count", Integer, nullable=False),
    Column("order_id", String(40), nullable=True, index=True),  # 0016: history links
    Column("last_retry_order_id", String(40), nullable=True, index=True),
    Column("webhook_id", String(100), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("idx_failed_strategy_symbol", "strategy_account_id", "symbol"),
    Index("idx_failed_status", "status", "created_at"),
    Index("idx_failed_retry", "retry_count"),
    Index("idx_failed_account_created", "strategy_account_id", "created_at"),  # date ranges
)

events = Table(
    "events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False),
    Column("order_id", String(40), nullable=True, index=True),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("payload", JSON, nullable=False),
)

# Work that must survive a crash, written in the transaction that caused it and delivered at
# least once by the outbox relay; `dedupe_key` makes a second write of the same work a no-op.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("payload", JSON, nullable=False),
    Column("state", String(12), nullable=False),  # pending | delivered | dead
    Column("attempts", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("available_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime, nullable=True),
    Column("last_error", String(500), nullable=True),  # masked
    Index("idx_outbox_due", "state", "kind", "available_at"),
)

# The dedupe keys of notifications a channel took, written right after the send and before
# the outbox entry is marked: a redelivery after a restart finds the key and sends nothing.
notify_sent = Table(
    "notify_sent",
    metadata,
    Column("dedupe_key", String(200), primary_key=True),
    Column("sent_at", UtcDateTime, nullable=False),
    Index("idx_notify_sent_at", "sent_at"),
)
