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

# --- a sell above the position, and fills that could not be applied ------------------------
SELL_ABOVE_POSITION: Final = (
    "보유 수량보다 많이 매도할 수 없습니다: {symbol} 보유 {held}주,"
    " 미체결 매도 {open_sells}주, 매도 요청 {asked}주"
)
FILL_OVER_ORDER: Final = (
    "주문 수량을 넘는 체결입니다: 주문 {ordered}주 중 {filled}주 체결 후 {quantity}주 체결 —"
    " 주문과 포지션에 반영하지 않았습니다"
)
FILL_ON_ENDED_ORDER: Final = (
    "끝난 주문({status})에 온 체결입니다: 체결 {quantity}주 — 주문과 포지션에 반영하지 않았습니다"
)
FILL_ABOVE_POSITION: Final = (
    "보유 수량보다 많은 매도 체결입니다: 보유 {held}주, 체결 {quantity}주 —"
    " 포지션과 실현손익에 반영하지 않았습니다"
)

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

# --- the demo and the API description ---------------------------------------------------------
DEMO_ACCOUNT_NAME: Final = "데모 계좌"
API_SUMMARY: Final = "KIS(한국투자증권) 자동매매 서버 API"

# --- CLI: output ----------------------------------------------------------------------------
# Bilingual where scripts read the line too (the benchmark reads `hantu sim`'s credentials).
CLI_USER_CREATED: Final = "사용자 '{username}'을(를) 만들었습니다"
CLI_SERVE_BANNER: Final = "hantu 서버가 시작되었습니다"
CLI_SERVE_SIMULATOR: Final = "KIS simulator: {rest_url} {ws_url}"
CLI_SERVE_EXTERNAL_SIMULATOR: Final = "KIS simulator (external): {urls}"
CLI_SERVE_DEMO_LOGIN: Final = "demo login: {username} / {password}"
CLI_SERVE_DEMO_WEBHOOK: Final = "demo webhook:"
CLI_ENV_ACCOUNT_ADDED: Final = ".env의 KIS 계좌를 '{name}'(으)로 연결했습니다"
CLI_DB_SCHEMA: Final = "데이터베이스 스키마 / database schema: {revision}"
CLI_DB_NOT_MIGRATED: Final = "마이그레이션 전 / not migrated"
CLI_SIM_RUNNING: Final = "KIS 시뮬레이터 실행 중 / KIS simulator running"
CLI_SIM_SYMBOLS: Final = "  종목 / symbols: {symbols}"
CLI_SIM_ACCOUNT: Final = "  계좌 / account: {number}  (HTS ID: {hts_id})"
CLI_SIM_FAULTS: Final = "  장애 주입 / inject faults: hantu sim-fault --help  (--url {url})"
CLI_SIM_HOW_TO_STOP: Final = "  Ctrl-C로 종료 / Ctrl-C to stop"
CLI_SIM_STOPPED: Final = "종료 / stopped"
CLI_SIM_UNKNOWN_SYMBOL: Final = "알 수 없는 종목 / unknown symbol {code} (use CODE:PRICE)"
CLI_SIM_FAULT_ERROR: Final = "오류 / error: {error}"

# --- CLI: help ------------------------------------------------------------------------------
CLI_HELP: Final = "hantu: KIS(한국투자증권) Open API 자동매매 서버 / trading automation server."
CLI_VERSION_HELP: Final = "버전 출력 / Print the hantu version."
CLI_DB_HELP: Final = "데이터베이스 명령 (마이그레이션) / Database commands (migrations)."
CLI_DB_UPGRADE_HELP: Final = (
    "데이터베이스를 최신 스키마로 올립니다 (hantu serve는 시작할 때 자동으로 합니다). / "
    "Apply every pending migration to the configured database (HANTU_DATABASE_URL, or the "
    "SQLite file under HANTU_DATA_DIR)."
)
CLI_DB_CURRENT_HELP: Final = (
    "현재 스키마 리비전을 보여줍니다. / Print the revision the configured database is at."
)
CLI_SERVE_HELP: Final = (
    "웹 서버 실행 / Run the web server (on embedded defaults: SQLite + the KIS simulator)."
)
CLI_SERVE_HOST_HELP: Final = "바인드 주소 / Listen address (default HANTU_WEB_HOST)"
CLI_SERVE_PORT_HELP: Final = "포트 / Listen port (default HANTU_WEB_PORT)"
CLI_USERS_HELP: Final = "사용자 관리 / manage web users."
CLI_USERS_CREATE_HELP: Final = "사용자 생성 / Create a web user with an argon2-hashed password."
CLI_USERNAME_HELP: Final = "아이디 / username (3-32 chars)"
CLI_PASSWORD_HELP: Final = "비밀번호 / password (8+ chars); prompted when omitted"  # noqa: S105
CLI_SIM_HELP: Final = (
    "KIS 시뮬레이터를 단독으로 실행합니다: KIS REST/WebSocket 프로토콜을 그대로 말하는 "
    "로컬 서버입니다. 어떤 KIS 클라이언트든 URL만 바꾸면 연결됩니다. / Run the KIS "
    "simulator standalone: any KIS client works against it by changing its URLs alone."
)
CLI_SIM_HOST_HELP: Final = "바인드 주소 / bind address"
CLI_SIM_REST_PORT_HELP: Final = "REST 포트 (0=자동) / REST port"
CLI_SIM_WS_PORT_HELP: Final = "WebSocket 포트 (0=자동) / WS port"
CLI_SIM_CONFIG_HELP: Final = "계좌 선언 파일 (TOML/JSON) / accounts file"
CLI_SIM_SEED_HELP: Final = "난수 시드 / random seed"
CLI_SIM_SYMBOLS_HELP: Final = "종목 목록, 예: 005930,000660,123456:15000 / symbols"
CLI_SIM_MARKET_HOURS_HELP: Final = "장 운영시간 외 주문 거부 / reject orders off-hours"
CLI_SIM_RATE_LIMIT_HELP: Final = "앱키별 초당 요청 한도 (실전 20, 모의 2) / req/s"
CLI_SIM_WALK_HELP: Final = "시세 변동 간격 초 (0=정지) / price walk seconds"
CLI_SIM_DURATION_HELP: Final = "N초 후 종료 / stop after N seconds"
CLI_FAULT_HELP: Final = (
    "실행 중인 KIS 시뮬레이터에 장애를 주입합니다 (WebSocket 끊기, 지연, 주문 거부, 거래정지, "
    "시세 이동 등). / Inject faults into a running KIS simulator through its REST port."
)
CLI_FAULT_URL_HELP: Final = "시뮬레이터 REST 주소 / the simulator's REST URL"
CLI_FAULT_SYMBOL_HELP: Final = "종목코드 / symbol code, e.g. 005930"
CLI_FAULT_SECONDS_HELP: Final = "초 / seconds"
CLI_FAULT_GRACEFUL_HELP: Final = "종료 프레임을 보내고 닫기 / send a close frame first"
CLI_FAULT_ALL_PATHS_HELP: Final = "주문 외 조회도 지연 / delay inquiries too"
CLI_FAULT_VI_KIND_HELP: Final = "1 정적, 2 동적, 3 둘 다 / static, dynamic, both"
CLI_FAULT_DROP_WS: Final = "WebSocket 세션을 모두 끊습니다 / Drop every WebSocket session."
CLI_FAULT_REFUSE_WS: Final = (
    "N초 동안 WebSocket 접속을 거부합니다 (HTTP 503) / Refuse WebSocket connections."
)
CLI_FAULT_DELAY_ORDERS: Final = (
    "주문 응답을 지연하되 주문은 실행합니다 (0=해제) / Delay answers; orders still execute."
)
CLI_FAULT_REJECT_NEXT: Final = (
    "다음 주문 하나를 이 코드로 거부합니다 / Reject the next order with this code."
)
CLI_FAULT_REJECT_EXCHANGE: Final = (
    "다음 신규 주문을 접수 후 거래소 거부합니다 / Accept the next order, then refuse it."
)
CLI_FAULT_HALT: Final = "종목 거래를 정지합니다 (H0STMKO0) / Halt trading in a symbol."
CLI_FAULT_VI: Final = "종목에 VI를 발동합니다 / Trigger a VI on a symbol."
CLI_FAULT_RESUME: Final = "거래정지·VI를 해제합니다 / Lift a halt or VI."
CLI_FAULT_PRICE: Final = "지금 이 가격에 체결시킵니다 / Trade a symbol at a given price now."
CLI_FAULT_PRICE_TO_HELP: Final = "체결가 (원) / trade price in won"
CLI_FAULT_PRICE_QTY_HELP: Final = "체결 수량 / shares traded"
CLI_FAULT_RATE_LIMIT: Final = (
    "앱키별 초당 요청 한도를 바꿉니다 (EGW00201) / Set or lift the rate limit."
)
CLI_FAULT_PER_SECOND_HELP: Final = "초당 한도 또는 off / requests per second, or off"
CLI_FAULT_BAD_RATE: Final = "1 이상의 정수 또는 off / a whole number ≥ 1, or off"
CLI_FAULT_EXPIRE_TOKENS: Final = (
    "모든 접근토큰을 만료시킵니다 (EGW00123) / Expire every access token."
)
CLI_FAULT_STATE: Final = (
    "종목 시세, 계좌, 주입된 장애를 보여 줍니다 / Show prices, accounts and active faults."
)
CLI_FAULT_JSON_HELP: Final = "JSON 그대로 / raw JSON"
CLI_STATE_SYMBOLS: Final = "종목 / symbols:"
CLI_STATE_HALTED: Final = " [거래정지/halted]"
CLI_STATE_ACCOUNTS: Final = "계좌 / accounts:"
CLI_STATE_ACCOUNT: Final = (
    "  {account} ({hts_id}): 현금/cash {cash}, 주문가능/available {available}, "
    "보유/held {held}, 미체결/open {open_orders}"
)
CLI_STATE_FAULTS: Final = "장애 / faults: {faults}"

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
    "adopt_broker_holdings": (
        "hantu가 사지 않은 보유 주식도 매도 허용 (증권사 평균단가로 포지션에 편입)"
    ),
    "fills_to_check": "확인 필요",
    "fills_to_check_hint": "반영하지 못한 체결입니다. 증권사 잔고와 비교해 확인하세요",
    "col_fill_time": "체결 시각",
    "col_problem": "이유",
}
