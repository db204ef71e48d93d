"""Every Korean user-facing string, in one place (UI, API errors, CLI output).

Keep keys stable: templates and the JavaScript read some of them by name (`UI_TEXT`).
"""

from __future__ import annotations

from typing import Final

# --- authentication and CSRF ---------------------------------------------------------------
LOGIN_REQUIRED: Final = "로그인이 필요합니다"
LOGIN_FAILED: Final = "아이디 또는 비밀번호가 올바르지 않습니다"
LOGIN_RATE_LIMITED: Final = "로그인 시도가 너무 많습니다. {seconds}초 후에 다시 시도하세요"
LOGGED_OUT: Final = "로그아웃되었습니다"
CSRF_FAILED: Final = "CSRF 토큰이 없거나 올바르지 않습니다. 페이지를 새로 고친 뒤 다시 시도하세요"
NOT_FOUND: Final = "찾을 수 없습니다"

# --- webhook -------------------------------------------------------------------------------
WEBHOOK_BAD_TOKEN: Final = "인증에 실패했습니다"  # noqa: S105 - a message
WEBHOOK_TOO_LARGE: Final = "요청 본문이 너무 큽니다 (최대 64KB)"
WEBHOOK_NOT_JSON: Final = "요청 본문이 JSON이 아닙니다"
WEBHOOK_NOT_OBJECT: Final = "요청 본문은 JSON 객체여야 합니다"
WEBHOOK_FIELD_MISSING: Final = "필수 항목이 없습니다: {field}"
WEBHOOK_FIELD_INVALID: Final = "{field} 값이 올바르지 않습니다: {detail}"
WEBHOOK_UNKNOWN_SYMBOL: Final = "알 수 없는 종목입니다: {symbol}"
WEBHOOK_NO_ACCOUNTS: Final = "이 전략에 연결된 계좌가 없습니다"
WEBHOOK_UNCONFIRMED: Final = (
    "브로커가 제시간에 응답하지 않았습니다. 주문은 '미확인' 상태이며 "
    "브로커의 당일 주문 내역으로 확인 중입니다 (재전송하지 마세요)"
)
WEBHOOK_REJECTED_RISK: Final = "위험 한도에 걸려 주문이 거부되었습니다: {detail}"

# --- failure reasons stored on orders and failed orders (shown in the UI) ----------------
REASON_RATE_LIMITED: Final = "증권사 요청 한도 초과 (rate limited)"
REASON_AUTH_REFUSED: Final = "증권사 인증 실패 (authentication refused)"
REASON_UNREACHABLE: Final = "증권사 연결 실패 (broker unreachable)"
REASON_NOT_AT_BROKER: Final = "증권사에 주문이 없음 (not found at broker)"
REASON_CONFIG: Final = "증권사 설정 오류: 키·계좌·환경을 확인하세요 (configuration refused)"

# --- failed orders -------------------------------------------------------------------------
FAILED_ORDER_REMOVED: Final = "주문이 제거되었습니다"
FAILED_ORDER_RETRIED: Final = "재시도 주문이 접수되었습니다"
RETRY_LIMIT: Final = "최대 재시도 횟수(5회)를 초과했습니다"
RETRY_REMOVED: Final = "제거된 주문은 재시도할 수 없습니다"
RETRY_RESOLVED: Final = "이미 처리된 주문입니다"
RETRY_UNCONFIRMED: Final = "이전 주문이 아직 미확인 상태라 재시도할 수 없습니다"
RETRY_STILL_UNCONFIRMED: Final = "재시도 주문의 응답이 늦어 미확인 상태입니다. 확인 후 처리됩니다"
RETRY_REFUSED: Final = "재시도가 브로커에서 거부되었습니다: {error}"
SYSTEM_ERROR: Final = "시스템 오류가 발생했습니다. 잠시 후 다시 시도하세요"

# --- accounts and strategies ---------------------------------------------------------------
USERNAME_TAKEN: Final = "이미 사용 중인 아이디입니다"
STRATEGY_NAME_TAKEN: Final = "같은 이름의 전략이 이미 있습니다"
ACCOUNT_ALREADY_LINKED: Final = "이미 연결된 계좌입니다"
BROKER_ACCOUNT_SAVED: Final = "계좌가 저장되었습니다. 비밀 값은 다시 표시되지 않습니다"
INVALID_INPUT: Final = "입력값이 올바르지 않습니다: {detail}"

# --- CLI -----------------------------------------------------------------------------------
CLI_USER_CREATED: Final = "사용자 '{username}'을(를) 만들었습니다"
CLI_SERVE_BANNER: Final = "hantu 서버가 시작되었습니다"
CLI_ENV_ACCOUNT_ADDED: Final = ".env의 KIS 계좌를 '{name}'(으)로 연결했습니다"

# Labels the templates and JavaScript use (rendered into the page as JSON).
UI_TEXT: Final[dict[str, str]] = {
    "app_title": "hantu 자동매매",
    "nav_positions": "포지션",
    "nav_strategies": "전략",
    "nav_logout": "로그아웃",
    "login_title": "로그인",
    "username": "아이디",
    "password": "비밀번호",
    "login_button": "로그인",
    "positions_title": "포지션",
    "positions_empty": "보유 종목이 없습니다",
    "today_orders": "오늘의 주문",
    "orders_empty": "오늘 주문이 없습니다",
    "failed_orders": "실패된 주문",
    "failed_empty": "실패된 주문이 없습니다",
    "filter_all_accounts": "모든 전략 계좌",
    "filter_symbol_placeholder": "예: 005930",
    "search": "검색",
    "col_symbol": "종목",
    "col_side": "방향",
    "col_type": "타입",
    "col_quantity": "수량",
    "col_price": "가격",
    "col_reason": "실패 이유",
    "col_broker_error": "브로커 에러",
    "col_retry": "재시도",
    "col_created_at": "생성 시각",
    "col_actions": "액션",
    "col_status": "상태",
    "col_filled": "체결",
    "col_avg_price": "평균가",
    "col_realized": "실현손익",
    "col_account": "전략 계좌",
    "retry": "재시도",
    "remove": "제거",
    "confirm_retry": "이 주문을 재시도하시겠습니까?",
    "confirm_remove": "이 주문을 제거하시겠습니까? (감사 기록은 남습니다)",
    "side_BUY": "매수",
    "side_SELL": "매도",
    "status_NEW": "접수 전",
    "status_SENT": "주문 중",
    "status_PARTIAL": "부분 체결",
    "status_FILLED": "체결",
    "status_CANCELED": "취소",
    "status_REJECTED": "위험 한도 거부",
    "status_ERROR": "증권사 거부",
    "status_UNCONFIRMED": "미확인",
    "toast_retry_ok": "재시도 주문이 접수되었습니다",
    "toast_remove_ok": "주문이 제거되었습니다",
    "toast_error": "요청이 실패했습니다",
    "strategies_title": "전략",
    "new_strategy": "새 전략",
    "strategy_name": "전략 이름",
    "create": "만들기",
    "webhook_url": "웹훅 URL",
    "webhook_token": "웹훅 토큰",
    "message_template": "TradingView 메시지 템플릿",
    "copy_button": "복사",
    "copied": "복사되었습니다",
    "link_account": "계좌 연결",
    "linked_accounts": "연결된 계좌",
    "no_linked_accounts": "연결된 계좌가 없습니다",
    "broker_accounts": "증권 계좌",
    "new_broker_account": "새 증권 계좌",
    "account_name": "계좌 이름",
    "environment": "환경",
    "app_key": "앱 키",
    "app_secret": "앱 시크릿",
    "account_number": "계좌번호",
    "hts_id": "HTS ID",
    "save": "저장",
    "secrets_hidden": "비밀 값은 저장 후 다시 표시되지 않습니다",
}
