"""Where later consumers (the monitor) hear what the brokers' realtime streams push.

Every `KisBroker` the application makes gets `RealtimeHandlers` from this registry; each
handler hands the frame to every callback registered so far, so a consumer can register
before or after the brokers exist. Fill notices are not here: the broker turns them into
`FillNotice`s itself and the fill pumps consume those.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from hantu.adapters.kis.realtime import MarketStatus, OrderBook
from hantu.adapters.kis.realtime_types import RealtimeHandlers, Subscription
from hantu.domain.accounts import BrokerCredentials
from hantu.service_layer.ports import Tick

SleepCallback = Callable[[str, str], None]  # (account number, reason)
RefusedCallback = Callable[[Subscription, str], None]  # (skipped subscription, KIS's answer)
log = logging.getLogger(__name__)


@dataclass
class RealtimeCallbacks:
    """Callbacks for ticks, order books, market status, a stream going to sleep, a
    subscription KIS refused (skipped after its retries) and each new session."""

    ticks: list[Callable[[Tick], None]] = field(default_factory=list)
    order_books: list[Callable[[OrderBook], None]] = field(default_factory=list)
    market_status: list[Callable[[MarketStatus], None]] = field(default_factory=list)
    sleep: list[SleepCallback] = field(default_factory=list)
    refused: list[RefusedCallback] = field(default_factory=list)
    sessions: list[Callable[[], None]] = field(default_factory=list)

    def on_tick(self, callback: Callable[[Tick], None]) -> None:
        """Hear every trade (H0STCNT0) of every watched symbol."""
        self.ticks.append(callback)

    def on_order_book(self, callback: Callable[[OrderBook], None]) -> None:
        """Hear every order book (H0STASP0) of every symbol watched with its book."""
        self.order_books.append(callback)

    def on_market_status(self, callback: Callable[[MarketStatus], None]) -> None:
        """Hear every market status change (H0STMKO0: halts, VI)."""
        self.market_status.append(callback)

    def on_sleep(self, callback: SleepCallback) -> None:
        """Hear when an account's stream gives up reconnecting for a while (or for good)."""
        self.sleep.append(callback)

    def on_subscription_refused(self, callback: RefusedCallback) -> None:
        """Hear every subscription a stream skipped because KIS kept refusing it."""
        self.refused.append(callback)

    def on_session(self, callback: Callable[[], None]) -> None:
        """Hear every new connection of any stream (its subscriptions are sent again)."""
        self.sessions.append(callback)

    def handlers_for(self, credentials: BrokerCredentials) -> RealtimeHandlers:
        """The handlers one broker's realtime client calls."""
        account = credentials.account_number

        def slept(reason: str) -> None:
            for callback in list(self.sleep):
                _call(callback, account, reason)

        return RealtimeHandlers(
            on_tick=lambda tick: _fan_out(self.ticks, tick),
            on_order_book=lambda book: _fan_out(self.order_books, book),
            on_market_status=lambda status: _fan_out(self.market_status, status),
            on_sleep=slept,
            on_subscription_failed=lambda sub, reason: _fan_out(self.refused, sub, reason),
            on_connected=lambda: _fan_out(self.sessions),
        )


def _fan_out(callbacks: Sequence[Callable[..., None]], *args: object) -> None:
    for callback in list(callbacks):
        _call(callback, *args)


def _call(callback: Callable[..., None], *args: object) -> None:
    # One consumer's failure must neither starve the others nor reach the stream's loop.
    try:
        callback(*args)
    except Exception:
        log.exception("a realtime callback failed")
