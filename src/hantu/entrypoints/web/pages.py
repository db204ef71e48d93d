"""Server-rendered pages: positions (with failed orders) and strategies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from hantu import messages_ko as ko
from hantu.domain.accounts import UserId, mask_token
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.entrypoints.web import tradingview_guide
from hantu.entrypoints.web.deps import CurrentUser, StateDep
from hantu.entrypoints.web.order_filters import FilterInvalid
from hantu.entrypoints.web.positions_view import (
    account_dict,
    pnl_class,
    rate_text,
    symbol_filter,
    time_box,
    view_of,
)
from hantu.entrypoints.web.state import WebState
from hantu.entrypoints.web.strategies import strategies_view
from hantu.entrypoints.web.templating import render
from hantu.messages_ko import TG_UI_TEXT
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer import notify_delivery, telegram_bot

router = APIRouter(include_in_schema=False)
SEOUL = ZoneInfo("Asia/Seoul")


def seoul_time(moment: datetime) -> str:
    """Show times as the market does: Asia/Seoul, to the second."""
    return moment.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M:%S")


@router.get("/")
async def index() -> Response:
    return RedirectResponse("/positions", status_code=303)


@router.get("/positions")
async def positions_page(
    request: Request,
    user: CurrentUser,
    state: StateDep,
    symbol: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Per broker account: positions valued, the broker's figures and holdings beside
    hantu's (differences shown); today's orders and the failed-orders section. `symbol`
    (code or name, as on the orders page) keeps only that symbol's positions and holdings;
    an unknown one answers 400 with the reason and everything unfiltered."""
    views = await accounts_service.strategy_accounts_of_user(state.accounts, user.id)
    names = {view.id: f"{view.strategy_name} · {view.broker_account_name}" for view in views}
    ids = sorted(names)
    error, status_code = None, 200
    try:
        symbols = await symbol_filter(state, symbol)
    except FilterInvalid as exc:
        symbols, error, status_code = None, exc.message, 400
    trader = await view_of(state, user, symbols=symbols)
    wait = time_box(state)
    orders = [
        {
            "id": o.id,
            "symbol": str(o.symbol),
            "side": o.side,
            "order_type": o.order_type,
            "quantity": o.quantity,
            "price": o.price,
            "status": o.status.value,
            "filled_quantity": o.filled_quantity,
            "created_at": seoul_time(o.created_at),
        }
        for o in await state.pipeline.orders_today(ids)
    ]
    fills = await _fills_to_check(state, ids, names)
    undelivered = await _undelivered(state, user.id)
    shown: list[Mapping[str, object]] = [*orders, *fills, *undelivered]
    symbol_names = await state.symbol_names.names({*trader.symbols, *_symbols(shown)})
    context = {
        "user": user,
        "accounts": [account_dict(a, symbol_names, wait) for a in trader.accounts],
        "names": symbol_names,
        "pnl": pnl_class,
        "rate": rate_text,
        "orders": orders,
        "strategy_accounts": views,
        "fills_to_check": fills,
        "undelivered": undelivered,
        "symbol": symbol,
        "error": error,
    }
    return render(request, "positions.html", context, status_code=status_code)


def _symbols(rows: Sequence[Mapping[str, object]]) -> set[Symbol]:
    found = set()
    for row in rows:
        try:
            found.add(Symbol(str(row.get("symbol"))))
        except ValueError:
            continue  # a notification about no symbol
    return found


async def _fills_to_check(
    state: WebState, ids: Sequence[int], names: Mapping[StrategyAccountId, str]
) -> list[dict[str, object]]:
    return [
        {
            "account": names.get(StrategyAccountId(f.strategy_account_id), "-"),
            "symbol": f.symbol,
            "side": f.side,
            "quantity": f.quantity,
            "price": f.price,
            "filled_at": seoul_time(f.filled_at),
            "problem": f.problem,
            "fill_id": f.fill_id,
        }
        for f in await state.pipeline.fills_to_check(ids)
    ]


async def _undelivered(state: WebState, user_id: int) -> list[dict[str, object]]:
    if state.notify is None:
        return []
    return [
        {
            "id": n.id,
            "created_at": seoul_time(n.created_at),
            "kind": ko.NOTIFY_KIND_LABEL.get(n.kind, n.kind),
            "symbol": n.symbol,
            "error": n.error,
        }
        for n in await notify_delivery.undelivered(state.notify, user_id)
    ]


@router.get("/strategies")
async def strategies_page(request: Request, user: CurrentUser, state: StateDep) -> Response:
    """Create strategies, link accounts, copy the webhook URL, token and template."""
    strategies = [
        {
            "id": s.id,
            "name": s.name,
            "masked_token": mask_token(s.token),
            # Shown with the masked token; the copy button fetches the real one.
            "templates": tradingview_guide.message_templates(mask_token(s.token)),
            "accounts": s.accounts,
            "adopt_broker_holdings": s.adopt_broker_holdings,
            "mode": s.mode,
        }
        for s in await strategies_view(state, user.id)
    ]
    broker_accounts = await accounts_service.list_broker_accounts(state.accounts, user.id)
    context = {
        "user": user,
        "strategies": strategies,
        "broker_accounts": broker_accounts,
        "webhook_url": state.webhook_url(),
        "guide_warnings": tradingview_guide.url_warnings(state.webhook_url()),
        "timeout_note": tradingview_guide.timeout_note(state.settings.order_timeout_seconds),
        "telegram": await _telegram_view(state, user.id),
        "tg": TG_UI_TEXT,
    }
    return render(request, "strategies.html", context)


async def _telegram_view(state: WebState, user_id: UserId) -> dict[str, object]:
    if state.telegram is None:
        return {"enabled": False}
    link = await telegram_bot.link_of(state.telegram.deps, user_id)
    paused = await telegram_bot.entries_paused(state.telegram.deps, user_id)
    chat = None if link is None else link.chat_id
    return {"enabled": True, "linked": link is not None, "chat_id": chat, "paused": paused}
