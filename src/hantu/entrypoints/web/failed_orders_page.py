"""The failed-orders page: filters, bulk retry and remove, CSV and statistics (its own page
since issue 10; the table and the statistics are drawn by /static/failed_orders.js)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from hantu.entrypoints.web.deps import CurrentUser, StateDep
from hantu.entrypoints.web.failed_orders_filters import SEOUL
from hantu.entrypoints.web.templating import render
from hantu.service_layer import accounts as accounts_service

router = APIRouter(include_in_schema=False)


@router.get("/failed-orders")
async def failed_orders_page(request: Request, user: CurrentUser, state: StateDep) -> Response:
    """The page; the data comes from /api/failed-orders (list, stats) as the filters change."""
    views = await accounts_service.strategy_accounts_of_user(state.accounts, user.id)
    today = state.clock.now().astimezone(SEOUL).date().isoformat()
    context = {"user": user, "strategy_accounts": views, "today": today}
    return render(request, "failed_orders.html", context)
