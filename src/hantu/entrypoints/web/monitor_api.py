"""The monitor's API: `GET /api/monitor` and `POST /api/monitor/start|stop|restart`.

Two callers: a signed-in browser (session cookie; POSTs carry the CSRF header) sees the
positions of its own strategy accounts; `hantu monitor ...` on the server's machine presents
the local admin token (`X-Hantu-Local-Token`) and sees every position. The token is refused
from any peer but loopback, and from loopback too when a forwarding header says the request
came through a proxy (a reverse proxy on the same machine would make everyone loopback).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from hantu import messages_ko as ko
from hantu.adapters.local_token import HEADER, same_token
from hantu.bootstrap.monitor_control import MonitorRuntime
from hantu.domain.accounts import User
from hantu.domain.values import Symbol
from hantu.entrypoints.web.csrf import require_csrf
from hantu.entrypoints.web.deps import get_current_user, get_state
from hantu.entrypoints.web.order_views import seoul_time
from hantu.entrypoints.web.state import WebState
from hantu.messages_ko import monitor_panel as text
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.monitor_control import MonitorControl, MonitorStatus

router = APIRouter(prefix="/api", tags=["monitor"])
log = logging.getLogger(__name__)
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip", "x-forwarded-host")


def problem(status: int, error: str) -> JSONResponse:
    return JSONResponse({"success": False, "error": error}, status_code=status)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asks: a signed-in user (sees their positions) or the local admin (sees all)."""

    user: User | None

    @property
    def local_admin(self) -> bool:
        return self.user is None


def monitor_runtime(request: Request) -> MonitorRuntime | None:
    runtime = getattr(request.app.state, "runtime", None)
    found = getattr(getattr(runtime, "app", None), "monitor_runtime", None)
    return found if isinstance(found, MonitorRuntime) else None


def _loopback(request: Request) -> bool:
    if any(name in request.headers for name in FORWARDING_HEADERS):
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def caller_of(request: Request, *, changes: bool) -> Caller | JSONResponse:
    """The local admin by token from loopback, else the signed-in user (CSRF on changes)."""
    presented = request.headers.get(HEADER)
    if presented is not None:
        if not _loopback(request):
            return problem(403, text.LOCAL_TOKEN_REMOTE)
        found = monitor_runtime(request)
        if found is None or not same_token(found.local_token, presented):
            return problem(401, text.LOCAL_TOKEN_WRONG)
        return Caller(None)
    user = await get_current_user(request, get_state(request))  # LoginRequired → 401
    if changes:
        await require_csrf(request)  # CsrfFailed → 403
    return Caller(user)


async def status_json(state: WebState, status: MonitorStatus, caller: Caller) -> dict[str, Any]:
    """The status as the API, the panel and the CLI show it; a user sees their positions."""
    positions = list(status.positions)
    if caller.user is not None:
        views = await accounts_service.strategy_accounts_of_user(state.accounts, caller.user.id)
        own = {int(v.id) for v in views}
        positions = [p for p in positions if p.strategy_account_id in own]
    symbols = sorted({p.symbol for p in positions})
    names = await state.symbol_names.names([Symbol(s) for s in symbols]) if symbols else {}
    by_code = {symbol.code: name for symbol, name in names.items()}
    subs = status.subscriptions
    return {
        "success": True,
        "server": True,
        "running": status.running,
        "state": status.state.value,
        "state_label": ko.monitor.state_label(status.state.value),
        "subscriptions": {
            "done": subs.done,
            "total": subs.total,
            "label": ko.monitor.subscribed(subs.done, subs.total),
        },
        "changed_at": None if status.changed_at is None else status.changed_at.isoformat(),
        "changed_label": None if status.changed_at is None else seoul_time(status.changed_at),
        "changed_by": None if status.changed_by is None else status.changed_by.value,
        "changed_by_label": None
        if status.changed_by is None
        else text.actor_label(status.changed_by.value),
        "halted": list(status.halted),
        "positions": [
            {
                "strategy_account_id": p.strategy_account_id,
                "symbol": p.symbol,
                "name": by_code.get(p.symbol, ""),
                "quantity": str(p.quantity),
                "average_price": str(p.average_price),
                "protection": p.protection.value,
                "protection_label": text.protection_label(p.protection.value, p.refused),
                "protection_reason": p.refused,
                "last_tick_age_seconds": p.last_tick_age_s,
                "last_tick_label": text.tick_age(p.last_tick_age_s),
                "best_bid": None if p.best_bid is None else str(p.best_bid),
                "best_bid_age_seconds": p.best_bid_age_s,
                "best_bid_label": text.best_bid(p.best_bid, p.best_bid_age_s),
            }
            for p in positions
        ],
    }


Action = Callable[[MonitorControl], Awaitable[MonitorStatus]]
ACTIONS: dict[str, tuple[Action, str]] = {
    "start": (lambda c: c.start(), text.MONITOR_STARTED),
    "stop": (lambda c: c.stop(), text.MONITOR_STOPPED),
    "restart": (lambda c: c.restart(), text.MONITOR_RESTARTED),
}


@router.get("/monitor")
async def get_monitor(request: Request) -> JSONResponse:
    """The monitor's state of spec 002, its subscriptions and the positions protected."""
    caller = await caller_of(request, changes=False)
    if isinstance(caller, JSONResponse):
        return caller
    found = monitor_runtime(request)
    if found is None:
        return problem(503, text.MONITOR_DISABLED)
    try:
        status = await found.control.status()
    except Exception:  # the database away: a 503 that says so, never a 500
        log.exception("monitor status failed")
        return problem(503, text.STATUS_FAILED)
    return JSONResponse(await status_json(get_state(request), status, caller))


async def _act(request: Request, name: str) -> JSONResponse:
    caller = await caller_of(request, changes=True)
    if isinstance(caller, JSONResponse):
        return caller
    found = monitor_runtime(request)
    if found is None:
        return problem(503, text.MONITOR_DISABLED)
    action, message = ACTIONS[name]
    try:
        status = await action(found.control)
    except Exception:  # the database or a broker away: say so, the monitor stays as shown
        log.exception("monitor %s failed", name)
        return problem(503, text.ACTION_FAILED)
    body = await status_json(get_state(request), status, caller)
    return JSONResponse({**body, "message": message})


@router.post("/monitor/start")
async def start_monitor(request: Request) -> JSONResponse:
    return await _act(request, "start")


@router.post("/monitor/stop")
async def stop_monitor(request: Request) -> JSONResponse:
    return await _act(request, "stop")


@router.post("/monitor/restart")
async def restart_monitor(request: Request) -> JSONResponse:
    return await _act(request, "restart")
