"""Tables for users, their web sessions, broker accounts, strategies and strategy accounts
(storage only).

They share the store's `MetaData` so fixtures that create, truncate or drop tables see them.
Broker secrets and webhook tokens are stored Fernet-encrypted; a token is found by its
SHA-256 digest (`token_digest`, unique), never by its plaintext.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from hantu.adapters.db.tables import metadata
from hantu.adapters.db.types import ExactDecimal, UtcDateTime

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(32), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("is_demo", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    # On: no new entries (buys) for this user's strategies; exits still run (0010_telegram).
    Column("entries_paused", Boolean, nullable=False, default=False, server_default=false()),
)

broker_accounts = Table(
    "broker_accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(64), nullable=False),
    Column("environment", String(16), nullable=False),
    Column("app_key_enc", Text, nullable=False),
    Column("app_secret_enc", Text, nullable=False),
    Column("account_number_enc", Text, nullable=False),
    Column("hts_id_enc", Text, nullable=False),
    Column("account_hint", String(32), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # Set: no new order goes through this account; kept for history (0015_strategy_settings).
    Column("deactivated_at", UtcDateTime, nullable=True),
    UniqueConstraint("user_id", "name", name="uq_broker_accounts_user_name"),
)

strategies = Table(
    "strategies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(64), nullable=False),
    Column("token_digest", String(64), nullable=False, unique=True),
    Column("token_enc", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # On: a sell above the position adopts the broker's own holding first (0005_sell_policy).
    Column("adopt_broker_holdings", Boolean, nullable=False, default=False, server_default=false()),
    # Set: the webhook token no longer works; orders and fills stay (0015_strategy_settings).
    Column("deleted_at", UtcDateTime, nullable=True),
    # The strategy's own risk limits; NULL: the environment's default (0015_strategy_settings).
    Column("daily_loss_limit", ExactDecimal, nullable=True),
    Column("max_symbol_exposure", ExactDecimal, nullable=True),
    Column("max_open_positions", Integer, nullable=True),
    # AUTO: a signal orders at once; ALERT: it waits for the owner's approval (0021_alerts).
    Column("mode", String(8), nullable=False, default="AUTO", server_default="AUTO"),
    Column("alert_expiry_minutes", Integer, nullable=False, default=5, server_default="5"),
    Column(
        "alert_tolerance_pct",
        ExactDecimal,
        nullable=False,
        default=Decimal("1"),
        server_default="1",
    ),
    UniqueConstraint("user_id", "name", name="uq_strategies_user_name"),
)

strategy_accounts = Table(
    "strategy_accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("strategy_id", Integer, ForeignKey("strategies.id"), nullable=False, index=True),
    Column(
        "broker_account_id", Integer, ForeignKey("broker_accounts.id"), nullable=False, index=True
    ),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("strategy_id", "broker_account_id", name="uq_strategy_accounts_pair"),
)

# Signed-in browser sessions. The cookie carries a random session id; only its SHA-256
# digest is stored, so a database dump opens no session. Logging out deletes the row, a
# password change deletes the user's other rows, and a row past `expires_at` is refused.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_digest", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

# What each user chose to hear per notification kind (issue 9): on | silent | off. A kind
# with no row is ON (the domain's default); emergencies are delivered whatever is stored.
notification_prefs = Table(
    "notification_prefs",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("event_kind", String(32), primary_key=True),
    Column("mode", String(8), nullable=False),
)
