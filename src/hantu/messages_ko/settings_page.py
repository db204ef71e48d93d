"""Korean texts of accounts, strategies, risk limits, settings and the TradingView guide.

`UI` joins `UI_TEXT` (templates and JavaScript read it by key); other names are reached as
`messages_ko.settings_page.NAME`.
"""

from __future__ import annotations

from typing import Final

from hantu.messages_ko import INVALID_VALUE_TEXT

# --- key check on save -------------------------------------------------------------------------
KEYS_REFUSED: Final = (
    "증권사가 앱 키 또는 앱 시크릿을 거부했습니다{code}. 키를 다시 확인하세요. 저장하지 않았습니다"
)
KEYS_THROTTLED: Final = (
    "증권사 접근토큰은 앱 키당 1분에 한 번만 발급됩니다 (EGW00133). 1분 뒤 다시 저장하세요. "
    "저장하지 않았습니다"
)
KEYS_UNCHECKED: Final = (
    "증권사에 연결하지 못해 키를 확인할 수 없습니다. 네트워크와 환경(실전/모의투자/시뮬레이터)을 "
    "확인하세요. 저장하지 않았습니다"
)
BROKER_ACCOUNT_UPDATED: Final = "증권 계좌를 수정했습니다"
BROKER_ACCOUNT_DEACTIVATED: Final = (
    "증권 계좌를 비활성화했습니다. 새 주문은 이 계좌로 나가지 않습니다"
)
BROKER_ACCOUNT_ACTIVATED: Final = "증권 계좌를 다시 활성화했습니다"
BROKER_ACCOUNT_NAME_TAKEN: Final = "같은 이름의 증권 계좌가 이미 있습니다"

# --- strategies ----------------------------------------------------------------------------------
STRATEGY_RENAMED: Final = "전략 이름을 바꿨습니다"
STRATEGY_DELETED: Final = (
    "전략을 삭제했습니다. 웹훅 토큰은 더 이상 쓸 수 없고, 주문 기록은 남습니다"
)
TOKEN_ROTATED: Final = "웹훅 토큰을 새로 만들었습니다. 이전 토큰은 지금부터 거부됩니다"  # noqa: S105
LIMITS_SAVED: Final = "위험 한도를 저장했습니다"
POSITIONS_COUNT: Final = "{count}개"
DELETED_NAME: Final = "{name} (삭제됨 {id})"
REASON_ACCOUNT_INACTIVE: Final = (
    "비활성화된 증권 계좌입니다. 새 주문을 보내지 않습니다 (account_inactive)"
)
WEBHOOK_ACCOUNTS_INACTIVE: Final = (
    "이 전략의 증권 계좌가 모두 비활성화되어 주문을 보내지 않습니다. 설정에서 계좌를 활성화하세요"
)

# --- test webhook (validation only) --------------------------------------------------------------
TEST_WEBHOOK_OK: Final = (
    "테스트 성공: 토큰과 메시지가 올바릅니다. {symbol} {side} {quantity} ({order_type}), "
    "계좌 {accounts}개. 검증만 했고 주문은 보내지 않았습니다"
)

# --- TradingView guide ----------------------------------------------------------------------------
GUIDE_LOOPBACK: Final = (
    "웹훅 주소가 이 컴퓨터 안에서만 열리는 주소({host})입니다. TradingView는 인터넷에서 닿는 "
    "주소로만 보낼 수 있습니다. HANTU_PUBLIC_URL을 공개 주소로 설정하세요"
)
GUIDE_PORT: Final = (
    "웹훅 주소의 포트가 {port}입니다. TradingView는 80(http)과 443(https) 포트로만 웹훅을 "
    "보냅니다. 리버스 프록시를 두고 HANTU_PUBLIC_URL을 443 포트 주소로 설정하세요"
)
GUIDE_TIMEOUT: Final = (
    "TradingView는 3초 안에 응답이 없으면 웹훅을 포기합니다. 현재 주문 제한 시간은 {seconds}초"
    "(HANTU_ORDER_TIMEOUT_SECONDS)입니다."
)
GUIDE_TIMEOUT_OVER: Final = (
    " 3초보다 길어 TradingView가 먼저 끊을 수 있습니다. 그래도 주문은 '미확인'으로 추적되며 "
    "다시 보내지 않습니다"
)
GUIDE_TIMEOUT_OK: Final = " 3초 안에 답하므로 TradingView가 결과를 받습니다"

INVALID_VALUE_TEXT_PART: Final[dict[str, str]] = {
    "limit_money": "한도 금액은 0보다 큰 원 단위 정수로 적습니다 (비우면 기본값)",
    "limit_count": "최대 보유 종목 수는 1-1000 사이 정수로 적습니다 (비우면 기본값)",
}

UI: Final[dict[str, str]] = {
    "nav_settings": "설정",
    "set_title": "설정",
    "set_limits_title": "전략별 위험 한도",
    "set_limits_hint": "비워 두면 환경 변수의 기본값을 씁니다. 기본값: {defaults}",
    "set_daily_loss": "일일 손실 한도(원)",
    "set_symbol_exposure": "종목당 최대 보유 금액(원)",
    "set_max_positions": "최대 보유 종목 수",
    "set_adopt": "보유보다 많은 매도 시 증권사 보유분 편입",
    "set_effective": "적용 중: {value}",
    "set_off": "없음",
    "set_default": "기본값",
    "set_save": "저장",
    "set_config_title": "현재 설정 (비밀값은 가림)",
    "set_config_name": "설정",
    "set_config_value": "값",
    "set_accounts_title": "증권 계좌",
    "set_account_active": "활성",
    "set_account_inactive": "비활성",
    "set_account_edit": "수정",
    "set_account_deactivate": "비활성화",
    "set_account_activate": "활성화",
    "set_account_keys_hint": (
        "키를 바꾸려면 새 값을 적으세요. 비우면 저장된 값을 그대로 씁니다. "
        "바꾼 키는 증권사에서 다시 확인합니다"
    ),
    "set_status": "상태",
    "set_none": "없음",
    "set_strategy_rename": "이름 바꾸기",
    "set_strategy_delete": "삭제",
    "set_strategy_delete_confirm": (
        "이 전략을 삭제할까요? 웹훅 토큰은 바로 막히고 주문 기록은 남습니다"
    ),
    "set_token_reveal": "보기",
    "set_token_hide": "가리기",
    "set_token_rotate": "토큰 새로 만들기",
    "set_token_rotate_confirm": "토큰을 새로 만들까요? TradingView 알림의 토큰도 바꿔야 합니다",
    "set_checking_keys": "증권사에서 키를 확인하는 중입니다…",
    "guide_title": "TradingView 설정 안내",
    "guide_steps": (
        "1) TradingView 알림 만들기 → 2) 알림 탭의 '웹훅 URL'에 위 주소 붙여넣기 → 3) "
        "메시지에 아래 템플릿 붙여넣기 → 4) '테스트 웹훅 보내기'로 확인"
    ),
    "guide_limit_template": "지정가(LIMIT) 메시지",
    "guide_market_template": "시장가(MARKET) 메시지",
    "guide_test_webhook": "테스트 웹훅 보내기",
    "guide_test_hint": "검증만 합니다: 토큰과 메시지를 확인하고 주문은 보내지 않습니다",
    "guide_ok": "웹훅 주소가 TradingView에서 쓸 수 있는 형태입니다",
}


def _join_invalid_texts() -> None:
    clash = INVALID_VALUE_TEXT.keys() & INVALID_VALUE_TEXT_PART.keys()
    if clash:
        raise RuntimeError(f"settings_page redefines invalid-value rules: {sorted(clash)}")
    INVALID_VALUE_TEXT.update(INVALID_VALUE_TEXT_PART)


_join_invalid_texts()
