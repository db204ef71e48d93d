"""Korean texts of the realtime monitor (issue 12, spec 002).

Keyed by the string values of `ExitTrigger`, `MonitorState` and `WatchPath`, so this module
needs no domain import; `UI` joins `UI_TEXT` for templates.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

EXIT_REASON: Final[dict[str, str]] = {
    "stop_loss": "손절",
    "take_profit": "익절",
    "trailing": "트레일링 스탑",
}

# Spec 002 §2.2's names for each state.
MONITOR_STATE: Final[dict[str, str]] = {
    "idle": "대기",
    "connecting": "연결 수립",
    "subscribing": "종목 구독 중",
    "monitoring": "모니터링 중",
    "ordering": "주문 실행",
    "awaiting_fill": "체결 대기",
    "reconnecting": "재연결 시도",
    "unsubscribing": "구독 해제",
    "sleeping": "휴면 모드",
    "halted": "장 중단",
}

WATCH_PATH: Final[dict[str, str]] = {
    "trades_and_book": "실시간 체결+호가",
    "trades_only": "실시간 체결",
    "rest_polling": "REST 조회",
}

UI: Final[dict[str, str]] = {
    "monitor_title": "실시간 모니터",
    "monitor_last_tick_age": "마지막 체결 후",
    **{f"monitor_state_{key}": label for key, label in MONITOR_STATE.items()},
    **{f"monitor_exit_{key}": label for key, label in EXIT_REASON.items()},
    **{f"monitor_path_{key}": label for key, label in WATCH_PATH.items()},
}


# --- add-buy opportunities (spec 002 step 5, §6.3) ----------------------------------------
ADD_BUY_REASON: Final[dict[str, str]] = {"support_touch": "지지선 근접"}


def add_buy_opportunity(
    name: str, code: str, price_won: str, support_won: str, rule: str
) -> tuple[str, str]:
    """Title and body of the normal-priority add-buy notice (prices already formatted)."""
    label = f"{name} {code}" if name else code
    reason = ADD_BUY_REASON.get(rule, rule)
    title = f"🔔 추가 매수 기회: {label} - {reason} ({support_won})"
    body = f"종목: {label}\n현재가: {price_won}\n지지선: {support_won}\n수동으로 확인하세요"
    return title, body


def exit_reason(trigger: str) -> str:
    return EXIT_REASON.get(trigger, trigger)


def state_label(state: str) -> str:
    return MONITOR_STATE.get(state, state)


def subscribed(done: int, total: int) -> str:
    """Spec 002's progress line while subscribing."""
    return f"구독 완료: {done}/{total}"


def subscribe_skipped(code: str) -> str:
    return f"종목 [{code}] 구독 실패 (3회) - 건너뛰기"


RECONNECT_FAILED: Final = "⚠️ WebSocket 연결 실패 (5회) - 수동 확인 필요"
DATA_DELAYED: Final = "⚠️ 실시간 데이터 지연 감지"


# --- the fill wait of spec 002 §4-1 (exit orders not filled within the wait) ----------------
EXIT_UNFILLED_TITLE: Final = "⚠️ 체결 미확인"
EXIT_UNFILLED_BODY: Final = (
    "{label} - 수동 확인 필요\n{reason} 매도 {quantity} 중 {remaining} 미체결 ({seconds}초 경과)\n"
    "{action}"
)
EXIT_REORDERED: Final = "잔여 {remaining} 재주문: {price}"
EXIT_REORDERED_MARKET: Final = "잔여 {remaining} 시장가 재주문"
EXIT_KEPT: Final = "잔여 수량은 주문을 유지합니다 (자동 재주문 없음)"


def exit_unfilled(
    label: str,
    trigger: str,
    quantity: Decimal,
    remaining: Decimal,
    seconds: float,
    reorder_price: Decimal | None,
    reordered: bool,
) -> tuple[str, str]:
    """Title and body of the warning for an exit still (partly) unfilled after the wait."""
    from hantu.messages_ko import format_shares, format_won  # the package defines them

    if not reordered:
        action = EXIT_KEPT
    elif reorder_price is None:
        action = EXIT_REORDERED_MARKET.format(remaining=format_shares(remaining))
    else:
        action = EXIT_REORDERED.format(
            remaining=format_shares(remaining), price=format_won(reorder_price)
        )
    return EXIT_UNFILLED_TITLE, EXIT_UNFILLED_BODY.format(
        label=label,
        reason=exit_reason(trigger),
        quantity=format_shares(quantity),
        remaining=format_shares(remaining),
        seconds=f"{seconds:,.0f}",
        action=action,
    )


# --- an exit the broker refused, placed again until the attempts run out --------------------
EXIT_REFUSED_UNKNOWN: Final = "사유 미상"
EXIT_REFUSED_AT_EXCHANGE: Final = "접수 후 거래소 거부"
EXIT_UNPROTECTED_TITLE: Final = "🚨 긴급: {reason} 매도 실패 - 포지션 보호 안 됨"
EXIT_UNPROTECTED_BODY: Final = (
    "종목: {label}\n{reason} 매도 {quantity}: {what}\n사유: {cause}\n"
    "포지션이 보호되지 않습니다. 직접 매도하거나 웹의 '실패된 주문'에서 재시도하세요"
)
EXIT_RETRIES_EXHAUSTED: Final = "{attempts}회 다시 주문했지만 모두 거부되었습니다"
EXIT_NOT_RETRIED: Final = "다시 주문해도 받아들여질 수 없는 거부라 재주문하지 않습니다"
EXIT_RETRY_OFF: Final = "자동 재주문이 꺼져 있습니다 (HANTU_EXIT_RETRY_ATTEMPTS=0)"


def exit_unprotected(
    label: str, trigger: str, quantity: Decimal, cause: str, attempts: int, *, retried: bool
) -> tuple[str, str]:
    """Title and body of the emergency notice that an exit sell could not be placed."""
    from hantu.messages_ko import format_shares  # the package defines it

    reason = exit_reason(trigger)
    what = EXIT_RETRIES_EXHAUSTED.format(attempts=attempts) if retried else EXIT_NOT_RETRIED
    if retried and attempts == 0:
        what = EXIT_RETRY_OFF
    body = EXIT_UNPROTECTED_BODY.format(
        label=label, reason=reason, quantity=format_shares(quantity), what=what, cause=cause
    )
    return EXIT_UNPROTECTED_TITLE.format(reason=reason), body


# --- ticks arriving late (spec 002: more than 5 s is alerted) -------------------------------
def tick_delayed(name: str, code: str, seconds: float) -> tuple[str, str]:
    """Title and body of the high-priority notice that a symbol's trades arrive late."""
    label = f"{name} {code}" if name else code
    delay = f"{seconds:,.1f}초"
    title = f"⚠️ 체결 수신 지연: {label} ({delay})"
    body = (
        f"종목: {label}\n지연: {delay}\n"
        "손절·익절이 늦은 가격으로 판단될 수 있습니다. 연결 상태를 확인하세요"
    )
    return title, body
