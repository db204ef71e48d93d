"""What the monitor panel shows, derived from observable facts (pure).

The monitor's state of spec 002 §2.2 is not stored beside the things it describes, where the
two could disagree: it is read off the running flag, the realtime feeds (their connection
state and how many subscriptions KIS has acked), exits being placed and halted symbols.
Each position is protected one way: by its WebSocket trades, by REST polling, or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from hantu.domain.monitor_state import MonitorState


class FeedState(StrEnum):
    """A realtime client's connection state, as the adapter reports it."""

    IDLE = "idle"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    BACKING_OFF = "backing_off"
    SLEEPING = "sleeping"
    CLOSED = "closed"


class Protection(StrEnum):
    WEBSOCKET = "websocket"
    REST_POLLING = "rest_polling"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class FeedFacts:
    """One broker's realtime client: its state and its subscriptions (wanted, acked)."""

    state: FeedState
    wanted: int
    acked: int


@dataclass(frozen=True, slots=True)
class Subscriptions:
    done: int
    total: int

    @property
    def complete(self) -> bool:
        return self.done >= self.total


def subscriptions_of(feeds: Iterable[FeedFacts]) -> Subscriptions:
    listed = list(feeds)
    return Subscriptions(sum(min(f.acked, f.wanted) for f in listed), sum(f.wanted for f in listed))


def derive_state(
    running: bool,
    feeds: Iterable[FeedFacts],
    placing_exits: int,
    halted_symbols: int,
    awaiting_fills: int = 0,
) -> MonitorState:
    """The state of spec 002's diagram the monitor is in now.

    The worst feed decides: one sleeping stream is the sleep mode even if another is up,
    because the positions behind it are no longer streamed. A halt (or VI) outranks a placed
    exit waiting for its fill: nothing more can be sold until trading resumes.
    """
    if not running:
        return MonitorState.IDLE
    listed = list(feeds)
    states = {f.state for f in listed}
    if FeedState.SLEEPING in states:
        return MonitorState.SLEEPING
    if FeedState.BACKING_OFF in states:
        return MonitorState.RECONNECTING
    if states & {FeedState.CONNECTING, FeedState.IDLE}:
        return MonitorState.CONNECTING
    if not subscriptions_of(listed).complete:
        return MonitorState.SUBSCRIBING
    if placing_exits:
        return MonitorState.ORDERING
    if halted_symbols:
        return MonitorState.HALTED
    if awaiting_fills:
        return MonitorState.AWAITING_FILL
    return MonitorState.MONITORING


def protection_of(running: bool, streamed: bool, polled: bool) -> Protection:
    """How one position is protected: its trades stream in, or it is polled, or nothing."""
    if not running:
        return Protection.NONE
    if streamed:
        return Protection.WEBSOCKET
    if polled:
        return Protection.REST_POLLING
    return Protection.NONE
