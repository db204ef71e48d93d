"""KIS REST endpoints on one injected `KisHttp`, one small method per endpoint.

Reads may be retried. An order is never re-sent blindly: once the request may have left,
a timeout or a dropped connection raises `BrokerUnavailable` and the caller reconciles
against the day's orders; only EGW00201 (refused before processing) is re-sent here.

An order has two clocks. Its send budget bounds the time before it leaves: the wait in our
rate limiter, and the back-off after each EGW00201; when that runs out it is refused as
`NotSentRateLimited`, never sent. Once sent, KIS has the full order timeout to answer.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_fixed

from hantu.domain.enums import OrderType, Side
from hantu.domain.values import Price, Quantity, Symbol
from hantu.errors import (
    BrokerRejected,
    BrokerUnavailable,
    BrokerUnreachable,
    NotSentRateLimited,
    RateLimited,
)
from hantu.service_layer.ports import BrokerOrder, Clock

from .auth import KisAuth, KisCredentials
from .environments import KisProfile, Tr
from .errors import RequestNotSent, error_from_response
from .ratelimit import RateLimiter
from .schemas import (
    BalanceSummary,
    BuyableAnswer,
    CancellableRow,
    DailyBarRow,
    DailyOrderRow,
    HoldingRow,
    HolidayRow,
    OrderAck,
    PriceAnswer,
    parse_answer,
)
from .translate import (
    cancel_body,
    kst_date,
    modify_body,
    order_cash_body,
    order_type_code,
    split_account,
)
from .transport import KisHttp, KisResponse

_BASE = "/uapi/domestic-stock/v1"
_MORE = frozenset({"F", "M"})  # tr_cont: more pages follow (D/E = last page)
Json = dict[str, Any]


class KisRestClient:
    """The KIS REST API for one account; raises only the `hantu.errors` tree."""

    def __init__(
        self,
        http: KisHttp,
        profile: KisProfile,
        credentials: KisCredentials,
        auth: KisAuth,
        limiter: RateLimiter,
        clock: Clock,
        *,
        use_hashkey: bool = False,
        order_timeout: float | None = None,
        order_queue_timeout: float | None = None,
        read_attempts: int = 3,
        rate_limit_retries: int = 3,
        max_pages: int = 100,
    ) -> None:
        self._http = http
        self._profile = profile
        self._credentials = credentials
        self._auth = auth
        self._limiter = limiter
        self._clock = clock
        self._use_hashkey = use_hashkey
        # Orders get their own deadline (DESIGN: answer 408 after 5 s); reads use the client's.
        self._order_timeout = order_timeout or None
        # Orders may wait this long to leave (our limiter, EGW00201 back-off); None: no limit.
        queue = timedelta(seconds=order_queue_timeout or 0)
        self._queue_timeout = queue or None
        self._read_attempts = read_attempts
        self._rate_limit_retries = rate_limit_retries
        self._max_pages = max_pages
        self._cano, self._product = split_account(credentials.account)
        self._holidays: dict[str, tuple[date, HolidayRow]] = {}

    @property
    def profile(self) -> KisProfile:
        return self._profile

    # --- orders (never retried after they may have left) --------------------------------

    async def order_cash(self, order: BrokerOrder) -> OrderAck:
        """Place a cash order (TTTC0012U buy / TTTC0011U sell; V… on paper)."""
        tr = Tr.BUY if order.side is Side.BUY else Tr.SELL
        body = order_cash_body(self._credentials.account, order)
        answer = await self._order(f"{_BASE}/trading/order-cash", self._profile.tr_id(tr), body)
        return parse_answer(OrderAck, _output(answer))

    async def cancel(
        self, org_no: str, broker_order_id: str, quantity: Quantity | None = None
    ) -> OrderAck:
        """Cancel all (or `quantity` of) an order (TTTC0013U, RVSE_CNCL_DVSN_CD=02)."""
        body = cancel_body(self._credentials.account, org_no, broker_order_id, quantity)
        tr_id = self._profile.tr_id(Tr.REVISE_CANCEL)
        answer = await self._order(f"{_BASE}/trading/order-rvsecncl", tr_id, body)
        return parse_answer(OrderAck, _output(answer))

    async def modify(
        self,
        org_no: str,
        broker_order_id: str,
        order_type: OrderType,
        price: Price | None,
        quantity: Quantity | None = None,
    ) -> OrderAck:
        """Change the price / type of all (or part) of an order (TTTC0013U, code 01)."""
        body = modify_body(
            self._credentials.account, org_no, broker_order_id, order_type, price, quantity
        )
        tr_id = self._profile.tr_id(Tr.REVISE_CANCEL)
        answer = await self._order(f"{_BASE}/trading/order-rvsecncl", tr_id, body)
        return parse_answer(OrderAck, _output(answer))

    async def _order(self, path: str, tr_id: str, body: dict[str, str]) -> Json:
        queue = self._queue_timeout
        deadline = None if queue is None else self._clock.now() + queue
        headers = {}
        if self._use_hashkey:
            try:
                headers["hashkey"] = await self._auth.hashkey(body, deadline=deadline)
            except BrokerUnavailable as exc:
                raise RequestNotSent(f"no hashkey, order not sent: {exc.message}") from None
        call = self._call("POST", path, tr_id, body=body, headers=headers, deadline=deadline)
        answer, _ = await call
        return answer

    # --- reads --------------------------------------------------------------------------

    async def cancellable_orders(self) -> list[CancellableRow]:
        """Open orders that can still be cancelled (TTTC0084R; real only)."""
        params = {**self._account(), "INQR_DVSN_1": "0", "INQR_DVSN_2": "0"}
        bodies = await self._pages(Tr.CANCELLABLE, "trading/inquire-psbl-rvsecncl", params)
        return [
            parse_answer(CancellableRow, row) for body in bodies for row in _rows(body, "output")
        ]

    async def daily_orders(
        self, start: date, end: date, *, symbol: Symbol | None = None
    ) -> list[DailyOrderRow]:
        """Orders and fills between two days, every page (TTTC0081R, newest first)."""
        params = {
            **self._account(),
            "INQR_STRT_DT": start.strftime("%Y%m%d"),
            "INQR_END_DT": end.strftime("%Y%m%d"),
            "SLL_BUY_DVSN_CD": "00",
            "INQR_DVSN": "00",
            "PDNO": symbol.code if symbol else "",
            "CCLD_DVSN": "00",
            "ORD_GNO_BRNO": "",
            "ODNO": "",
            "INQR_DVSN_3": "00",
            "INQR_DVSN_1": "",
            "EXCG_ID_DVSN_CD": "KRX",
        }
        bodies = await self._pages(Tr.DAILY_ORDERS, "trading/inquire-daily-ccld", params)
        return [
            parse_answer(DailyOrderRow, row) for body in bodies for row in _rows(body, "output1")
        ]

    async def balance(self) -> tuple[list[HoldingRow], BalanceSummary]:
        """Holdings (every page) and the cash summary (TTTC8434R)."""
        params = {
            **self._account(),
            "AFHR_FLPR_YN": "N",
            "OFL_YN": "",
            "INQR_DVSN": "02",
            "UNPR_DVSN": "01",
            "FUND_STTL_ICLD_YN": "N",
            "FNCG_AMT_AUTO_RDPT_YN": "N",
            "PRCS_DVSN": "00",
        }
        bodies = await self._pages(Tr.BALANCE, "trading/inquire-balance", params)
        holdings = [
            parse_answer(HoldingRow, row) for body in bodies for row in _rows(body, "output1")
        ]
        summaries = [row for body in bodies for row in _rows(body, "output2")]
        if not summaries:
            raise BrokerUnavailable("inquire-balance answered without output2")
        return holdings, parse_answer(BalanceSummary, summaries[-1])

    async def buyable(self, symbol: Symbol, price: Price | None) -> BuyableAnswer:
        """Buying power for a symbol (TTTC8908R); market type so the margin rate applies."""
        params = {
            **self._account(),
            "PDNO": symbol.code,
            "ORD_UNPR": str(price) if price is not None else "0",
            # ORD_DVSN=01 applies the stock's margin rate; 00 would not (reference §4.6).
            "ORD_DVSN": order_type_code(OrderType.MARKET),
            "CMA_EVLU_AMT_ICLD_YN": "N",
            "OVRS_ICLD_YN": "N",
        }
        body = await self._read(Tr.BUYABLE, "trading/inquire-psbl-order", params)
        return parse_answer(BuyableAnswer, _output(body))

    async def price(self, symbol: Symbol) -> PriceAnswer:
        """Last price and the day's limits (FHKST01010100)."""
        params = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": symbol.code}
        body = await self._read(Tr.PRICE, "quotations/inquire-price", params)
        if body.get("output") in ({}, [], ""):
            # rt_cd "0" with nothing in it: KIS's answer for a code it does not list.
            return PriceAnswer()
        return parse_answer(PriceAnswer, _output(body))

    async def daily_bars(self, symbol: Symbol, start: date, end: date) -> list[DailyBarRow]:
        """Daily bars from `start` to `end`, newest first, at most 100 (FHKST03010100),
        adjusted for splits (`FID_ORG_ADJ_PRC=0`)."""
        params = {
            "FID_COND_MRKT_DIV_CODE": "J",
            "FID_INPUT_ISCD": symbol.code,
            "FID_INPUT_DATE_1": start.strftime("%Y%m%d"),
            "FID_INPUT_DATE_2": end.strftime("%Y%m%d"),
            "FID_PERIOD_DIV_CODE": "D",
            "FID_ORG_ADJ_PRC": "0",
        }
        body = await self._read(Tr.DAILY_CHART, "quotations/inquire-daily-itemchartprice", params)
        return [parse_answer(DailyBarRow, row) for row in _rows(body, "output2")]

    async def is_trading_day(self, day: date) -> bool:
        """Whether KRX opens on a day (CTCA0903R; KIS asks for about one call a day)."""
        today = kst_date(self._clock.now())
        wanted = day.strftime("%Y%m%d")
        cached = self._holidays.get(wanted)
        if cached is None or cached[0] != today:
            # One answer covers the base date and the days after it; keep them all.
            params = {"BASS_DT": wanted, "CTX_AREA_NK": "", "CTX_AREA_FK": ""}
            body = await self._read(Tr.HOLIDAY, "quotations/chk-holiday", params)
            for row in (parse_answer(HolidayRow, r) for r in _rows(body, "output")):
                self._holidays[row.bass_dt] = (today, row)
            cached = self._holidays.get(wanted)
        if cached is None:
            raise BrokerUnavailable(f"chk-holiday did not mention {wanted}")
        return cached[1].opnd_yn.strip() == "Y"

    async def stock_name(self, symbol: Symbol) -> str | None:
        """The listing's short name (CTPF1002R `prdt_abrv_name`, else `prdt_name`); None
        when KIS lists no such stock or this environment has no product lookup."""
        if not self._profile.supports(Tr.STOCK_INFO):
            return None
        params = {"PRDT_TYPE_CD": "300", "PDNO": symbol.code}  # 300: 주식
        try:
            body = await self._read(Tr.STOCK_INFO, "quotations/search-stock-info", params)
        except BrokerRejected:
            return None  # rt_cd 7 (KIOK0560): nothing to show for this code
        output = body.get("output")
        if not isinstance(output, dict):
            return None
        name = str(output.get("prdt_abrv_name") or output.get("prdt_name") or "").strip()
        return name or None

    # --- plumbing -----------------------------------------------------------------------

    def _account(self) -> dict[str, str]:
        return {
            "CANO": self._cano,
            "ACNT_PRDT_CD": self._product,
            "CTX_AREA_FK100": "",
            "CTX_AREA_NK100": "",
        }

    async def _pages(self, tr: Tr, path: str, params: dict[str, str]) -> list[Json]:
        bodies: list[Json] = []
        tr_cont = ""
        for _ in range(self._max_pages):
            body, headers = await self._read_with_headers(tr, path, params, tr_cont)
            bodies.append(body)
            if headers.get("tr_cont", "").strip() not in _MORE:
                return bodies
            # Next page: same query, the cursors KIS returned, and tr_cont: N (reference §3.2).
            params = {
                **params,
                "CTX_AREA_FK100": str(body.get("ctx_area_fk100", "")),
                "CTX_AREA_NK100": str(body.get("ctx_area_nk100", "")),
            }
            tr_cont = "N"
        raise BrokerUnavailable(f"{path} still had more after {self._max_pages} pages")

    async def _read(self, tr: Tr, path: str, params: dict[str, str]) -> Json:
        body, _ = await self._read_with_headers(tr, path, params, "")
        return body

    async def _read_with_headers(
        self, tr: Tr, path: str, params: dict[str, str], tr_cont: str
    ) -> tuple[Json, Mapping[str, str]]:
        tr_id = self._profile.tr_id(tr)
        retrying = AsyncRetrying(
            retry=retry_if_exception_type((BrokerUnavailable, BrokerUnreachable, RequestNotSent)),
            stop=stop_after_attempt(self._read_attempts),
            wait=wait_fixed(0.2),
            sleep=self._clock.sleep,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._call(
                    "GET", f"{_BASE}/{path}", tr_id, params=params, tr_cont=tr_cont
                )
        raise BrokerUnavailable(f"{path} was not answered")  # pragma: no cover

    async def _call(
        self,
        method: str,
        path: str,
        tr_id: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        tr_cont: str = "",
        deadline: datetime | None = None,
    ) -> tuple[Json, Mapping[str, str]]:
        request_headers = {
            "content-type": "application/json; charset=utf-8",
            "tr_id": tr_id,
            "custtype": "P",
            "tr_cont": tr_cont,
            **(headers or {}),
        }
        urgent = method == "POST"  # orders (and cancels) go ahead of queued reads
        refused: RateLimited | None = None
        for attempt in itertools.count():
            try:
                async with self._limiter.slot(urgent=urgent, deadline=deadline):
                    response = await self._send(method, path, params, body, request_headers)
            except NotSentRateLimited as exc:
                raise _not_sent(exc, refused) from None
            error = error_from_response(response)
            if isinstance(error, RateLimited) and (
                deadline is not None or attempt < self._rate_limit_retries
            ):
                # EGW00201: refused before processing, so even an order may be re-sent; the
                # limiter holds everyone back a window, and the deadline bounds the retries.
                self._limiter.penalize()
                refused = error
                continue
            if error is not None:
                raise error
            return response.json(), response.headers
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: Mapping[str, str] | None,
        headers: Mapping[str, str],
    ) -> KisResponse:
        timeout = self._order_timeout if method == "POST" else None
        url = self._profile.rest_base_url + path

        async def send(signature: dict[str, str]) -> KisResponse:
            return await self._http.request(
                method,
                url,
                params=params,
                json_body=body,
                headers={**headers, **signature},
                read_timeout=timeout,
            )

        return await self._auth.signed(method, send)


def _not_sent(exc: NotSentRateLimited, refused: RateLimited | None) -> NotSentRateLimited:
    if refused is None:
        return exc
    return NotSentRateLimited(
        f"not sent: KIS refused every attempt for the request rate until the order's send "
        f"budget ran out ({refused.message})",
        per_second=exc.per_second,
        code=refused.code,
    )


def _output(body: Json, key: str = "output") -> Json:
    value = body.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, dict):
        raise BrokerUnavailable(f"KIS answered without {key}")
    return value


def _rows(body: Json, key: str) -> Sequence[Json]:
    value = body.get(key)
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [row for row in value if isinstance(row, dict) and row]
    return []
