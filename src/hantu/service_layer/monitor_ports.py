"""What the exit monitor needs from outside: open positions, symbol streams, a person told."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from hantu.domain.exit_book_price import BestBid
from hantu.domain.values import StrategyAccountId, Symbol


@dataclass(frozen=True, slots=True)
class WatchedPosition:
    """An open position as the monitor protects it.

    `entry_seq` names this holding's life (the id of the fill that opened it), so the exit
    key of a position closed and opened again differs, and a restart finds the same one.
    """

    strategy_account_id: StrategyAccountId
    symbol: Symbol
    quantity: Decimal
    average_price: Decimal
    entry_seq: int


@dataclass(frozen=True, slots=True)
class PositionOfOrder:
    """Where an order's fill landed: its position now (None once closed), the order's
    source (an exit's names its reason) and the PnL that fill realized (None for a buy)."""

    strategy_account_id: StrategyAccountId
    symbol: Symbol
    position: WatchedPosition | None
    source: str = ""
    fill_realized_pnl: Decimal | None = None


class MonitorPositions(Protocol):
    async def open_positions(self) -> list[WatchedPosition]: ...

    async def position_of_order(self, order_id: str, fill_id: str) -> PositionOfOrder | None: ...


class SymbolWatch(Protocol):
    """Start or stop a symbol's realtime trades (and status, and maybe its book) for an
    account's broker."""

    async def watch(
        self, account: StrategyAccountId, symbol: Symbol, *, order_book: bool = False
    ) -> None: ...

    async def unwatch(self, account: StrategyAccountId, symbol: Symbol) -> None: ...


class ExitNotifier(Protocol):
    """Tell the owner of `order_id` that an exit filled (the stop-loss / take-profit notice)."""

    async def exit_filled(self, order_id: str, kind: str, title: str, body: str) -> None: ...


@dataclass(frozen=True, slots=True)
class StreamState:
    """A symbol's trades on the WebSocket: flowing now (connected, subscription acked) or
    not (down, asleep, still subscribing, subscription skipped), and which session of the
    stream it is (a count of connections), so a reconnect is seen however short it was."""

    up: bool
    session: int


class StreamHealth(Protocol):
    """How a symbol's trades reach us now; None when its broker has no realtime stream at
    all (in-process test brokers), so nothing is polled either."""

    async def streaming(self, account: StrategyAccountId, symbol: Symbol) -> StreamState | None: ...


class ExitWarnings(Protocol):
    """Tell the owner of `order_id` that an exit did not fill as it should (spec 002 §4-1)."""

    async def exit_unfilled(self, order_id: str, title: str, body: str) -> None: ...


class PartialPolicy(StrEnum):
    """What an exit partly filled (or resting unfilled) after the fill wait becomes."""

    REORDER = "reorder"  # cancel the rest and sell it again at the last price
    KEEP = "keep"  # leave the rest resting at the broker; a person decides


@dataclass(frozen=True, slots=True)
class MonitorOptions:
    """The monitor's tunables (settings `HANTU_EXIT_FILL_WAIT_SECONDS`, ...)."""

    fill_wait_seconds: float = 60.0
    partial_policy: PartialPolicy = PartialPolicy.REORDER
    reorder_max: int = 1
    poll_per_second: float = 10.0
    registrations: int = 41
    trade_cost: int = 1
    max_bid_gap_ticks: int = 5  # how far below the tick a fresh best bid may price an exit
    retry_attempts: int = 3  # re-placements of an exit the broker refused
    retry_backoff_seconds: float = 1.0  # before the first; doubled each time, at most 30 s


@dataclass(frozen=True, slots=True)
class MonitorSnapshot:
    """The exit monitor as the control and the panel see it at one instant."""

    active: bool
    positions: tuple[WatchedPosition, ...]
    last_tick_at: Mapping[Symbol, datetime]
    paused: frozenset[Symbol]
    placing: int  # exit orders being placed now
    awaiting_fill: int = 0  # positions whose exit is placed and not yet filled
    polled: frozenset[Symbol] = frozenset()  # symbols the REST poller covers now
    best_bids: Mapping[Symbol, BestBid] = field(default_factory=dict)  # the book path's
    refused: Mapping[Symbol, str] = field(default_factory=dict)  # KIS refused to stream these
