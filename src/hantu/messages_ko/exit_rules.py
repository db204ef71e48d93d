"""Korean texts of exit rules per strategy and per position: form labels and the reasons
a value is refused (keyed by `domain.exit_rule_settings` field names and reason codes)."""

from __future__ import annotations

from typing import Final

FIELD: Final[dict[str, str]] = {
    "stop_loss_pct": "손절 비율(%)",
    "take_profit_pct": "익절 비율(%)",
    "trailing_pct": "트레일링 스탑(%)",
    "pricing": "매도 주문 방식",
    "ticks_through": "관통 호가 수",
    "atr_enabled": "ATR 방식",
    "atr_stop_k": "ATR 손절 배수",
    "atr_take_k": "ATR 익절 배수",
    "atr_trail_k": "ATR 트레일링 배수",
    "atr_period": "ATR 기간(일)",
    "support_price": "고정 지지선(원)",
}

REASON: Final[dict[str, str]] = {
    "not_a_number": "숫자로 적어 주세요",
    "not_an_integer": "정수로 적어 주세요",
    "not_positive": "0보다 커야 합니다 (음수·0은 안 됩니다; 끄려면 비워 두세요)",
    "below_hundred": "100보다 작아야 합니다",
    "out_of_range": "허용 범위를 벗어났습니다",
    "unknown_pricing": "지정가(limit), 시장가(market), 관통(ticks_through) 중 하나여야 합니다",
    "not_a_bool": "켜기 또는 끄기여야 합니다",
    "unknown_field": "알 수 없는 항목입니다",
    "needed_for_atr": "ATR 방식을 켜려면 ATR 손절 배수가 필요합니다",
    "missing_default": "기본값이 없습니다",
    "off_tick": "호가 단위에 맞지 않습니다 (예: 5만~20만 원은 100원 단위)",
    "position_only": "포지션마다 따로 정합니다 (전략에는 둘 수 없습니다)",
}

PRICING: Final[dict[str, str]] = {
    "limit": "지정가 (체결 가격)",
    "market": "시장가",
    "ticks_through": "지정가 (n호가 관통)",
}

SAVED: Final = "청산 규칙을 저장했습니다. 감시 중인 포지션에 바로 적용됩니다"
NOT_A_BODY: Final = "청산 규칙은 JSON 객체로 보내 주세요"


def invalid(field: str, reason: str) -> str:
    """`손절 비율(%) 값이 올바르지 않습니다: 0보다 커야 합니다 ...`"""
    label = FIELD.get(field, field)
    return f"{label} 값이 올바르지 않습니다: {REASON.get(reason, reason)}"


UI: Final[dict[str, str]] = {
    "exit_rules_title": "청산 규칙",
    "exit_rules_strategy_hint": (
        "이 전략의 모든 포지션 기본값입니다. 비워 두면 환경 설정 값을 따릅니다"
    ),
    "exit_rules_position_hint": "이 포지션에만 적용됩니다. 비워 두면 전략 값을 따릅니다",
    "exit_rules_inherited": "기본값",
    "exit_rules_off": "끄기",
    "exit_rules_inherit": "상속",
    "exit_rules_on": "켜기",
    "exit_rules_save": "청산 규칙 저장",
    "exit_rules_saved": SAVED,
    "exit_rules_edit": "청산 규칙",
    "exit_rules_effective": "적용 중",
    "exit_rules_support_hint": "추가 매수 알림 기준입니다. 비워 두면 최근 일봉 최저가를 씁니다",
    "exit_rules_support_none": "최근 일봉 최저가",
    **{f"exit_rules_field_{key}": label for key, label in FIELD.items()},
    **{f"exit_rules_pricing_{key}": label for key, label in PRICING.items()},
}
