"""The realtime client's vocabulary: its states, what it subscribes to, and its callbacks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from hantu.service_layer.ports import Tick

from .realtime import ExecutionNotice, MarketStatus, OrderBook


class State(StrEnum):
    IDLE = "IDLE"
    CONNECTING = "CONNECTING"
    CONNECTED = "CONNECTED"
    BACKING_OFF = "BACKING_OFF"
    SLEEPING = "SLEEPING"
    CLOSED = "CLOSED"


@dataclass(frozen=True, slots=True)
class Subscription:
    tr_id: str
    tr_key: str


class ApprovalKeys(Protocol):
    async def approval_key(self) -> str: ...

    def forget_approval_key(self) -> None: ...


@dataclass
class RealtimeHandlers:
    """Callbacks, called in the loop's task; an exception in one is logged, not fatal."""

    on_tick: Callable[[Tick], None] | None = None
    on_order_book: Callable[[OrderBook], None] | None = None
    on_notice: Callable[[ExecutionNotice], None] | None = None
    on_market_status: Callable[[MarketStatus], None] | None = None
    # Called once when the loop gives up: the sleep state (which still retries every few
    # minutes), or a fatal error (bad credentials).
    on_sleep: Callable[[str], None] | None = None
    on_subscription_failed: Callable[[Subscription, str], None] | None = None
    on_connected: Callable[[], None] | None = None
