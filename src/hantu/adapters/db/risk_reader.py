"""What the risk rules need about one strategy account, read in a single round trip."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    text,
    union_all,
)

from hantu.adapters.db import tables as t
from hantu.adapters.db.connection import SqlConnection, fetch_rows
from hantu.adapters.db.prepared import Prepared
from hantu.adapters.db.tables_accounts import broker_accounts, strategies, strategy_accounts, users
from hantu.domain.enums import OrderStatus, Side
from hantu.domain.risk import AccountRules, RiskLimits, RiskSnapshot, SellCapacity
from hantu.domain.values import Money, StrategyAccountId, Symbol

_LIVE = [s.value for s in OrderStatus if s.is_open] + [OrderStatus.NEW.value]
# Written into the SQL (our own enum's plain upper-case words): an expanding parameter would
# have SQLAlchemy render the statement again at every execution, the costliest part of an
# exit's check.
_LIVE_IN: list[ColumnElement[str]] = [literal_column(f"'{status}'") for status in _LIVE]

# One UNION ALL of three row kinds, each (kind, symbol, a, b, c):
#   p: a position       (quantity, average price, -)
#   o: a live buy order (limit price, or a market buy's valued price; quantity; filled)
#   f: a fill today     (realized pnl, -, -)
_INPUTS = union_all(
    select(
        literal("p", String).label("kind"),
        t.positions.c.symbol,
        t.positions.c.quantity.label("a"),
        t.positions.c.average_price.label("b"),
        t.positions.c.realized_pnl.label("c"),
    ).where(t.positions.c.strategy_account_id == bindparam("account")),
    select(
        literal("o", String),
        t.orders.c.symbol,
        func.coalesce(t.orders.c.price, t.orders.c.valued_price),
        t.orders.c.quantity,
        t.orders.c.filled_quantity,
    ).where(
        t.orders.c.strategy_account_id == bindparam("account"),
        t.orders.c.side == Side.BUY.value,
        t.orders.c.status.in_(_LIVE_IN),
    ),
    select(
        literal("f", String),
        t.fills.c.symbol,
        t.fills.c.realized_pnl,
        t.fills.c.quantity,
        t.fills.c.price,
    ).where(
        t.fills.c.strategy_account_id == bindparam("account"),
        t.fills.c.filled_at >= bindparam("since", type_=t.fills.c.filled_at.type),
        t.fills.c.realized_pnl.is_not(None),
    ),
)


# What a sell may take, as rows (kind, account, a, b), summed in Python as `_INPUTS` is:
#   p: a position of the symbol on the same broker account (quantity, -)
#   o: a live sell order of this account (quantity, filled)
#   a: the strategy's adoption switch, the broker account active (1 or 0 each); for a sell
#      these stand in for `account_rules`, one statement fewer before an exit is sent
_SIBLINGS = select(strategy_accounts.c.id).where(
    strategy_accounts.c.broker_account_id
    == select(strategy_accounts.c.broker_account_id)
    .where(strategy_accounts.c.id == bindparam("account"))
    .scalar_subquery()
)
_SELL_INPUTS = Prepared(  # run before every exit is sent: inline on SQLite (`prepared`)
    union_all(
        select(
            literal("p", String).label("kind"),
            t.positions.c.strategy_account_id.label("account"),
            t.positions.c.quantity.label("a"),
            t.positions.c.quantity.label("b"),
        ).where(
            t.positions.c.symbol == bindparam("symbol"),
            (t.positions.c.strategy_account_id == bindparam("account"))
            | t.positions.c.strategy_account_id.in_(_SIBLINGS),
        ),
        select(
            literal("o", String),
            t.orders.c.strategy_account_id,
            t.orders.c.quantity,
            t.orders.c.filled_quantity,
        ).where(
            t.orders.c.strategy_account_id == bindparam("account"),
            t.orders.c.symbol == bindparam("symbol"),
            t.orders.c.side == Side.SELL.value,
            t.orders.c.status.in_(_LIVE_IN),
        ),
        select(  # a: the strategy's adoption switch and the broker account's being active
            literal("a", String),
            strategy_accounts.c.id,
            cast(strategies.c.adopt_broker_holdings, Integer),
            case((broker_accounts.c.deactivated_at.is_(None), 1), else_=0),
        )
        .join(strategies, strategy_accounts.c.strategy_id == strategies.c.id)
        .join(broker_accounts, broker_accounts.c.id == strategy_accounts.c.broker_account_id)
        .where(strategy_accounts.c.id == bindparam("account")),
    )
)
_ENTRIES_PAUSED = (
    select(users.c.entries_paused)
    .join(strategies, strategies.c.user_id == users.c.id)
    .join(strategy_accounts, strategy_accounts.c.strategy_id == strategies.c.id)
    .where(strategy_accounts.c.id == bindparam("account"))
)

_RULES = (
    select(
        strategies.c.daily_loss_limit,
        strategies.c.max_symbol_exposure,
        strategies.c.max_open_positions,
        broker_accounts.c.deactivated_at,
    )
    .join(strategy_accounts, strategy_accounts.c.strategy_id == strategies.c.id)
    .join(broker_accounts, broker_accounts.c.id == strategy_accounts.c.broker_account_id)
    .where(strategy_accounts.c.id == bindparam("account"))
)

# Two-key advisory locks live apart from the one-key migration lock (PostgreSQL docs).
_RISK_LOCK_SPACE = 0x6874  # "ht"
_LOCK_ACCOUNT = text(f"SELECT pg_advisory_xact_lock({_RISK_LOCK_SPACE}, :account)")


class SqlRiskReader:
    def __init__(self, connection: SqlConnection) -> None:
        self._conn = connection

    async def snapshot(
        self, strategy_account_id: StrategyAccountId, since: datetime
    ) -> RiskSnapshot:
        params = {"account": int(strategy_account_id), "since": since}
        if self._conn.dialect.name == "postgresql":
            # Two buys for one account must not both pass on the same snapshot: the lock is
            # held until this transaction (which also inserts the order) ends. SQLite needs
            # none: its writers are already serialized (BEGIN IMMEDIATE, one write lock).
            await self._conn.execute(_LOCK_ACCOUNT, {"account": int(strategy_account_id)})
        exposure: dict[Symbol, Decimal] = {}
        held: set[Symbol] = set()
        realized = Decimal(0)
        for kind, code, a, b, c in (await self._conn.execute(_INPUTS, params)).all():
            symbol = Symbol(code)
            if kind == "f":
                realized += a
            elif kind == "p" and a > 0:
                held.add(symbol)
                exposure[symbol] = exposure.get(symbol, Decimal(0)) + a * b
            elif kind == "o":
                held.add(symbol)
                if a is not None:
                    exposure[symbol] = exposure.get(symbol, Decimal(0)) + a * (b - c)
        return RiskSnapshot(
            realized_pnl_today=Money(realized),
            exposure_by_symbol={s: Money(v) for s, v in exposure.items()},
            open_positions=frozenset(held),
        )

    async def sell_capacity(
        self, strategy_account_id: StrategyAccountId, symbol: Symbol, *, lock: bool
    ) -> SellCapacity:
        account = int(strategy_account_id)
        if lock and self._conn.dialect.name == "postgresql":
            # As for buys: two sells of one account must not both pass on the same position.
            await self._conn.execute(_LOCK_ACCOUNT, {"account": account})
        params = {"account": account, "symbol": symbol.code}
        held = open_sells = on_broker = Decimal(0)
        adopt, active = False, True
        for kind, owner, a, b in await fetch_rows(self._conn, _SELL_INPUTS, params):
            if kind == "p":
                on_broker += a
                held += a if owner == account else 0
            elif kind == "o":
                open_sells += a - b
            else:
                adopt, active = bool(a), bool(b)
        return SellCapacity(held, open_sells, on_broker, adopt_allowed=adopt, active=active)

    async def entries_paused(self, strategy_account_id: StrategyAccountId) -> bool:
        params = {"account": int(strategy_account_id)}
        return bool((await self._conn.execute(_ENTRIES_PAUSED, params)).scalar())

    async def account_rules(self, strategy_account_id: StrategyAccountId) -> AccountRules:
        row = (await self._conn.execute(_RULES, {"account": int(strategy_account_id)})).first()
        if row is None:
            return AccountRules()
        limits = RiskLimits(
            daily_loss_limit=None if row[0] is None else Money(row[0]),
            max_symbol_exposure=None if row[1] is None else Money(row[1]),
            max_open_positions=row[2],
        )
        return AccountRules(limits=limits, active=row[3] is None)
