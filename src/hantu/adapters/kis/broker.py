"""`KisBroker`: the broker port over the KIS REST client and the realtime client."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from hantu.config import KisEnvironment, Settings
from hantu.domain.errors import InvalidValue
from hantu.domain.exits import Candle
from hantu.domain.reports import BrokerOrderReport, FillNotice
from hantu.domain.values import BrokerOrderId, Money, Quantity, Symbol
from hantu.errors import BrokerRejected, BrokerUnavailable, ConfigError
from hantu.service_layer.ports import (
    Balance,
    BrokerOrder,
    Clock,
    Quote,
)

from .auth import KisAuth, KisCredentials
from .environments import ORDER_BOOK_TR_ID, profile_for
from .ratelimit import RateLimiter
from .realtime import ExecutionNotice
from .realtime_types import RealtimeHandlers
from .reconnect import SLEEP_RETRY_SECONDS
from .rest import KisRestClient
from .translate import (
    FillIdentity,
    balance_of,
    buying_power_of,
    candle_of,
    kst_date,
    order_report,
    quote_of,
)
from .transport import KisHttp
from .websocket import KisRealtimeClient

log = logging.getLogger(__name__)
_ANY_LISTED = Symbol("005930")  # a code KRX always lists, for inquiries that need one
# Tens of milliseconds when KIS answers (connect, subscribe, ack); bounded, so a socket KIS
# refuses costs the first order no more than this, well inside a webhook's 3 s.
FIRST_NOTICES_WAIT_SECONDS = 1.0


class KisBroker:
    """One KIS account behind the `Broker` port; raises only the `hantu.errors` tree."""

    def __init__(
        self,
        rest: KisRestClient,
        clock: Clock,
        *,
        realtime: KisRealtimeClient | None = None,
        hts_id: str = "",
    ) -> None:
        self._rest = rest
        self._clock = clock
        self._realtime = realtime
        self._hts_id = hts_id
        self._org_nos: dict[str, str] = {}
        self._fills = FillIdentity()
        self._listeners: list[asyncio.Queue[FillNotice]] = []
        self._task: asyncio.Task[None] | None = None

    @property
    def rest(self) -> KisRestClient:
        return self._rest

    @property
    def realtime(self) -> KisRealtimeClient | None:
        return self._realtime

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Start the realtime loop and subscribe to this account's execution notices."""
        if self._realtime is None or self._task is not None:
            return
        if self._hts_id:
            # H0STCNI0 (real) / H0STCNI9 (paper) are keyed by the HTS ID, not the account.
            self._realtime.subscribe(self._rest.profile.notice_tr_id, self._hts_id)
        self._task = asyncio.create_task(self._realtime.run(), name="kis-realtime")

    async def aclose(self) -> None:
        """Stop the realtime loop."""
        if self._realtime is not None:
            await self._realtime.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    def watch(self, symbol: Symbol, *, order_book: bool = False) -> None:
        """Stream a symbol's trades (H0STCNT0), status (H0STMKO0, real) and maybe its book."""
        realtime = self._require_realtime()
        tr_ids = self._rest.profile.symbol_tr_ids
        for tr_id in (*tr_ids, ORDER_BOOK_TR_ID) if order_book else tr_ids:
            realtime.subscribe(tr_id, symbol.code)

    def unwatch(self, symbol: Symbol) -> None:
        """Stop every stream of a symbol, freeing its subscription slots."""
        realtime = self._require_realtime()
        for tr_id in (*self._rest.profile.symbol_tr_ids, ORDER_BOOK_TR_ID):
            realtime.unsubscribe(tr_id, symbol.code)

    def stream_up(self) -> bool:
        """Whether fill notices can reach us now: the stream is connected and the notice
        subscription acked with a usable key. Without an HTS ID none ever can."""
        return self.stream_up_since() is not None

    def stream_up_since(self) -> datetime | None:
        """Since when fill notices reach us (the notice subscription's ack on the current
        session), None while they cannot."""
        if self._realtime is None or not self._hts_id:
            return None
        return self._realtime.receiving_since(self._rest.profile.notice_tr_id, self._hts_id)

    def dropped_frames(self) -> dict[str, int]:
        """Realtime frames dropped since start, by kind."""
        if self._realtime is None:
            return {}
        return {kind.value: n for kind, n in self._realtime.dropped.items()}

    def _require_realtime(self) -> KisRealtimeClient:
        if self._realtime is None:
            raise ConfigError("this KisBroker was built without a realtime client")
        return self._realtime

    # --- the Broker port ----------------------------------------------------------------

    async def place_order(self, order: BrokerOrder) -> BrokerOrderId:
        """Send an order once; an ambiguous outcome raises BrokerUnavailable.

        The first orders after this broker starts wait (at most
        `FIRST_NOTICES_WAIT_SECONDS`) for its notice subscription: an order that filled
        before the ack would have no notice ever (KIS sends none again), its fill known only
        at the next REST sync and its position unwatched until then.
        """
        if self._task is not None and self._realtime is not None and self._hts_id:
            await self._realtime.first_notices(FIRST_NOTICES_WAIT_SECONDS)
        ack = await self._rest.order_cash(order)
        self._org_nos[ack.odno] = ack.org_no
        return BrokerOrderId(ack.odno)

    async def cancel_order(
        self, broker_order_id: BrokerOrderId, symbol: Symbol, quantity: Quantity | None = None
    ) -> BrokerOrderId:
        """Cancel the rest of an order (or part of it); returns the cancel's own number."""
        org_no = self._org_nos.get(broker_order_id)
        if org_no is None:
            org_no = await self._find_org_no(broker_order_id, symbol)
        ack = await self._rest.cancel(org_no, broker_order_id, quantity)
        return BrokerOrderId(ack.odno)

    async def _find_org_no(self, broker_order_id: str, symbol: Symbol) -> str:
        today = kst_date(self._clock.now())
        for row in await self._rest.daily_orders(today, today, symbol=symbol):
            if row.odno.strip() == broker_order_id:
                self._org_nos[broker_order_id] = row.ord_gno_brno
                return row.ord_gno_brno
        raise BrokerRejected(f"order {broker_order_id} is not among today's orders")

    async def orders_of_day(self, day: date | None = None) -> list[BrokerOrderReport]:
        """Every order of a (Seoul) day with its fills, as KIS reports them."""
        day = day or kst_date(self._clock.now())
        rows = await self._rest.daily_orders(day, day)
        for row in rows:
            if row.ord_gno_brno:
                self._org_nos.setdefault(row.odno.strip(), row.ord_gno_brno)
        return [order_report(row) for row in rows]

    async def balance(self) -> Balance:
        """Cash and holdings."""
        holdings, summary = await self._rest.balance()
        return balance_of(holdings, summary)

    async def daily_candles(self, symbol: Symbol, day: date, count: int) -> list[Candle]:
        """The last `count` daily candles up to `day`, oldest first (for ATR and supports).

        Calendar days are about 1.5 trading days; one call answers at most 100 bars."""
        start = day - timedelta(days=min(count * 2 + 10, 150))
        rows = await self._rest.daily_bars(symbol, start, day)
        candles = [candle_of(row) for row in reversed(rows)]
        return [c for c in candles if c.high > 0][-count:]

    async def quote(self, symbol: Symbol) -> Quote:
        """Last price and the day's limits."""
        return quote_of(symbol, await self._rest.price(symbol))

    async def buying_power(self) -> Money:
        """주문가능금액: ord_psbl_cash of inquire-psbl-order, the same whichever symbol."""
        # TTTC8908R asks for a symbol and reads the margin rate of it for max_buy_*; the
        # account's orderable cash does not depend on it, so any listed code will do.
        return buying_power_of(await self._rest.buyable(_ANY_LISTED, None))

    async def symbol_name(self, symbol: Symbol) -> str | None:
        """The stock's Korean short name (삼성전자), None where KIS has no lookup (paper)."""
        return await self._rest.stock_name(symbol)

    def fill_notices(self) -> AsyncIterator[FillNotice]:
        """Fills as KIS pushes them; each caller gets every fill from now on."""
        queue: asyncio.Queue[FillNotice] = asyncio.Queue()
        self._listeners.append(queue)
        return self._drain(queue)

    async def _drain(self, queue: asyncio.Queue[FillNotice]) -> AsyncIterator[FillNotice]:
        try:
            while True:
                yield await queue.get()
        finally:
            self._listeners.remove(queue)

    def on_notice(self, notice: ExecutionNotice) -> None:
        """Realtime handler: turn fill notices into `FillNotice`s for every listener."""
        try:
            fill = self._fills.fill_of(notice, kst_date(self._clock.now()))
        except (InvalidValue, BrokerUnavailable) as exc:
            log.warning("skipped an unreadable KIS execution notice: %s", exc)
            return
        if fill is None:
            return
        for queue in self._listeners:
            queue.put_nowait(fill)


@dataclass(frozen=True)
class KisConnection:
    """Where and as whom to reach KIS."""

    environment: KisEnvironment
    credentials: KisCredentials
    rest_base_url: str | None = None
    ws_url: str | None = None
    requests_per_second: float | None = None
    subscribe_interval: float = 0.5
    sleep_retry: float = SLEEP_RETRY_SECONDS
    token_cache_dir: Path | None = None
    use_hashkey: bool = False
    order_timeout: float | None = None
    order_queue_timeout: float | None = None


def connection_from_settings(
    settings: Settings,
    *,
    environment: KisEnvironment | None = None,
    credentials: KisCredentials | None = None,
    rest_base_url: str | None = None,
    ws_url: str | None = None,
) -> KisConnection:
    """The KIS connection the settings describe; a stored broker account passes its own
    environment and keys, the simulator its URLs."""
    if credentials is None:
        key, secret = settings.kis_app_key, settings.kis_app_secret
        if key is None or secret is None or settings.kis_account is None:
            raise ConfigError("HANTU_KIS_APP_KEY, HANTU_KIS_APP_SECRET, HANTU_KIS_ACCOUNT needed")
        credentials = KisCredentials(
            key.get_secret_value(),
            secret.get_secret_value(),
            settings.kis_account,
            settings.kis_hts_id or "",
        )
    return KisConnection(
        environment=environment or settings.kis_environment,
        credentials=credentials,
        rest_base_url=rest_base_url,
        ws_url=ws_url,
        requests_per_second=settings.kis_rest_rate_limit,
        subscribe_interval=settings.kis_ws_subscribe_interval,
        sleep_retry=settings.kis_ws_sleep_retry_seconds,
        token_cache_dir=settings.data_dir / "kis-tokens",
        order_timeout=settings.order_timeout_seconds,
        order_queue_timeout=settings.order_queue_seconds,
    )


def build_kis_broker(
    connection: KisConnection,
    http: KisHttp,
    clock: Clock,
    *,
    handlers: RealtimeHandlers | None = None,
    limiter: RateLimiter | None = None,
) -> KisBroker:
    """Wire a `KisBroker`: profile, limiter, auth, REST and realtime clients."""
    profile = profile_for(
        connection.environment,
        rest_base_url=connection.rest_base_url,
        ws_url=connection.ws_url,
        requests_per_second=connection.requests_per_second,
    )
    credentials = connection.credentials
    limiter = limiter or RateLimiter(clock, profile.requests_per_second)
    cache_dir = connection.token_cache_dir
    auth = KisAuth(http, profile, credentials, clock, cache_dir=cache_dir, limiter=limiter)
    rest = KisRestClient(
        http,
        profile,
        credentials,
        auth,
        limiter,
        clock,
        use_hashkey=connection.use_hashkey,
        order_timeout=connection.order_timeout,
        order_queue_timeout=connection.order_queue_timeout,
    )
    handlers = handlers or RealtimeHandlers()
    interval = connection.subscribe_interval
    realtime = KisRealtimeClient(
        profile.ws_url,
        auth,
        clock,
        handlers,
        subscribe_interval=interval,
        sleep_retry=connection.sleep_retry,
    )
    broker = KisBroker(rest, clock, realtime=realtime, hts_id=credentials.hts_id)
    if handlers.on_notice is None:
        handlers.on_notice = broker.on_notice
    return broker
