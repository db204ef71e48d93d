"""The realtime monitor's lifecycle: spec 002 §4's transition matrix, edge for edge.

Names follow spec 002 §2.2 (대기, 연결 수립, 구독 중, 모니터링 중, 주문 실행, 체결 대기, 재연결,
구독 해제, 휴면, 장 중단); reconnects back off 1-2-4-8-16 s, then the monitor sleeps.
"""

from __future__ import annotations

from enum import StrEnum

from hantu.domain.fsm import TransitionTable


class MonitorState(StrEnum):
    IDLE = "idle"  # 대기
    CONNECTING = "connecting"  # 연결 수립
    SUBSCRIBING = "subscribing"  # 구독 중
    MONITORING = "monitoring"  # 모니터링 중
    ORDERING = "ordering"  # 주문 실행
    AWAITING_FILL = "awaiting_fill"  # 체결 대기
    RECONNECTING = "reconnecting"  # 재연결
    UNSUBSCRIBING = "unsubscribing"  # 구독 해제
    SLEEPING = "sleeping"  # 휴면
    HALTED = "halted"  # 장 중단


M = MonitorState
MONITOR_TRANSITIONS: TransitionTable[MonitorState] = TransitionTable(
    "monitor",
    {
        M.CONNECTING: {M.SUBSCRIBING, M.RECONNECTING},
        M.SUBSCRIBING: {M.MONITORING, M.RECONNECTING},
        M.MONITORING: {M.ORDERING, M.RECONNECTING, M.UNSUBSCRIBING, M.HALTED},
        M.ORDERING: {M.AWAITING_FILL},
        M.AWAITING_FILL: {M.MONITORING},
        M.RECONNECTING: {M.CONNECTING, M.SLEEPING},
        M.UNSUBSCRIBING: {M.IDLE},
        M.IDLE: {M.CONNECTING},
        M.SLEEPING: {M.CONNECTING, M.UNSUBSCRIBING},
        M.HALTED: {M.MONITORING, M.UNSUBSCRIBING},
    },
)

RECONNECT_DELAYS_S: tuple[int, ...] = (1, 2, 4, 8, 16)


def reconnect_delay(failures: int) -> int | None:
    """Seconds to wait before attempt `failures + 1`; None once five have failed (sleep)."""
    if failures < 0:
        raise ValueError(f"failures must not be negative, got {failures}")
    if failures >= len(RECONNECT_DELAYS_S):
        return None
    return RECONNECT_DELAYS_S[failures]


def after_reconnect_failure(failures: int) -> tuple[MonitorState, int | None]:
    """Where a failed reconnect leads: another try after a delay, or the sleep mode."""
    delay = reconnect_delay(failures)
    return (M.SLEEPING, None) if delay is None else (M.CONNECTING, delay)
