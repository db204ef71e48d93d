"""How history rows are shown: names beside ids and codes, JSON with decimals as strings,
times in Seoul. Shared by the orders page, its JSON API and the CSV exports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from hantu.domain.accounts import StrategyAccountView
from hantu.domain.errors import InvalidValue
from hantu.domain.values import Symbol
from hantu.entrypoints.web.state import WebState
from hantu.service_layer.deps import SEOUL
from hantu.service_layer.history_ports import FailedLink, FillLine, OrderLine
from hantu.service_layer.order_history import HistoryItem


def seoul_time(moment: datetime) -> str:
    """A stored UTC time as the market reads it: Asia/Seoul, to the second."""
    return moment.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M:%S")


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Names:
    accounts: Mapping[int, StrategyAccountView]
    symbols: Mapping[Symbol, str]

    def symbol_name(self, code: str) -> str | None:
        try:
            return self.symbols.get(Symbol(code))
        except InvalidValue:
            return None

    def strategy(self, strategy_account_id: int) -> str:
        view = self.accounts.get(strategy_account_id)
        return view.strategy_name if view else ""

    def broker_account(self, strategy_account_id: int) -> str:
        view = self.accounts.get(strategy_account_id)
        return f"{view.broker_account_name} ({view.account_hint})" if view else ""


async def names_for(
    state: WebState, views: Iterable[StrategyAccountView], codes: Iterable[str]
) -> Names:
    """The account names of the user's views and the known names of these symbols."""
    symbols: set[Symbol] = set()
    for code in codes:
        try:
            symbols.add(Symbol(code))
        except InvalidValue:
            continue
    known = await state.symbol_names.names(sorted(symbols)) if symbols else {}
    return Names({int(view.id): view for view in views}, known)


def fill_json(fill: FillLine) -> dict[str, Any]:
    return {
        "fill_id": fill.fill_id,
        "filled_at": fill.filled_at.isoformat(),
        "filled_at_seoul": seoul_time(fill.filled_at),
        "price": str(fill.price),
        "quantity": str(fill.quantity),
    }


def order_json(line: OrderLine, names: Names) -> dict[str, Any]:
    view = names.accounts.get(line.strategy_account_id)
    return {
        "id": line.id,
        "strategy_account_id": line.strategy_account_id,
        "strategy_id": int(view.strategy_id) if view else None,
        "strategy_name": names.strategy(line.strategy_account_id),
        "broker_account_id": int(view.broker_account_id) if view else None,
        "broker_account_name": view.broker_account_name if view else None,
        "symbol": line.symbol,
        "symbol_name": names.symbol_name(line.symbol),
        "side": line.side,
        "order_type": line.order_type,
        "quantity": str(line.quantity),
        "price": _text(line.price),
        "status": line.status.value,
        "filled_quantity": str(line.filled_quantity),
        "average_fill_price": _text(line.average_fill_price),
        "broker_order_id": line.broker_order_id,
        "reason": line.reason,
        "source": line.source,
        "created_at": line.created_at.isoformat(),
        "created_at_seoul": seoul_time(line.created_at),
    }


def item_json(item: HistoryItem, names: Names) -> dict[str, Any]:
    return {
        **order_json(item.order, names),
        "cancelable": item.cancelable,
        "failed_order_id": item.failed_order_id,
        "retry_of_failed_order_id": item.retry_of,
        "fills": [fill_json(fill) for fill in item.fills],
    }


def failed_json(link: FailedLink) -> dict[str, Any]:
    return {
        "id": link.id,
        "status": link.status.value,
        "retry_count": link.retry_count,
        "reason": link.reason,
        "order_id": link.order_id,
        "created_at": link.created_at.isoformat(),
        "retry_order_ids": list(link.retry_order_ids),
    }
