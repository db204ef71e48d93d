"""`GET /api/positions` and `GET /api/balance`: the trader's view as JSON, scoped by the
ownership chain user → strategy → strategy account → broker account; decimals as strings.

A broker that does not answer leaves its figures out with `broker_status` saying why; the
answer is still 200, as the page's is.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from hantu.entrypoints.web.deps import CurrentUser, StateDep
from hantu.entrypoints.web.order_filters import FilterInvalid
from hantu.entrypoints.web.orders import problem
from hantu.entrypoints.web.positions_view import (
    account_dict,
    jsonable,
    symbol_filter,
    time_box,
    view_of,
)
from hantu.entrypoints.web.strategies import ERRORS

router = APIRouter(prefix="/api", tags=["positions"])

BrokerAccountQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
SymbolQuery = Annotated[str | None, Query(max_length=64)]  # a code or a Korean name
_BALANCE_KEYS = (
    "broker_account_id",
    "name",
    "environment",
    "environment_label",
    "account_hint",
    "broker_status",
    "status_note",
    "broker",
    "holdings",
)


async def _accounts(
    state: StateDep, user: CurrentUser, broker_account_id: int | None, symbol: str | None
) -> list[dict[str, Any]]:
    view = await view_of(state, user, broker_account_id, await symbol_filter(state, symbol))
    names = await state.symbol_names.names(sorted(view.symbols, key=lambda s: s.code))
    wait = time_box(state)
    return [account_dict(a, names, wait) for a in view.accounts]


@router.get("/positions", responses=ERRORS, response_model=None)
async def positions(
    user: CurrentUser,
    state: StateDep,
    broker_account_id: BrokerAccountQuery = None,
    symbol: SymbolQuery = None,
) -> dict[str, Any] | JSONResponse:
    """hantu's positions per broker account and strategy account, valued at the last price,
    with realized PnL today and in total; `symbol` (code or name) keeps only that symbol."""
    try:
        accounts = await _accounts(state, user, broker_account_id, symbol)
    except FilterInvalid as exc:
        return problem(400, exc.message, field=exc.field)
    for account in accounts:
        del account["holdings"], account["broker"], account["difference_count"]
    body: dict[str, Any] = jsonable({"success": True, "accounts": accounts})
    return body


@router.get("/balance", responses=ERRORS, response_model=None)
async def balance(
    user: CurrentUser,
    state: StateDep,
    broker_account_id: BrokerAccountQuery = None,
    symbol: SymbolQuery = None,
) -> dict[str, Any] | JSONResponse:
    """The broker's figures per broker account (deposit, buying power, total value), each
    holding beside hantu's position, and every difference with a Korean explanation;
    `symbol` (code or name) keeps only that symbol's holdings."""
    try:
        accounts = await _accounts(state, user, broker_account_id, symbol)
    except FilterInvalid as exc:
        return problem(400, exc.message, field=exc.field)
    out = []
    for account in accounts:
        picked = {k: account[k] for k in _BALANCE_KEYS}
        picked["differences"] = [h for h in account["holdings"] if h["difference"] is not None]
        out.append(picked)
    body: dict[str, Any] = jsonable({"success": True, "accounts": out})
    return body
