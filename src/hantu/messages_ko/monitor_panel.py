"""Korean texts of the monitor's controls: the /monitor panel, its API and `hantu monitor`.

Keyed by the string values of `Protection`, `Actor` and `MonitorState` (see `monitor`), so
this module needs no domain import.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Final
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")

PROTECTION: Final[dict[str, str]] = {
    "websocket": "실시간(WebSocket)",
    "rest_polling": "REST 조회",
    "none": "보호 안 됨",
}
ACTOR: Final[dict[str, str]] = {
    "schedule": "장 일정",
    "person": "사용자",
    "startup": "서버 시작",
}

MONITOR_DISABLED: Final = "실시간 모니터가 꺼져 있습니다 (HANTU_MONITOR_ENABLED=false)"
MONITOR_STARTED: Final = "실시간 모니터를 시작했습니다"
MONITOR_STOPPED: Final = "실시간 모니터를 멈췄습니다. 포지션이 보호되지 않습니다"
MONITOR_RESTARTED: Final = "실시간 모니터를 다시 시작했습니다"
ACTION_FAILED: Final = (
    "모니터를 바꾸지 못했습니다 (데이터베이스 또는 증권사 연결). 잠시 후 다시 시도하세요"
)
STATUS_FAILED: Final = "모니터 상태를 읽지 못했습니다 (데이터베이스 연결). 잠시 후 다시 시도하세요"
LOCAL_TOKEN_REMOTE: Final = "로컬 관리자 토큰은 이 서버 컴퓨터(loopback)에서만 받습니다"  # noqa: S105
LOCAL_TOKEN_WRONG: Final = "로컬 관리자 토큰이 올바르지 않습니다 (서버가 다시 시작되었나요?)"  # noqa: S105

CLI_MONITOR_HELP: Final = "실시간 모니터 제어 / Start, stop, restart or show the realtime monitor."
CLI_MONITOR_START_HELP: Final = "모니터 시작 / Start the monitor."
CLI_MONITOR_STOP_HELP: Final = "모니터 정지 / Stop the monitor (positions are then unprotected)."
CLI_MONITOR_RESTART_HELP: Final = "모니터 재시작 / Restart the monitor (ends the sleep mode)."
CLI_MONITOR_STATUS_HELP: Final = "모니터 상태 / Show the monitor's state, feeds and positions."
CLI_MONITOR_JSON_HELP: Final = "JSON으로 출력 / Print the status as JSON (API's shape)."
CLI_MONITOR_URL_HELP: Final = "서버 주소 / Server URL (default: from HANTU_WEB_HOST/PORT)."
CLI_NO_SERVER: Final = "실행 중인 서버가 없습니다 - 모니터를 단독으로 실행합니다 (Ctrl-C로 종료)"
CLI_NO_SERVER_STATUS: Final = "실행 중인 서버가 없습니다 - 모니터가 동작하지 않습니다"
CLI_SERVER_SILENT: Final = "서버가 제때 답하지 않았습니다 ({error}) - 단독 실행하지 않습니다"
CLI_SERVER_REFUSED: Final = "서버가 거부했습니다 ({status}): {message}"
CLI_STATE: Final = "상태: {state}"
CLI_SINCE: Final = "마지막 변경: {at} ({by})"
CLI_POSITIONS: Final = "보호 중인 포지션: {count}개"
CLI_POSITION_LINE: Final = "- {label} {quantity} · {protection} · {age}"
CLI_BEST_BID: Final = " · 매수호가 {bid}"
CLI_HALTED: Final = "주문 일시 정지 (장 중단/VI): {codes}"
NO_TICK_YET: Final = "체결 수신 전"
NO_BOOK: Final = "호가 미수신"
NO_BID: Final = "매수호가 없음"
SUBSCRIPTION_REFUSED: Final = "실시간 구독 거부:"


MONITORING_STARTED_TITLE: Final = "🚀 실시간 모니터링 시작"
MONITORING_STOPPED_TITLE: Final = "⚠️ 실시간 모니터 정지"
WEEKDAYS: Final = "월화수목금토일"


def monitoring_stopped_by_person(symbols: int) -> tuple[str, str]:
    """Told to every holder when a person stops the monitor during a session."""
    return MONITORING_STOPPED_TITLE, (
        f"누군가 모니터를 멈췄습니다 - 보유 {symbols}개 종목의 손절/익절이 실행되지 않습니다\n"
        "다시 시작: 웹의 '모니터' 화면 또는 hantu monitor start"
    )


def monitoring_started(symbols: int, done: int, total: int) -> tuple[str, str]:
    """Spec 002 §6.2's opening notice; while subscriptions are still missing, says how many."""
    body = f"보유 {symbols}개 종목 보호 시작 - 구독 완료: {done}/{total}"
    if total == 0 or done >= total:
        body = f"보유 {symbols}개 종목 보호 시작 - 구독 완료"
    return MONITORING_STARTED_TITLE, body


def next_monitoring(opens: datetime, today: date) -> str:
    """When the monitor next starts, as the summary says it: `내일 09:00`, `12월 28일(월) 09:00`."""
    local = opens.astimezone(SEOUL)
    clock = local.strftime("%H:%M")
    if local.date() == today + timedelta(days=1):
        return f"내일 {clock}"
    return f"{local.month}월 {local.day}일({WEEKDAYS[local.weekday()]}) {clock}"


def unknown_action(action: str) -> str:
    return f"알 수 없는 동작입니다: {action[:40]} (start, stop, restart 중 하나)"


def protection_label(value: str, refused: str | None = None) -> str:
    """`REST 조회`; with KIS's answer when it refused to stream the symbol."""
    label = PROTECTION.get(value, value)
    return label if refused is None else f"{label} ({SUBSCRIPTION_REFUSED} {refused[:80]})"


def actor_label(value: str) -> str:
    return ACTOR.get(value, value)


def tick_age(seconds: float | None) -> str:
    """`3초 전`, `2분 전`; before any tick, says so."""
    if seconds is None:
        return NO_TICK_YET
    whole = int(seconds)
    if whole < 60:
        return f"{whole}초 전"
    if whole < 3600:
        return f"{whole // 60}분 전"
    return f"{whole // 3600}시간 전"


def best_bid(price: Decimal | None, age_s: float | None) -> str:
    """`70,600원 (1초 전)`; a book without bids, or no book at all, says so."""
    from hantu.messages_ko import format_won  # the package defines it

    if age_s is None:
        return NO_BOOK
    shown = NO_BID if price is None else format_won(price)
    return f"{shown} ({tick_age(age_s)})"


UI: Final[dict[str, str]] = {
    "monitor_nav": "모니터",
    "monitor_state_heading": "모니터 상태",
    "monitor_positions_heading": "보호 중인 포지션",
    "monitor_subscriptions": "구독",
    "monitor_changed": "마지막 변경",
    "monitor_start": "시작",
    "monitor_stop": "정지",
    "monitor_restart": "재시작",
    "monitor_refresh": "새로 고침",
    "monitor_col_protection": "보호 방식",
    "monitor_col_quantity": "수량",
    "monitor_col_average": "평균 단가",
    "monitor_col_best_bid": "최우선 매수호가",
    "monitor_halted": "주문 일시 정지 (장 중단/VI)",
    "monitor_empty": "보유 포지션이 없습니다",
    "monitor_disabled": MONITOR_DISABLED,
    **{f"monitor_protection_{key}": label for key, label in PROTECTION.items()},
    **{f"monitor_actor_{key}": label for key, label in ACTOR.items()},
}
