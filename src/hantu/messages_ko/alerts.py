"""Korean texts of ALERT mode (Telegram messages, decision answers); spec 000 §5.1."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

NOT_FOUND = "⚠️ 알림을 찾을 수 없거나 이미 처리되었습니다"
NOT_LINKED = "연동된 계정을 찾을 수 없습니다"
EXPIRED = "알림이 만료되었습니다 (5분 초과)"
REJECTED = "❌ 거절되었습니다"
UNCONFIRMED = "⏳ 주문 미확인: 증권사 응답이 없어 확인 중입니다 (재전송하지 않습니다)"
BROKER_AUTH = "❌ 증권사 인증에 실패했습니다. API 키를 확인해 주세요"
NETWORK = "❌ 네트워크 오류로 주문하지 못했습니다. 잠시 후 다시 시도해 주세요"
ASKED_AGAIN_REPLACED = "⚠️ 가격이 다시 변동되어 새 메시지로 다시 여쭈었습니다"
PENDING_APPROVAL = "승인 대기"
APPROVE_BUTTON = "✅ 승인"
REJECT_BUTTON = "❌ 거절"


def _won(value: Decimal) -> str:
    return f"{value:,.0f}원"


def _shares(value: Decimal) -> str:
    return f"{value:,.0f}주"


def failed(message: str) -> str:
    return f"❌ 주문 실행 실패: {message}"


def expired(minutes: int) -> str:
    return f"알림이 만료되었습니다 ({minutes}분 초과)"


def price_moved(old: Decimal, new: Decimal) -> str:
    return f"⚠️ 가격이 변동되었습니다: {_won(old)} → {_won(new)}. 다시 승인해 주세요"


def executed(order_id: str, quantity: Decimal, price: Decimal | None) -> str:
    at = _won(price) if price is not None else "시장가"
    return f"✅ 주문 접수: 주문번호 {order_id}, {_shares(quantity)} @ {at}"


def filled(name: str, price: Decimal, quantity: Decimal) -> str:
    return f"✅ 체결 완료: {name} {_won(price)} × {_shares(quantity)}"


def _within(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}분" if whole % 60 == 0 else f"{whole}초"


def no_fill_notice(seconds: float) -> str:
    """The broker could not tell (or the order is still unconfirmed) after the wait."""
    return f"⚠️ {_within(seconds)} 내 체결 알림이 없습니다 — 잔고/주문내역을 확인해 주세요"


def still_open(seconds: float) -> str:
    """The broker has the order, with nothing filled yet, after the wait."""
    return (
        f"⚠️ {_within(seconds)} 내 체결되지 않았습니다 — 증권사에 미체결 주문으로 남아 있습니다. "
        "주문내역을 확인해 주세요"
    )


CANCELED_AT_BROKER = "⚠️ 주문이 증권사에서 취소되었습니다 — 주문내역을 확인해 주세요"
NOT_AT_BROKER = "❌ 증권사에 주문이 없습니다 — 주문이 실행되지 않았습니다"


def alert_body(
    symbol: str, buy: bool, quantity: Decimal, price: Decimal | None, minutes: int
) -> str:
    """The alert's message: what the signal asks for and when the question expires."""
    at = _won(price) if price is not None else "시장가"
    side = "매수" if buy else "매도"
    return (
        f"🔔 매매 알림 ({PENDING_APPROVAL})\n"
        f"{symbol} {side} {_shares(quantity)} @ {at}\n"
        f"만료: {minutes}분 후"
    )


def partly_filled(name: str, filled: Decimal, total: Decimal, price: Decimal) -> str:
    """Fill progress of a partly filled order: 체결 진행: 4/10주."""
    return f"⏳ 체결 진행: {filled:,.0f}/{_shares(total)} ({name} {_won(price)})"


UI: Final[dict[str, str]] = {
    "alert_mode_label": "주문 방식",
    "alert_mode_auto": "자동 실행 (AUTO)",
    "alert_mode_alert": "승인 후 실행 (ALERT)",
    "alert_mode_saved": "주문 방식을 저장했습니다",
}
