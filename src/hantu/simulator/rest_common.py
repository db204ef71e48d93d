"""What every simulated KIS REST endpoint shares: the gate, the envelope, pagination.

The gate runs in KIS's order as far as the reference tells it: per-app-key rate limit
(`EGW00201`, HTTP 500), app key and secret (`EGW00103`/`EGW00105`), bearer token
(`EGW00205` malformed, `EGW00121` invalid, `EGW00123` expired; HTTP 500), then the
`tr_id` must belong to the path. Gateway errors answer HTTP 500 with the normal envelope;
business answers are HTTP 200 whatever `rt_cd` says (reference §3.2).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hantu.service_layer.ports import Clock
from hantu.simulator.accounts import Account
from hantu.simulator.faults import Faults
from hantu.simulator.feed import PriceFeed
from hantu.simulator.gateway import RateLimiter, TokenStore
from hantu.simulator.matching import MatchingEngine

GATEWAY_MESSAGES = {
    "EGW00201": "초당 거래건수를 초과하였습니다.",
    "EGW00103": "유효하지 않은 AppKey입니다.",
    "EGW00105": "유효하지 않은 AppSecret입니다.",
    "EGW00205": "credentials_type이 유효하지 않습니다.(Bearer)",
    "EGW00121": "유효하지 않은 token 입니다.",
    "EGW00123": "기간이 만료된 token 입니다.",
    # Not in the reference: the simulator's answer for a tr_id that does not fit the path.
    "OPSQ0002": "없는 서비스 코드 입니다",
}


@dataclass(slots=True)
class PageSizes:
    """Rows per page, per TR family and dialect (reference gotcha 9).

    KIS real pages daily orders at 100, the balance and open orders at 50; KIS paper
    (`V…` TR IDs) pages daily orders at 15 and the balance at 20.
    """

    daily_ccld: int = 100
    balance: int = 50
    psbl_rvsecncl: int = 50
    holidays: int = 20
    paper_daily_ccld: int = 15
    paper_balance: int = 20

    def daily_for(self, call: Call) -> int:
        """Rows per inquire-daily-ccld page in the call's dialect."""
        return self.paper_daily_ccld if call.paper else self.daily_ccld

    def balance_for(self, call: Call) -> int:
        """Rows per inquire-balance page in the call's dialect."""
        return self.paper_balance if call.paper else self.balance


@dataclass(slots=True)
class SimContext:
    """The simulator's parts, as the REST handlers need them."""

    clock: Clock
    feed: PriceFeed
    engine: MatchingEngine
    tokens: TokenStore
    limiter: RateLimiter
    faults: Faults
    pages: PageSizes = field(default_factory=PageSizes)


@dataclass(frozen=True, slots=True)
class Call:
    """An authenticated request: who sent it, which TR, its parameters (upper-case keys)."""

    account: Account
    tr_id: str
    params: dict[str, str]
    tr_cont: str

    @property
    def paper(self) -> bool:
        """Paper TR IDs start with `V` (reference §1.2)."""
        return self.tr_id.startswith("V")


class InputError(Exception):
    """A missing or malformed request field."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def envelope(rt_cd: str, msg_cd: str, msg1: str, **outputs: Any) -> dict[str, Any]:
    """The KIS answer body: `rt_cd`, `msg_cd`, `msg1`, then `output`/`output1`/... blocks."""
    return {"rt_cd": rt_cd, "msg_cd": msg_cd, "msg1": msg1, **outputs}


def answer(
    body: dict[str, Any], tr_id: str = "", *, status: int = 200, tr_cont: str = ""
) -> JSONResponse:
    """A JSON response with KIS's response headers (`tr_id`, `tr_cont`, `gt_uid`)."""
    headers = {"tr_id": tr_id, "tr_cont": tr_cont, "gt_uid": secrets.token_hex(16)}
    return JSONResponse(body, status_code=status, headers=headers)


def gateway_error(code: str, tr_id: str = "") -> JSONResponse:
    """A gateway rejection: HTTP 500 with the normal envelope."""
    return answer(envelope("1", code, GATEWAY_MESSAGES[code]), tr_id, status=500)


def input_error(name: str, tr_id: str) -> JSONResponse:
    """A malformed field. The code is the simulator's choice (not in the reference)."""
    return answer(envelope("1", "OPSQ2002", f"ERROR : INPUT_FIELD_NAME {name}"), tr_id)


def ok_message(call: Call) -> tuple[str, str]:
    """The success code of an inquiry: paper answers with its own numeric codes."""
    if call.paper:
        return "20310000", "모의투자 조회가 완료되었습니다."
    return "MCA00000", "정상처리 되었습니다."


Handler = Callable[[SimContext, Call], Awaitable[Response]]


def _authenticate(ctx: SimContext, request: Request) -> Account | JSONResponse:
    headers = request.headers
    app_key = headers.get("appkey", "")
    tr_id = headers.get("tr_id", "")
    if not ctx.limiter.allow(app_key):
        return gateway_error("EGW00201", tr_id)
    account = ctx.engine.account_for_key(app_key)
    if account is None:
        return gateway_error("EGW00103", tr_id)
    if headers.get("appsecret", "") != account.app_secret:
        return gateway_error("EGW00105", tr_id)
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return gateway_error("EGW00205", tr_id)
    problem = ctx.tokens.check(token.strip(), app_key)
    if problem is not None:
        return gateway_error(problem, tr_id)
    return account


async def _params(request: Request) -> dict[str, str]:
    if request.method == "GET":
        return {k.upper(): v for k, v in request.query_params.items()}
    body = await request.json()
    if not isinstance(body, dict):
        raise InputError("BODY")
    for key, value in body.items():
        # KIS wants upper-case keys and string values in POST bodies (reference §3.1).
        if not isinstance(value, str):
            raise InputError(str(key))
    return {str(k): v for k, v in body.items() if str(k).isupper() or not str(k).isalpha()}


def endpoint(
    ctx: SimContext, tr_ids: frozenset[str], handler: Handler
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler with the gateway checks, the account check and the fault delay."""

    async def run(request: Request) -> Response:
        tr_id = request.headers.get("tr_id", "")
        gate = _authenticate(ctx, request)
        if isinstance(gate, Response):
            return gate
        if tr_id not in tr_ids:
            return gateway_error("OPSQ0002", tr_id)
        try:
            params = await _params(request)
            call = Call(gate, tr_id, params, request.headers.get("tr_cont", ""))
            _check_account(call)
            response = await handler(ctx, call)
        except InputError as exc:
            response = input_error(exc.name, tr_id)
        except ValueError:
            response = input_error("BODY", tr_id)
        await ctx.faults.hold(ctx.faults.delay_for(request.url.path))
        return response

    return run


def _check_account(call: Call) -> None:
    if "CANO" not in call.params and "ACNT_PRDT_CD" not in call.params:
        return  # quotations carry no account
    account = call.account
    if call.params.get("CANO") != account.cano:
        raise InputError("CANO")
    if call.params.get("ACNT_PRDT_CD") != account.product_code:
        raise InputError("ACNT_PRDT_CD")


def require(call: Call, name: str) -> str:
    """A required request field, or an input error naming it."""
    value = call.params.get(name)
    if value is None:
        raise InputError(name)
    return value.strip()


def paginate(
    rows: Sequence[dict[str, str]], call: Call, size: int, suffix: str = "100"
) -> tuple[list[dict[str, str]], str, dict[str, str]]:
    """Cut one page; return it, the `tr_cont` header, and the cursor fields for the body.

    The NK cursor carries the offset of the next row. It is honoured whenever it is sent
    (KIS also wants the `tr_cont: N` request header; the simulator does not insist).
    """
    fk_key, nk_key = f"CTX_AREA_FK{suffix}", f"CTX_AREA_NK{suffix}"
    cursor = call.params.get(nk_key, "").strip()
    start = int(cursor) if cursor.isdigit() else 0
    end = start + size
    page = list(rows[start:end])
    more = end < len(rows)
    tr_cont = ("F" if start == 0 else "M") if more else "D"
    fk = call.params.get(fk_key, "").strip()
    cursors = {fk_key.lower(): fk, nk_key.lower(): f"{end:010d}" if more else ""}
    return page, tr_cont, cursors


def parse_date(raw: str, name: str) -> date:
    """A `YYYYMMDD` request field, or an input error naming it."""
    try:
        return datetime.strptime(raw, "%Y%m%d").date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        raise InputError(name) from None


def won(value: Decimal | int) -> str:
    """An amount or price as KIS prints it: a whole number of won."""
    return str(Decimal(value).quantize(Decimal(1)))


def rate(value: Decimal, places: str = "0.01") -> str:
    """A ratio or percentage with fixed decimals."""
    return str(value.quantize(Decimal(places)))
