"""The positions page and its JSON share one picture of the user's broker accounts: this
module asks the service layer for it (scoped by the ownership chain) and lays it out as
plain dicts, Decimals kept whole (the page rounds them, the API sends them as strings)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from hantu import messages_ko as ko
from hantu.domain.accounts import User
from hantu.domain.errors import NotFound
from hantu.domain.valuation import SideBySide
from hantu.domain.values import Symbol
from hantu.entrypoints.web.order_filters import symbol_codes
from hantu.entrypoints.web.state import WebState
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.valuation import (
    AccountValue,
    PositionValue,
    StrategyAccountValue,
    TraderView,
    trader_view,
)

MAX_BROKER_WAIT = 2.0  # seconds a page waits for one broker account's answers
_TEXT = ko.positions_page


async def symbol_filter(state: WebState, raw: str | None) -> frozenset[Symbol] | None:
    """A `symbol` filter, code or name as on the orders page (blank: no filter); an unknown
    one raises `FilterInvalid` naming the field."""
    raw = None if raw is None or not raw.strip() else raw.strip()
    codes = await symbol_codes(state, raw)
    return None if codes is None else frozenset(Symbol(code) for code in codes)


async def view_of(
    state: WebState,
    user: User,
    broker_account_id: int | None = None,
    symbols: frozenset[Symbol] | None = None,
) -> TraderView:
    """The user's broker accounts (or the one asked for, if theirs) valued now; with
    `symbols`, only those symbols' positions and holdings."""
    broker_accounts = await accounts_service.list_broker_accounts(state.accounts, user.id)
    if broker_account_id is not None:
        broker_accounts = [a for a in broker_accounts if int(a.id) == broker_account_id]
        if not broker_accounts:
            raise NotFound("broker account")
    views = await accounts_service.strategy_accounts_of_user(state.accounts, user.id)
    if state.deps is None:
        return TraderView(accounts=[])
    wanted = {int(a.id) for a in broker_accounts}
    views = [v for v in views if int(v.broker_account_id) in wanted]
    return await trader_view(
        state.deps, state.quotes, views, broker_accounts, time_box=time_box(state), symbols=symbols
    )


def time_box(state: WebState) -> float:
    wait = state.deps.order_timeout if state.deps is not None else MAX_BROKER_WAIT
    return min(wait, MAX_BROKER_WAIT)


def pnl_class(amount: Decimal | None) -> str:
    """Korean convention: a profit is red (`pnl-up`), a loss blue (`pnl-down`)."""
    if amount is None or amount == 0:
        return ""
    return "pnl-up" if amount > 0 else "pnl-down"


def rate_text(rate: Decimal | None) -> str:
    return _TEXT.UI["pos_no_figure"] if rate is None else ko.format_rate(rate)


def account_dict(account: AccountValue, names: Mapping[Symbol, str], wait: float) -> dict[str, Any]:
    """One broker account: its identity, hantu's valued positions, the broker's figures."""
    cost, value, unrealized = account.totals()
    figures = account.figures
    balance = None if figures is None else figures.balance
    note = _TEXT.STATUS_NOTE.get(account.status.value)
    return {
        "broker_account_id": int(account.account.id),
        "name": account.account.name,
        "environment": account.account.environment,
        "environment_label": _TEXT.UI.get(
            f"pos_env_{account.account.environment}", account.account.environment
        ),
        "account_hint": account.account.account_hint,
        "broker_status": account.status.value,
        "status_note": None if note is None else note.format(seconds=f"{wait:g}"),
        "cost": cost,
        "market_value": value,
        "unrealized_pnl": unrealized,
        "return_rate": unrealized / cost if cost > 0 else None,
        "strategy_accounts": [_strategy_dict(s, names) for s in account.strategies],
        "broker": None
        if balance is None or figures is None
        else {
            "deposit": balance.deposit,
            "buying_power": figures.buying_power,
            "cash": balance.cash,
            "stock_value": balance.stock_value,
            "total_value": balance.total_value,
            "evaluation_pnl": balance.evaluation_pnl,
        },
        "holdings": [_holding_dict(row, names) for row in account.holdings],
        "difference_count": len(account.differences),
    }


def _strategy_dict(value: StrategyAccountValue, names: Mapping[Symbol, str]) -> dict[str, Any]:
    return {
        "id": int(value.view.id),
        "strategy_id": int(value.view.strategy_id),
        "strategy_name": value.view.strategy_name,
        "realized_pnl_today": value.realized_today,
        "realized_pnl_total": value.realized_total,
        "positions": [_position_dict(v, names) for v in value.positions],
    }


def _position_dict(value: PositionValue, names: Mapping[Symbol, str]) -> dict[str, Any]:
    p, m = value.position, value.mark
    return {
        "symbol": p.symbol.code,
        "name": names.get(p.symbol),
        "quantity": Decimal(p.quantity),
        "average_price": Decimal(p.average_price),
        "realized_pnl": Decimal(p.realized_pnl),
        "current_price": None if m is None else Decimal(m.price),
        "price_source": value.source.value,
        "market_value": None if m is None else Decimal(m.market_value),
        "unrealized_pnl": None if m is None else Decimal(m.unrealized_pnl),
        "return_rate": None if m is None else m.return_rate,
    }


def _holding_dict(row: SideBySide, names: Mapping[Symbol, str]) -> dict[str, Any]:
    hantu, broker = row.hantu, row.broker
    facts = {
        "hantu_quantity": None if hantu is None else Decimal(hantu.quantity),
        "hantu_average_price": None if hantu is None else Decimal(hantu.average_price),
        "broker_quantity": None if broker is None else Decimal(broker.quantity),
        "broker_average_price": None if broker is None else Decimal(broker.average_price),
    }
    explanation = None
    if row.difference is not None:
        explanation = _TEXT.DIFFERENCE[row.difference.value].format(
            hantu_quantity=ko.format_shares(facts["hantu_quantity"] or 0),
            broker_quantity=ko.format_shares(facts["broker_quantity"] or 0),
            hantu_average=ko.format_won(facts["hantu_average_price"] or 0),
            broker_average=ko.format_won(facts["broker_average_price"] or 0),
        )
    return {
        "symbol": row.symbol.code,
        "name": names.get(row.symbol),
        **facts,
        "difference": None if row.difference is None else row.difference.value,
        "explanation": explanation,
    }


def jsonable(value: Any) -> Any:
    """Decimals as strings (exact), everything else as is, all the way down."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value
