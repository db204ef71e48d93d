"""The simulator's control API: fault injection over HTTP, for `hantu sim-fault` and tests.

Served by the REST server under `/__sim__/`, a path no KIS client uses. JSON in, JSON out:
`POST /__sim__/<fault>` with an object body (unknown fields are refused, so a typo cannot
silently inject the wrong fault) and `GET /__sim__/state`. Answers name the offending
field on bad input (400, 404 for an unknown symbol, 422 for a price the market refuses,
415 for a body that is not JSON) and never 500.

Only loopback may use it: a peer that is not loopback gets 403, and so does a request
whose `Host` is not a loopback name (a web page rebinding its DNS to 127.0.0.1 cannot
reach it). Requiring `application/json` also keeps a browser's plain form posts out.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hantu.simulator.faults import DEFAULT_REJECT_CODE, DEFAULT_REJECT_MESSAGE
from hantu.simulator.rest_common import SimContext

PREFIX = "/__sim__"
VI_KINDS = frozenset({"1", "2", "3"})  # H0STMKO0 VI_CLS_CODE: static, dynamic, both
MAX_SECONDS = 86_400.0
MAX_TEXT = 200

Body = dict[str, Any]
Result = dict[str, Any]


class BadInput(Exception):
    """A control request the simulator cannot act on; `field` names the culprit."""

    def __init__(self, field: str, problem: str, status: int = 400) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem
        self.status = status


# --- fields ------------------------------------------------------------------------------


def _seconds(body: Body, name: str = "seconds") -> float:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadInput(name, "required: a number of seconds")
    if not 0 <= value <= MAX_SECONDS:
        raise BadInput(name, f"must be between 0 and {MAX_SECONDS:.0f}")
    return float(value)


def _flag(body: Body, name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise BadInput(name, "must be true or false")
    return value


def _text(body: Body, name: str, default: str) -> str:
    value = body.get(name, default)
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise BadInput(name, f"must be a non-empty string of at most {MAX_TEXT} characters")
    return value.strip()


def _symbol(ctx: SimContext, body: Body) -> str:
    code = body.get("symbol")
    if not isinstance(code, str) or not code.strip():
        raise BadInput("symbol", "required: a symbol code such as 005930")
    code = code.strip()
    if ctx.feed.get(code) is None:
        raise BadInput("symbol", f"{code} is not listed on this simulator", status=404)
    return code


def _price(body: Body, name: str) -> Decimal:
    raw = body.get(name)
    # Money never travels as a JSON float: an integer or a decimal string only.
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise BadInput(name, "required: a price in won, as an integer or a string")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise BadInput(name, f"{raw!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise BadInput(name, "must be a positive price")
    return value


def _positive_int(body: Body, name: str, default: int | None) -> int | None:
    value = body.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadInput(name, "must be a whole number of at least 1")
    return value


# --- one handler per fault ---------------------------------------------------------------


def _drop_ws(ctx: SimContext, body: Body) -> Result:
    graceful = _flag(body, "graceful")
    dropped = ctx.faults.drop_websockets(abrupt=not graceful)
    how = "정상 종료" if graceful else "강제 절단"
    return {
        "dropped": dropped,
        "message": f"WebSocket 세션 {dropped}개 {how} / dropped {dropped} WebSocket session(s)",
    }


def _refuse_ws(ctx: SimContext, body: Body) -> Result:
    seconds = _seconds(body)
    ctx.faults.refuse_websockets(seconds)
    return {
        "seconds": seconds,
        "message": f"{seconds:g}초 동안 WebSocket 접속 거부 (HTTP 503) / "
        f"refusing WebSocket connections for {seconds:g} s",
    }


def _delay_orders(ctx: SimContext, body: Body) -> Result:
    seconds = _seconds(body)
    all_paths = _flag(body, "all_paths")
    ctx.faults.delay_rest(seconds, orders_only=not all_paths)
    scope = "all" if all_paths else "orders"
    scope_en = "all REST" if all_paths else "order"
    if seconds == 0:
        message = "REST 응답 지연 해제 / REST delay off"
    else:
        what = "모든 REST 응답" if all_paths else "주문 응답"
        message = (
            f"{what}을 {seconds:g}초 지연 (주문은 실행됨) / delaying {scope_en} answers "
            f"by {seconds:g} s (orders still execute)"
        )
    return {"seconds": seconds, "scope": scope, "message": message}


def _reject_next(ctx: SimContext, body: Body) -> Result:
    code = _text(body, "code", DEFAULT_REJECT_CODE)
    if not code.isascii() or not code.isalnum() or len(code) > 12:
        raise BadInput("code", "must be a KIS message code such as APBK0919")
    message = _text(body, "message", DEFAULT_REJECT_MESSAGE)
    ctx.faults.reject_next_order(code, message)
    return {
        "code": code,
        "message": f"다음 주문을 {code}로 거부 / the next order is rejected with {code}",
    }


def _reject_exchange(ctx: SimContext, body: Body) -> Result:
    ctx.faults.reject_at_exchange_next()
    return {
        "message": "다음 신규 주문은 접수 후 거래소 거부 (체결통보 RFUS_YN=1) / the next new "
        "order is accepted, then refused by the exchange",
    }


def _halt(ctx: SimContext, body: Body) -> Result:
    code = _symbol(ctx, body)
    ctx.faults.halt(code)
    return {"symbol": code, "message": f"{code} 거래정지 / halted {code}"}


def _vi(ctx: SimContext, body: Body) -> Result:
    code = _symbol(ctx, body)
    kind = body.get("kind", "2")
    if kind not in VI_KINDS:
        raise BadInput("kind", "must be 1 (static), 2 (dynamic) or 3 (both)")
    ctx.faults.trigger_vi(code, kind)
    return {"symbol": code, "kind": kind, "message": f"{code} VI 발동 ({kind}) / VI on {code}"}


def _resume(ctx: SimContext, body: Body) -> Result:
    code = _symbol(ctx, body)
    ctx.faults.resume(code)
    return {"symbol": code, "message": f"{code} 거래재개 / resumed {code}"}


def _move_price(ctx: SimContext, body: Body) -> Result:
    code = _symbol(ctx, body)
    price = _price(body, "to")
    qty = _positive_int(body, "qty", 1) or 1
    try:
        trade = ctx.faults.move_price(code, price, qty)
    except ValueError as exc:
        raise BadInput("to", str(exc), status=422) from None
    shown = str(trade.price)
    return {
        "symbol": code,
        "price": shown,
        "qty": trade.qty,
        "message": f"{code} {shown}원에 {trade.qty}주 체결 / {code} traded at {shown}",
    }


def _rate_limit(ctx: SimContext, body: Body) -> Result:
    if "per_second" not in body:
        raise BadInput("per_second", "required: a whole number, or null for off")
    per_second = _positive_int(body, "per_second", None)
    ctx.faults.set_rate_limit(per_second)
    if per_second is None:
        message = "초당 요청 한도 해제 / rate limit off"
    else:
        message = f"앱키별 초당 {per_second}건 초과 시 EGW00201 / rate limit {per_second}/s"
    return {"per_second": per_second, "message": message}


def _expire_tokens(ctx: SimContext, body: Body) -> Result:
    ctx.faults.expire_tokens()
    return {"message": "모든 접근토큰 만료 (EGW00123) / every access token expired"}


@dataclass(frozen=True, slots=True)
class Fault:
    """A control endpoint: what it does and which body fields it takes."""

    run: Callable[[SimContext, Body], Result]
    fields: frozenset[str] = frozenset()


FAULTS: dict[str, Fault] = {
    "drop-ws": Fault(_drop_ws, frozenset({"graceful"})),
    "refuse-ws": Fault(_refuse_ws, frozenset({"seconds"})),
    "delay-orders": Fault(_delay_orders, frozenset({"seconds", "all_paths"})),
    "reject-next": Fault(_reject_next, frozenset({"code", "message"})),
    "reject-exchange": Fault(_reject_exchange),
    "halt": Fault(_halt, frozenset({"symbol"})),
    "vi": Fault(_vi, frozenset({"symbol", "kind"})),
    "resume": Fault(_resume, frozenset({"symbol"})),
    "price": Fault(_move_price, frozenset({"symbol", "to", "qty"})),
    "rate-limit": Fault(_rate_limit, frozenset({"per_second"})),
    "expire-tokens": Fault(_expire_tokens),
}


# --- state -------------------------------------------------------------------------------


def state(ctx: SimContext) -> Result:
    """Symbols with prices, accounts with cash and holdings, and the faults in force."""
    symbols = []
    for code in ctx.feed.symbols:
        s = ctx.feed[code]
        symbols.append(
            {
                "symbol": code,
                "name": s.name,
                "price": str(s.last),
                "base": str(s.base),
                "upper": str(s.upper),
                "lower": str(s.lower),
                "volume": s.volume,
                "halted": s.halted,
                "vi": s.vi,
            }
        )
    accounts = [
        {
            "account": a.number,
            "hts_id": a.hts_id,
            "cash": str(a.cash),
            "available_cash": str(a.available_cash),
            "holdings": {code: h.qty for code, h in a.holdings.items() if h.qty},
            "open_orders": sum(1 for o in ctx.engine.orders_of(a) if o.is_open),
        }
        for a in ctx.engine.accounts
    ]
    return {"symbols": symbols, "accounts": accounts, "faults": ctx.faults.active()}


# --- the wire ----------------------------------------------------------------------------


def _refusal(status: int, field: str, problem: str) -> JSONResponse:
    return JSONResponse({"error": problem, "field": field}, status_code=status)


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _foreign(request: Request) -> JSONResponse | None:
    peer = request.client.host if request.client else None
    if not _is_loopback(peer):
        return _refusal(403, "client", "the control API answers loopback clients only")
    if not _is_loopback(request.url.hostname):
        return _refusal(403, "host", "the Host header must name a loopback address")
    return None


async def _body(request: Request, fields: frozenset[str]) -> Body:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise BadInput("content-type", "send a JSON object (application/json)", status=415)
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError):
        raise BadInput("body", "not valid JSON") from None
    if not isinstance(body, dict):
        raise BadInput("body", "must be a JSON object")
    unknown = sorted(set(body) - fields)
    if unknown:
        raise BadInput(unknown[0], f"unknown field; this fault takes {sorted(fields) or 'none'}")
    return body


def _fault_endpoint(
    ctx: SimContext, name: str, fault: Fault
) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        refused = _foreign(request)
        if refused is not None:
            return refused
        try:
            result = fault.run(ctx, await _body(request, fault.fields))
        except BadInput as exc:
            return _refusal(exc.status, exc.field, exc.problem)
        return JSONResponse({"fault": name, **result})

    return run


def _state_endpoint(ctx: SimContext) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        return _foreign(request) or JSONResponse(state(ctx))

    return run


async def _unknown(request: Request) -> Response:
    refused = _foreign(request)
    if refused is not None:
        return refused
    name = request.path_params.get("name", "")
    if name == "state" or name in FAULTS:
        method = "GET" if name == "state" else "POST"
        return _refusal(405, "method", f"{name} takes {method}")
    known = ", ".join(["state", *FAULTS])
    return _refusal(404, "fault", f"no control endpoint {name!r}; known: {known}")


def control_routes(ctx: SimContext) -> list[Route]:
    """The `/__sim__/...` routes: one POST per fault, `GET state`, JSON 404 for the rest."""
    routes = [Route(f"{PREFIX}/state", _state_endpoint(ctx), methods=["GET"])]
    routes += [
        Route(f"{PREFIX}/{name}", _fault_endpoint(ctx, name, fault), methods=["POST"])
        for name, fault in FAULTS.items()
    ]
    routes.append(Route(f"{PREFIX}/{{name:path}}", _unknown, methods=["GET", "POST"]))
    return routes
