"""A scriptable price feed on the KRX tick grid: set a price, step a script, or random-walk.

Every price change is a `Trade` delivered synchronously to the listeners (the matching
engine, the WebSocket server). Status changes (trading halt, VI) are `StatusChange`s.
The ±30 % daily band is computed from the base price (previous close) and rounded onto
the tick grid inward (reference §8.3: KIS exposes it as `stck_mxpr`/`stck_llam`).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from hantu.domain.enums import Side
from hantu.domain.values import is_on_tick, round_to_tick, tick_size
from hantu.service_layer.ports import Clock

BAND = Decimal("0.30")

# A small default universe: code → (name, base price). Prices are illustrative only.
DEFAULT_SYMBOLS: dict[str, tuple[str, Decimal]] = {
    "005930": ("삼성전자", Decimal(71_000)),
    "000660": ("SK하이닉스", Decimal(180_000)),
    "035420": ("NAVER", Decimal(200_000)),
    "035720": ("카카오", Decimal(45_000)),
    "005380": ("현대차", Decimal(250_000)),
    "051910": ("LG화학", Decimal(400_000)),
    "000270": ("기아", Decimal(100_000)),
    "105560": ("KB금융", Decimal(80_000)),
    "068270": ("셀트리온", Decimal(180_000)),
    "003550": ("LG", Decimal(80_000)),
}


@dataclass(slots=True)
class SymbolState:
    """What the market knows about one symbol today."""

    code: str
    name: str
    base: Decimal
    last: Decimal
    open: Decimal
    high: Decimal
    low: Decimal
    volume: int = 0
    value: Decimal = Decimal(0)
    last_qty: int = 0
    # When today's open, high and low were first traded (None before the first trade).
    open_at: datetime | None = None
    high_at: datetime | None = None
    low_at: datetime | None = None
    # The last trade's aggressor and today's trades and shares by aggressor side
    # (H0STCNT0 CCLD_DVSN, SHNU/SELN_CNTG_CSNU, SHNU/SELN_CNTG_SMTN).
    aggressor: Side = Side.BUY
    buy_count: int = 0
    sell_count: int = 0
    buy_volume: int = 0
    sell_volume: int = 0
    halted: bool = False
    halt_reason: str = ""
    vi: str = "N"
    liquidity: int | None = None
    # A scripted best bid: the synthetic book's bids start here instead of at the last price.
    best_bid: Decimal | None = None
    # Yesterday's volume and the shares listed: the H0STCNT0 volume ratios and turnover.
    prev_volume: int = 10_000_000
    listed_shares: int = 500_000_000
    updated_at: datetime | None = None
    script: deque[Decimal] = field(default_factory=deque)

    @property
    def upper(self) -> Decimal:
        return Decimal(round_to_tick(self.base * (1 + BAND)))

    @property
    def lower(self) -> Decimal:
        return Decimal(round_to_tick(self.base * (1 - BAND), up=True))

    @property
    def tick(self) -> Decimal:
        return tick_size(self.last)

    @property
    def matching_paused(self) -> bool:
        """A halt or a VI suspends continuous matching (VI is a single-price auction)."""
        return self.halted or self.vi != "N"


@dataclass(frozen=True, slots=True)
class Trade:
    """A market trade: the symbol traded `qty` shares at `price`."""

    symbol: str
    price: Decimal
    qty: int
    at: datetime


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A halt / VI state change, published as H0STMKO0."""

    symbol: str
    at: datetime


TradeListener = Callable[[Trade], None]
StatusListener = Callable[[StatusChange], None]


class PriceFeed:
    """Prices for a set of symbols, moved by hand, by script, or by a seeded random walk."""

    def __init__(
        self,
        clock: Clock,
        symbols: dict[str, tuple[str, Decimal]] | None = None,
        seed: int = 0,
    ) -> None:
        self._clock = clock
        self._rng = random.Random(seed)  # noqa: S311 - a price walk, not cryptography
        self._states: dict[str, SymbolState] = {}
        self._walking: set[str] = set()
        self.trade_listeners: list[TradeListener] = []
        self.status_listeners: list[StatusListener] = []
        for code, (name, base) in (symbols or DEFAULT_SYMBOLS).items():
            self.add_symbol(code, name, base)

    # --- catalogue ---------------------------------------------------------------------

    def add_symbol(self, code: str, name: str, base: Decimal) -> SymbolState:
        """List a symbol with its base price (previous close)."""
        if not is_on_tick(base):
            raise ValueError(f"base price {base} of {code} is not on the tick grid")
        state = SymbolState(code, name, base, last=base, open=base, high=base, low=base)
        self._states[code] = state
        return state

    def get(self, code: str) -> SymbolState | None:
        return self._states.get(code)

    def __getitem__(self, code: str) -> SymbolState:
        return self._states[code]

    @property
    def symbols(self) -> list[str]:
        return list(self._states)

    def set_liquidity(self, code: str, qty: int | None) -> None:
        """Cap the shares that may fill per price step (None = unlimited); partial fills."""
        self._states[code].liquidity = qty

    # --- moving prices -----------------------------------------------------------------

    def set_best_bid(self, code: str, price: Decimal | int | None) -> None:
        """Hold the book's best bid at `price` (0: no bids at all; None: the last price)."""
        self[code].best_bid = None if price is None else Decimal(price)

    def set_price(self, code: str, price: Decimal | int | str, qty: int = 1) -> Trade:
        """Trade `qty` shares at `price` now; listeners see it at once."""
        state = self._states[code]
        value = Decimal(price)
        if not is_on_tick(value):
            raise ValueError(f"{value} is not on the KRX tick grid")
        if not state.lower <= value <= state.upper:
            raise ValueError(f"{value} is outside the daily band {state.lower}..{state.upper}")
        trade = Trade(code, value, qty, self._clock.now())
        self._record(state, trade)
        for listener in list(self.trade_listeners):
            listener(trade)
        return trade

    def set_prices(self, prices: dict[str, Decimal | int | str], qty: int = 1) -> list[Trade]:
        """Move several symbols in one go (each symbol's records go in a frame of its own)."""
        return [self.set_price(code, price, qty) for code, price in prices.items()]

    def script(self, code: str, prices: Iterable[Decimal | int | str]) -> None:
        """Queue prices for `step()` to play one by one."""
        self._states[code].script.extend(Decimal(p) for p in prices)

    def walk(self, codes: Iterable[str]) -> None:
        """Let these symbols random-walk on `step()` when they have no script."""
        self._walking.update(codes)

    def step(self, burst: int = 1) -> list[Trade]:
        """Advance every scripted symbol by one trade, every walking one by 1..`burst`.

        A burst is several trades of one symbol in one instant: the simulator then sends
        them in one multi-record frame, as KIS does in a busy market.
        """
        trades: list[Trade] = []
        for code, state in self._states.items():
            if state.script:
                trades.append(self.set_price(code, state.script.popleft(), self._qty()))
            elif code in self._walking and not state.halted:
                count = self._rng.randint(1, burst) if burst > 1 else 1
                for _ in range(count):
                    trades.append(self.set_price(code, self._next_walk(state), self._qty()))
        return trades

    def _qty(self) -> int:
        return self._rng.randint(1, 50)

    def _next_walk(self, state: SymbolState) -> Decimal:
        moved = state.last + state.tick * self._rng.choice((-2, -1, -1, 0, 1, 1, 2))
        moved = Decimal(round_to_tick(moved))
        return min(max(moved, state.lower), state.upper)

    @staticmethod
    def _record(state: SymbolState, trade: Trade) -> None:
        price, at = trade.price, trade.at
        if state.volume == 0:
            state.open = state.high = state.low = price
            state.open_at = state.high_at = state.low_at = at
        if price > state.high:
            state.high, state.high_at = price, at
        if price < state.low:
            state.low, state.low_at = price, at
        # The tick rule: an uptick was bought, a downtick sold, an unchanged price keeps
        # the previous aggressor; the first trade is judged against the base price.
        reference = state.last if state.volume else state.base
        if price != reference:
            state.aggressor = Side.BUY if price > reference else Side.SELL
        if state.aggressor is Side.BUY:
            state.buy_count += 1
            state.buy_volume += trade.qty
        else:
            state.sell_count += 1
            state.sell_volume += trade.qty
        state.last = price
        state.volume += trade.qty
        state.value += price * trade.qty
        state.last_qty = trade.qty
        state.updated_at = at

    # --- halts and VI (H0STMKO0) -------------------------------------------------------

    def halt(self, code: str, reason: str = "매매거래정지") -> None:
        """Stop trading the symbol (TRHT_YN=Y); orders are accepted but not matched."""
        state = self._states[code]
        state.halted, state.halt_reason = True, reason
        self._publish_status(code)

    def trigger_vi(self, code: str, kind: str = "2") -> None:
        """Start a VI (`1` static, `2` dynamic, `3` both): matching pauses."""
        self._states[code].vi = kind
        self._publish_status(code)

    def resume(self, code: str) -> None:
        """Lift a halt and any VI."""
        state = self._states[code]
        state.halted, state.halt_reason, state.vi = False, "", "N"
        self._publish_status(code)

    def _publish_status(self, code: str) -> None:
        change = StatusChange(code, self._clock.now())
        for listener in list(self.status_listeners):
            listener(change)
