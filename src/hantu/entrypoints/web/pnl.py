"""The PnL page (`/pnl`) and its JSON (`GET /api/pnl`), scoped to the signed-in user.

Both read the same report (`service_layer.pnl_report`) with the same filters: strategy,
account (broker account) and a Seoul date range. The JSON gives amounts as decimal strings
rounded to 0.01 won and ratios to 0.0001, for the charts and other clients; the page shows
money in whole won with separators by the one rule in `messages_ko`.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from hantu import messages_ko as ko
from hantu.domain.accounts import StrategyAccountView
from hantu.domain.pnl import PnlSummary
from hantu.entrypoints.web.deps import CurrentUser, StateDep
from hantu.entrypoints.web.state import WebState
from hantu.entrypoints.web.templating import render
from hantu.messages_ko import format_rate, format_won
from hantu.messages_ko import pnl_page as texts
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.pnl_report import PnlQuery, PnlReport, pnl_report

router = APIRouter(tags=["pnl"])

_CENT, _RATIO = Decimal("0.01"), Decimal("0.0001")


class BadFilter(ValueError):
    """A filter the user typed is not understood (the message is Korean)."""


def _date(field: str, raw: str | None) -> date | None:
    if raw is None or not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise BadFilter(texts.BAD_DATE.format(field=field, value=raw[:20])) from None


def _id(field: str, raw: str | None) -> int | None:
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 2**31:
        raise BadFilter(texts.BAD_ID.format(field=field, value=raw[:20]))
    return int(text)


def parse_query(request: Request, views: list[StrategyAccountView]) -> PnlQuery:
    """Read the filters; an id the user does not own is refused like a typo."""
    params = request.query_params
    ui = ko.UI_TEXT
    query = PnlQuery(
        strategy_id=_id(ui["pnl_filter_strategy"], params.get("strategy")),
        broker_account_id=_id(ui["pnl_filter_account"], params.get("account")),
        start=_date(ui["pnl_filter_start"], params.get("start")),
        end=_date(ui["pnl_filter_end"], params.get("end")),
    )
    if query.start and query.end and query.start > query.end:
        raise BadFilter(texts.BAD_RANGE)
    if query.strategy_id is not None and all(v.strategy_id != query.strategy_id for v in views):
        raise BadFilter(texts.UNKNOWN_STRATEGY)
    account = query.broker_account_id
    if account is not None and all(v.broker_account_id != account for v in views):
        raise BadFilter(texts.UNKNOWN_ACCOUNT)
    return query


async def _report(state: WebState, views: list[StrategyAccountView], query: PnlQuery) -> PnlReport:
    if state.deps is None:
        raise RuntimeError("the PnL report needs the service deps")
    return await pnl_report(state.deps, views, query)


# --- JSON ----------------------------------------------------------------------------------


def _amount(value: Decimal | None, step: Decimal = _CENT) -> str | None:
    return None if value is None else str(value.quantize(step, rounding=ROUND_HALF_UP) + 0)


def summary_json(summary: PnlSummary) -> dict[str, Any]:
    stats = summary.stats
    return {
        "realized": _amount(summary.realized),
        "unrealized": _amount(summary.unrealized),
        "total": _amount(summary.total),
        "fees": _amount(summary.fees),
        "trades": stats.trades,
        "wins": stats.wins,
        "losses": stats.losses,
        "win_rate": _amount(stats.win_rate, _RATIO),
        "average_win": _amount(stats.average_win),
        "average_loss": _amount(stats.average_loss),
        "profit_factor": _amount(stats.profit_factor, _RATIO),
        "max_drawdown": _amount(summary.max_drawdown),
        "unmatched_quantity": str(summary.unmatched_quantity),
        "days": [
            {
                "day": p.day.isoformat(),
                "pnl": _amount(p.pnl),
                "realized": _amount(p.realized),
                "unrealized": _amount(p.unrealized),
                "equity": _amount(p.equity),
            }
            for p in summary.days
        ],
    }


def report_json(report: PnlReport, names: dict[str, str]) -> dict[str, Any]:
    query = report.query
    return {
        "as_of": report.as_of.isoformat(),
        "has_fills": report.has_fills,
        "filters": {
            "strategy": query.strategy_id,
            "account": query.broker_account_id,
            "start": None if query.start is None else query.start.isoformat(),
            "end": None if query.end is None else query.end.isoformat(),
        },
        "total": summary_json(report.total),
        "strategies": [
            {"id": g.id, "name": g.name, "summary": summary_json(g.summary)}
            for g in report.strategies
        ],
        "accounts": [
            {"id": g.id, "name": g.name, "summary": summary_json(g.summary)}
            for g in report.accounts
        ],
        "marks": [
            {
                "symbol": m.symbol.code,
                "name": names.get(m.symbol.code),
                "price": _amount(m.price),
                "estimated": m.estimated,
            }
            for m in report.marks
        ],
    }


async def _symbol_names(state: WebState, report: PnlReport) -> dict[str, str]:
    found = await state.symbol_names.names([m.symbol for m in report.marks])
    return {symbol.code: name for symbol, name in found.items()}


@router.get("/api/pnl")
async def pnl_api(request: Request, user: CurrentUser, state: StateDep) -> Response:
    """PnL figures, the equity curve and daily PnL, in total, per strategy and per account."""
    views = await accounts_service.strategy_accounts_of_user(state.accounts, user.id)
    try:
        query = parse_query(request, views)
    except BadFilter as exc:
        return JSONResponse({"success": False, "error": str(exc)}, status_code=400)
    report = await _report(state, views, query)
    return JSONResponse(report_json(report, await _symbol_names(state, report)))


# --- page ----------------------------------------------------------------------------------


def _money_class(value: Decimal | None) -> str:
    if value is None or value == 0:
        return ""
    return "pnl-up" if value > 0 else "pnl-down"  # Korean convention: gains red, losses blue


def figures(label: str, summary: PnlSummary) -> dict[str, Any]:
    """One row of the summary table, as the page shows it ('-' where undefined)."""
    stats, none = summary.stats, texts.UI["pnl_none"]
    factor = stats.profit_factor
    return {
        "label": label,
        "realized": format_won(summary.realized),
        "realized_class": _money_class(summary.realized),
        "unrealized": format_won(summary.unrealized),
        "unrealized_class": _money_class(summary.unrealized),
        "total": format_won(summary.total),
        "total_class": _money_class(summary.total),
        "trades": stats.trades,
        "win_rate": none if stats.win_rate is None else format_rate(stats.win_rate, 1, False),
        "average_win": none if stats.average_win is None else format_won(stats.average_win),
        "average_loss": none if stats.average_loss is None else format_won(stats.average_loss),
        "profit_factor": none if factor is None else f"{factor.quantize(_CENT, ROUND_HALF_UP)}",
        "max_drawdown": format_won(summary.max_drawdown),
    }


def _options(views: list[StrategyAccountView]) -> tuple[dict[int, str], dict[int, str]]:
    strategies = {int(v.strategy_id): v.strategy_name for v in views}
    accounts = {
        int(v.broker_account_id): f"{v.broker_account_name} ({v.account_hint})" for v in views
    }
    return strategies, accounts


@router.get("/pnl", include_in_schema=False)
async def pnl_page(request: Request, user: CurrentUser, state: StateDep) -> Response:
    """Summary figures and the charts of the user's PnL."""
    views = await accounts_service.strategy_accounts_of_user(state.accounts, user.id)
    strategies, accounts = _options(views)
    context: dict[str, Any] = {
        "user": user,
        "strategies": strategies,
        "accounts": accounts,
        "params": dict(request.query_params),
        "current_page": "pnl",
    }
    try:
        query = parse_query(request, views)
    except BadFilter as exc:
        context["error"] = str(exc)
        return render(request, "pnl.html", context, status_code=400)
    report = await _report(state, views, query)
    total = report.total
    context.update(
        report=report,
        rows=[
            figures(ko.UI_TEXT["pnl_total"], total),
            *(figures(g.name, g.summary) for g in report.strategies),
        ],
        account_rows=[figures(g.name, g.summary) for g in report.accounts],
        names=await state.symbol_names.names([m.symbol for m in report.marks]),
        unmatched=texts.UI["pnl_unmatched"].format(
            quantity=ko.format_shares(total.unmatched_quantity)
        ),
    )
    return render(request, "pnl.html", context)
