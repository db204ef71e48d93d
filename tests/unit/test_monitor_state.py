"""The monitor's transition table follows spec 002 §4; backoff 1-2-4-8-16 s then sleep."""

from __future__ import annotations

from itertools import pairwise

import pytest

from hantu.domain.errors import InvalidTransition
from hantu.domain.monitor_state import (
    MONITOR_TRANSITIONS,
    MonitorState,
    after_reconnect_failure,
    reconnect_delay,
)

M = MonitorState


def test_happy_path_and_close() -> None:
    path = [
        M.IDLE,
        M.CONNECTING,
        M.SUBSCRIBING,
        M.MONITORING,
        M.ORDERING,
        M.AWAITING_FILL,
        M.MONITORING,
        M.HALTED,
        M.MONITORING,
        M.UNSUBSCRIBING,
        M.IDLE,
    ]
    for source, target in pairwise(path):
        assert MONITOR_TRANSITIONS.check(source, target) is target


def test_illegal_edges_raise() -> None:
    with pytest.raises(InvalidTransition):
        MONITOR_TRANSITIONS.check(M.IDLE, M.MONITORING)
    with pytest.raises(InvalidTransition):
        MONITOR_TRANSITIONS.check(M.ORDERING, M.MONITORING)


def test_every_state_has_an_exit() -> None:
    for state in MonitorState:
        assert MONITOR_TRANSITIONS.targets(state)


def test_backoff_then_sleep() -> None:
    assert [reconnect_delay(n) for n in range(6)] == [1, 2, 4, 8, 16, None]
    assert after_reconnect_failure(4) == (M.CONNECTING, 16)
    assert after_reconnect_failure(5) == (M.SLEEPING, None)
    assert MONITOR_TRANSITIONS.allows(M.RECONNECTING, M.SLEEPING)
