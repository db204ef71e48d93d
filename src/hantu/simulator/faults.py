"""Fault injection for tests and the CLI: what a real KIS does on a bad day.

- `drop_websockets()` closes every WebSocket session (abruptly by default: no close frame);
- `refuse_websockets(seconds)` answers new WebSocket handshakes with HTTP 503 for a while;
- `strict_pingpong(timeout)` cuts a client that does not answer a PINGPONG in time;
- `refuse_subscriptions(symbols, count)` answers subscribe requests for these symbols (until
  lifted), and the next `count` of any kind, with KIS's refusal (OPSP0007), below the cap;
- `delay_rest(seconds)` holds order answers (or all answers) past a client's timeout while
  still executing the order: the ambiguous case a client must reconcile;
- `reject_next_order(msg_cd, msg1)` rejects the next order-cash/order-rvsecncl once;
- `reject_at_exchange_next()` accepts the next order, then refuses it by notice only;
- `halt`/`trigger_vi`/`resume` change a symbol's status (also published as H0STMKO0);
- `move_price` trades a symbol at a level now; `script_prices` queues levels for the walk;
- `limit_liquidity` caps the shares filled per trade (partial fills);
- `set_rate_limit` toggles EGW00201;
- `expire_tokens` invalidates every access token (EGW00123 on the next call);
- `fail_rest(seconds, status)` answers every KIS REST path (the token too) with a bare HTTP
  error, 503 by default, as KIS's gateway does in maintenance.

`active()` reports which faults are in force; `control` serves all of this over HTTP
(`/__sim__/...`) for `hantu sim-fault`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hantu.domain.values import is_on_tick
from hantu.service_layer.ports import Clock
from hantu.simulator.control_defaults import DEFAULT_REJECT_CODE, DEFAULT_REJECT_MESSAGE
from hantu.simulator.feed import Trade
from hantu.simulator.gateway import RateLimiter, TokenStore
from hantu.simulator.matching import MatchingEngine

# What an injected rejection says unless told otherwise: KIS's generic order refusal.

ORDER_PATHS = frozenset({"order-cash", "order-rvsecncl"})
MAX_REFUSED_SUBSCRIPTIONS = 1_000


class Faults:
    """Switches the REST and WebSocket servers consult on every request."""

    def __init__(
        self,
        clock: Clock,
        engine: MatchingEngine,
        tokens: TokenStore,
        limiter: RateLimiter,
    ) -> None:
        self._clock = clock
        self._engine = engine
        self._feed = engine.feed
        self._tokens = tokens
        self._limiter = limiter
        self._rejects: deque[tuple[str, str]] = deque()
        self._refuse_until: datetime | None = None
        self._fail_rest_until: datetime | None = None
        self.fail_rest_status = 503
        self.rest_delay = 0.0
        self.rest_delay_paths: frozenset[str] | None = ORDER_PATHS
        self.dropper: Callable[[bool], int] | None = None
        self.pingpong_timeout: float | None = None
        self._refused_keys: frozenset[str] = frozenset()
        self._refuse_subscribes = 0
        self.stopping = asyncio.Event()

    # --- WebSocket -------------------------------------------------------------------------

    def drop_websockets(self, *, abrupt: bool = True) -> int:
        """Close every WebSocket session; return how many were dropped."""
        if self.dropper is None:
            return 0
        return self.dropper(abrupt)

    def refuse_websockets(self, seconds: float) -> None:
        """Refuse new WebSocket connections for `seconds` of the simulator's clock."""
        self._refuse_until = self._clock.now() + timedelta(seconds=seconds)

    @property
    def refusing_websockets(self) -> bool:
        return self._refuse_until is not None and self._clock.now() < self._refuse_until

    def strict_pingpong(self, timeout: float | None) -> None:
        """Cut a WebSocket client that leaves a PINGPONG unanswered `timeout` s (None = off)."""
        self.pingpong_timeout = timeout

    def refuse_subscriptions(self, symbols: Iterable[str] = (), count: int = 0) -> None:
        """Refuse every subscribe request for these tr_keys until called again without
        them, and the next `count` subscribe requests of any tr_key; none lifts both."""
        if not 0 <= count <= MAX_REFUSED_SUBSCRIPTIONS:
            raise ValueError(f"count must be between 0 and {MAX_REFUSED_SUBSCRIPTIONS}")
        self._refused_keys = frozenset(symbols)
        self._refuse_subscribes = count

    def subscription_refused(self, tr_key: str) -> bool:
        """Whether to refuse this subscribe request (it uses up one of the next `count`)."""
        if tr_key in self._refused_keys:
            return True
        if self._refuse_subscribes > 0:
            self._refuse_subscribes -= 1
            return True
        return False

    # --- REST ------------------------------------------------------------------------------

    def delay_rest(self, seconds: float, *, orders_only: bool = True) -> None:
        """Hold answers for `seconds` (real time) after doing the work; 0 turns it off."""
        self.rest_delay = seconds
        self.rest_delay_paths = ORDER_PATHS if orders_only else None

    def fail_rest(self, seconds: float, status: int = 503) -> None:
        """Answer every KIS REST path with HTTP `status` for `seconds` of the simulator's
        clock (0 turns it off)."""
        self._fail_rest_until = self._clock.now() + timedelta(seconds=seconds)
        self.fail_rest_status = status

    @property
    def failing_rest(self) -> bool:
        until = self._fail_rest_until
        return until is not None and self._clock.now() < until

    def delay_for(self, path: str) -> float:
        """How long to hold the answer to a request on `path`."""
        if self.rest_delay <= 0:
            return 0.0
        leaf = path.rstrip("/").rsplit("/", 1)[-1]
        if self.rest_delay_paths is not None and leaf not in self.rest_delay_paths:
            return 0.0
        return self.rest_delay

    async def hold(self, seconds: float) -> None:
        """Wait like a slow gateway, but give up at once when the simulator stops."""
        if seconds <= 0:
            return
        try:
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)
        except TimeoutError:
            return

    def reject_next_order(
        self, msg_cd: str = DEFAULT_REJECT_CODE, msg1: str = DEFAULT_REJECT_MESSAGE
    ) -> None:
        """Reject the next order request once with this code."""
        self._rejects.append((msg_cd, msg1))

    def reject_at_exchange_next(self) -> None:
        """Accept the next new order at the gateway, then refuse it (notice RFUS_YN=1)."""
        self._engine.exchange_rejects += 1

    def take_reject(self) -> tuple[str, str] | None:
        """The pending injected rejection, consumed."""
        return self._rejects.popleft() if self._rejects else None

    def set_rate_limit(self, per_second: int | None) -> None:
        """Answer EGW00201 beyond `per_second` requests per app key (None = off)."""
        self._limiter.per_second = per_second

    def expire_tokens(self) -> None:
        """Invalidate every access token, as after KIS maintenance."""
        self._tokens.expire_all()

    # --- market ----------------------------------------------------------------------------

    def halt(self, symbol: str) -> None:
        """Halt trading in a symbol (TRHT_YN=Y, H0STMKO0)."""
        self._feed.halt(symbol)

    def trigger_vi(self, symbol: str, kind: str = "2") -> None:
        """Trigger a VI on a symbol (H0STMKO0 VI_CLS_CODE)."""
        self._feed.trigger_vi(symbol, kind)

    def resume(self, symbol: str) -> None:
        """Lift a halt or VI."""
        self._feed.resume(symbol)

    def move_price(self, symbol: str, price: Decimal | int | str, qty: int = 1) -> Trade:
        """Trade a symbol at a given level now."""
        return self._feed.set_price(symbol, price, qty)

    def limit_liquidity(self, symbol: str, qty: int | None) -> None:
        """Fill at most `qty` shares of resting orders per trade (partial fills; None = all)."""
        self._feed.set_liquidity(symbol, qty)

    def script_prices(self, symbol: str, prices: list[Decimal]) -> None:
        """Queue prices the random walk plays one per step before walking on."""
        state = self._feed[symbol]
        for price in prices:
            if not is_on_tick(price) or not state.lower <= price <= state.upper:
                raise ValueError(f"{price} is off the tick grid or outside the daily band")
        self._feed.script(symbol, prices)

    # --- report ----------------------------------------------------------------------------

    def active(self) -> dict[str, Any]:
        """The faults in force now, as plain JSON values (for `GET /__sim__/state`)."""
        now = self._clock.now()
        refuse_left = 0.0
        if self._refuse_until is not None and now < self._refuse_until:
            refuse_left = (self._refuse_until - now).total_seconds()
        states = [self._feed[code] for code in self._feed.symbols]
        return {
            "refuse_ws_seconds_left": round(refuse_left, 3),
            "fail_rest_status": self.fail_rest_status if self.failing_rest else None,
            "pingpong_timeout": self.pingpong_timeout,
            "refused_subscriptions": sorted(self._refused_keys),
            "refuse_next_subscriptions": self._refuse_subscribes,
            "delay_seconds": self.rest_delay,
            "delay_scope": "orders" if self.rest_delay_paths is not None else "all",
            "pending_rejects": [{"code": c, "message": m} for c, m in self._rejects],
            "exchange_rejects": self._engine.exchange_rejects,
            "rate_limit_per_second": self._limiter.per_second,
            "halted": [s.code for s in states if s.halted],
            "liquidity": {s.code: s.liquidity for s in states if s.liquidity is not None},
            "scripted": {s.code: len(s.script) for s in states if s.script},
            "vi": {s.code: s.vi for s in states if s.vi != "N"},
        }
