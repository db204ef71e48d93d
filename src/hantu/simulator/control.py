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
from dataclasses import asdict, dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hantu.simulator.control_defaults import DEFAULT_REJECT_CODE, DEFAULT_REJECT_MESSAGE
from hantu.simulator.control_fields import (
    BadInput,
    Body,
    read_flag,
    read_optional_seconds,
    read_positive_int,
    read_price,
    read_seconds,
    read_symbol,
    read_text,
)
from hantu.simulator.control_prefix import PREFIX
from hantu.simulator.faults import MAX_REFUSED_SUBSCRIPTIONS
from hantu.simulator.rest_common import SimContext

VI_KINDS = frozenset({"1", "2", "3"})  # H0STMKO0 VI_CLS_CODE: static, dynamic, both
MAX_SCRIPT = 1_000
Result = dict[str, Any]


# --- one handler per fault ---------------------------------------------------------------


def _drop_ws(ctx: SimContext, body: Body) -> Result:
    graceful = read_flag(body, "graceful")
    dropped = ctx.faults.drop_websockets(abrupt=not graceful)
    how = "정상 종료" if graceful else "강제 절단"
    return {
        "dropped": dropped,
        "message": f"WebSocket 세션 {dropped}개 {how} / dropped {dropped} WebSocket session(s)",
    }


def _refuse_ws(ctx: SimContext, body: Body) -> Result:
    seconds = read_seconds(body)
    ctx.faults.refuse_websockets(seconds)
    return {
        "seconds": seconds,
        "message": f"{seconds:g}초 동안 WebSocket 접속 거부 (HTTP 503) / "
        f"refusing WebSocket connections for {seconds:g} s",
    }


def _refuse_subscribe(ctx: SimContext, body: Body) -> Result:
    raw = body.get("symbols", [])
    if not isinstance(raw, list) or len(raw) > MAX_REFUSED_SUBSCRIPTIONS:
        raise BadInput("symbols", "a list of symbol codes (empty: none)")
    try:
        codes = [read_symbol(ctx, {"symbol": code}) for code in raw]
    except BadInput as exc:
        raise BadInput("symbols", exc.problem, exc.status) from None
    count = body.get("count", 0)
    if isinstance(count, bool) or not isinstance(count, int):
        raise BadInput("count", "a whole number of subscribe requests (0: none)")
    if not 0 <= count <= MAX_REFUSED_SUBSCRIPTIONS:
        raise BadInput("count", f"between 0 and {MAX_REFUSED_SUBSCRIPTIONS}")
    ctx.faults.refuse_subscriptions(codes, count)
    shown = ", ".join(codes) or "-"
    message = (
        f"실시간 구독 거부 (OPSP0007): 종목 {shown}, 다음 {count}건 / refusing subscriptions "
        f"of {shown} and the next {count}"
    )
    return {"symbols": codes, "count": count, "message": message}


def _delay_orders(ctx: SimContext, body: Body) -> Result:
    seconds = read_seconds(body)
    all_paths = read_flag(body, "all_paths")
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
    code = read_text(body, "code", DEFAULT_REJECT_CODE)
    if not code.isascii() or not code.isalnum() or len(code) > 12:
        raise BadInput("code", "must be a KIS message code such as APBK0919")
    message = read_text(body, "message", DEFAULT_REJECT_MESSAGE)
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
    code = read_symbol(ctx, body)
    ctx.faults.halt(code)
    return {"symbol": code, "message": f"{code} 거래정지 / halted {code}"}


def _vi(ctx: SimContext, body: Body) -> Result:
    code = read_symbol(ctx, body)
    kind = body.get("kind", "2")
    if kind not in VI_KINDS:
        raise BadInput("kind", "must be 1 (static), 2 (dynamic) or 3 (both)")
    ctx.faults.trigger_vi(code, kind)
    return {"symbol": code, "kind": kind, "message": f"{code} VI 발동 ({kind}) / VI on {code}"}


def _resume(ctx: SimContext, body: Body) -> Result:
    code = read_symbol(ctx, body)
    ctx.faults.resume(code)
    return {"symbol": code, "message": f"{code} 거래재개 / resumed {code}"}


def _move_price(ctx: SimContext, body: Body) -> Result:
    code = read_symbol(ctx, body)
    price = read_price(body, "to")
    qty = read_positive_int(body, "qty", 1) or 1
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


def _fail_rest(ctx: SimContext, body: Body) -> Result:
    seconds = read_seconds(body)
    status = read_positive_int(body, "status", 503)
    if status is None or not 500 <= status <= 599:
        raise BadInput("status", "an HTTP 5xx status, e.g. 503")
    ctx.faults.fail_rest(seconds, status)
    if seconds == 0:
        message = "REST 장애 해제 / REST failure off"
    else:
        message = (
            f"{seconds:g}초 동안 모든 REST 요청에 HTTP {status} / "
            f"answering every REST request with HTTP {status} for {seconds:g} s"
        )
    return {"seconds": seconds, "status": status, "message": message}


def _rate_limit(ctx: SimContext, body: Body) -> Result:
    if "per_second" not in body:
        raise BadInput("per_second", "required: a whole number, or null for off")
    per_second = read_positive_int(body, "per_second", None)
    ctx.faults.set_rate_limit(per_second)
    if per_second is None:
        message = "초당 요청 한도 해제 / rate limit off"
    else:
        message = f"앱키별 초당 {per_second}건 초과 시 EGW00201 / rate limit {per_second}/s"
    return {"per_second": per_second, "message": message}


def _pingpong(ctx: SimContext, body: Body) -> Result:
    timeout = read_optional_seconds(body, "timeout")
    ctx.faults.strict_pingpong(timeout)
    if timeout is None:
        message = "PINGPONG 무응답 허용 / PINGPONG answers no longer required"
    else:
        message = (
            f"PINGPONG에 {timeout:g}초 안에 응답하지 않는 세션을 끊음 / cutting sessions that "
            f"leave a PINGPONG unanswered for {timeout:g} s"
        )
    return {"timeout": timeout, "message": message}


def _liquidity(ctx: SimContext, body: Body) -> Result:
    code = read_symbol(ctx, body)
    if "qty" not in body:
        raise BadInput("qty", "required: shares per trade, or null for unlimited")
    qty = read_positive_int(body, "qty", None)
    ctx.faults.limit_liquidity(code, qty)
    if qty is None:
        message = f"{code} 체결 수량 제한 해제 / {code} liquidity unlimited"
    else:
        message = f"{code} 체결당 최대 {qty}주 (부분체결) / {code} fills at most {qty} per trade"
    return {"symbol": code, "qty": qty, "message": message}


def _script(ctx: SimContext, body: Body) -> Result:
    code = read_symbol(ctx, body)
    raw = body.get("prices")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_SCRIPT:
        raise BadInput("prices", f"required: a list of 1 to {MAX_SCRIPT} prices")
    prices = [read_price({"prices": p}, "prices") for p in raw]
    try:
        ctx.faults.script_prices(code, prices)
    except ValueError as exc:
        raise BadInput("prices", str(exc), status=422) from None
    return {
        "symbol": code,
        "queued": len(prices),
        "message": f"{code} 시세 {len(prices)}개 예약 (시세 변동마다 하나씩) / queued "
        f"{len(prices)} price(s) for {code}, one per walk step",
    }


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
    "refuse-subscribe": Fault(_refuse_subscribe, frozenset({"symbols", "count"})),
    "delay-orders": Fault(_delay_orders, frozenset({"seconds", "all_paths"})),
    "fail-rest": Fault(_fail_rest, frozenset({"seconds", "status"})),
    "reject-next": Fault(_reject_next, frozenset({"code", "message"})),
    "reject-exchange": Fault(_reject_exchange),
    "halt": Fault(_halt, frozenset({"symbol"})),
    "vi": Fault(_vi, frozenset({"symbol", "kind"})),
    "resume": Fault(_resume, frozenset({"symbol"})),
    "price": Fault(_move_price, frozenset({"symbol", "to", "qty"})),
    "rate-limit": Fault(_rate_limit, frozenset({"per_second"})),
    "expire-tokens": Fault(_expire_tokens),
    "pingpong": Fault(_pingpong, frozenset({"timeout"})),
    "liquidity": Fault(_liquidity, frozenset({"symbol", "qty"})),
    "script": Fault(_script, frozenset({"symbol", "prices"})),
}


# --- state -------------------------------------------------------------------------------


def state(ctx: SimContext) -> Result:
    """Symbols with prices, accounts with cash and holdings, the faults and page sizes."""
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
    pages = asdict(ctx.pages)
    return {"symbols": symbols, "accounts": accounts, "faults": ctx.faults.active(), "pages": pages}


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
