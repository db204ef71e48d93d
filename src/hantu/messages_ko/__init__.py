"""Every Korean user-facing string, in one place (UI, API errors, CLI output).

Keep keys stable: templates and the JavaScript read some of them by name (`UI_TEXT`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Final, NamedTuple
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from hantu.domain.risk import RiskViolation

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

# --- password change (issue 8) ---------------------------------------------------------------
PASSWORD_CHANGED: Final = "비밀번호를 바꿨습니다. 다른 곳의 로그인은 모두 끝났습니다"  # noqa: S105
PASSWORD_CURRENT_WRONG: Final = "현재 비밀번호가 올바르지 않습니다"  # noqa: S105
CLI_USERS_PASSWD_HELP: Final = (
    "비밀번호 변경 / Set a user's password; ends every session of that user."  # noqa: S105
)
CLI_PASSWORD_CHANGED: Final = "'{username}'의 비밀번호를 바꾸고 모든 로그인을 끝냈습니다"  # noqa: S105
CLI_USER_NOT_FOUND: Final = "사용자가 없습니다: {username}"

# --- webhook numbers (issue 8) ---------------------------------------------------------------
WEBHOOK_NUMBER_FORMAT: Final = "숫자는 0-9와 소수점 하나로만 적습니다 (예: 10, 70000.5)"
CLI_SIM_BAD_PRICE: Final = (
    "가격은 양수를 0-9와 소수점으로 적습니다 / bad price in {item} (CODE:15000)"
)

# --- failure reasons stored on orders and failed orders (shown in the UI) ----------------
REASON_RATE_LIMITED: Final = "증권사 요청 한도 초과 (rate limited)"
REASON_AUTH_REFUSED: Final = "증권사 인증 실패 (authentication refused)"
REASON_UNREACHABLE: Final = "증권사 연결 실패 (broker unreachable)"
REASON_NOT_AT_BROKER: Final = "증권사에 주문이 없음 (not found at broker)"
REASON_CONFIG: Final = "증권사 설정 오류: 키·계좌·환경을 확인하세요 (configuration refused)"

# --- a sell above the position, and fills that could not be applied ------------------------
SELL_ABOVE_POSITION: Final = (
    "보유 수량보다 많이 매도할 수 없습니다: {symbol} 보유 {held:,}주,"
    " 미체결 매도 {open_sells:,}주, 매도 요청 {asked:,}주"
)
FILL_OVER_ORDER: Final = (
    "주문 수량을 넘는 체결입니다: 주문 {ordered:,}주 중 {filled:,}주 체결 후 {quantity:,}주 체결 —"
    " 주문과 포지션에 반영하지 않았습니다"
)
FILL_ON_ENDED_ORDER: Final = (
    "끝난 주문({status})에 온 체결입니다: 체결 {quantity}주 — 주문과 포지션에 반영하지 않았습니다"
)
FILL_ABOVE_POSITION: Final = (
    "보유 수량보다 많은 매도 체결입니다: 보유 {held:,}주, 체결 {quantity:,}주 —"
    " 포지션과 실현손익에 반영하지 않았습니다"
)

# --- orders held back by the request rate limit (never sent: safe to retry) ------------------
REASON_NOT_SENT_RATE_LIMITED: Final = (
    "초당 요청 한도({per_second}건/초) 때문에 주문을 보내지 못했습니다. "
    "증권사에 전달되지 않았으니 재시도해도 됩니다 (not sent: rate limited)"
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

# --- broken value rules (`InvalidValue.rule`), said in Korean at every front end (issue 10) ---
INVALID_VALUE_TEXT: Final[dict[str, str]] = {
    "username": "아이디는 3-32자의 영문, 숫자, '.', '_', '-'로 적습니다",
    "password_length": "비밀번호는 {low}-{high}자여야 합니다",
    "name": "이름은 1-{high}자의 보이는 글자로 적습니다",
    "account_number": "계좌번호는 숫자 8자리-2자리로 적습니다 (예: 12345678-01)",
    "environment": "환경은 {allowed} 중 하나여야 합니다",
    "hts_id": "HTS ID는 1-16자의 영문, 숫자, '_'로 적습니다",
    "app_credentials": "앱 키와 앱 시크릿이 필요합니다",
}
# webhook field details (shown after "{field} 값이 올바르지 않습니다: ")
WEBHOOK_DETAIL_MISSING: Final = "값이 없습니다"
WEBHOOK_DETAIL_EMPTY_TEXT: Final = "비어 있지 않은 문자열이어야 합니다"
WEBHOOK_DETAIL_JSON_CONSTANT: Final = "{name}은(는) JSON이 허용하는 숫자가 아닙니다"
WEBHOOK_DETAIL_NOT_NUMBER: Final = "숫자여야 합니다"
WEBHOOK_DETAIL_NOT_FINITE: Final = "유한한 숫자여야 합니다"
WEBHOOK_DETAIL_NOT_POSITIVE: Final = "0보다 커야 합니다"
WEBHOOK_DETAIL_TOO_LARGE: Final = "너무 큽니다 (최대 10억)"
WEBHOOK_DETAIL_WHOLE_SHARES: Final = "주식 수는 정수로 적습니다"
WEBHOOK_DETAIL_PRICE_RANGE: Final = "0보다 크고 10억 이하여야 합니다"
WEBHOOK_DETAIL_UNKNOWN_EXCHANGE: Final = "알 수 없는 거래소입니다: {exchange}"
WEBHOOK_DETAIL_UNKNOWN_SYMBOL: Final = (
    "알 수 없는 종목입니다: 6자리 KRX 종목코드로 적습니다 (예: 005930)"
)
WEBHOOK_DETAIL_OFF_TICK: Final = "{price}원은 호가 단위에 맞지 않습니다 (호가 단위 {tick})"
WEBHOOK_DETAIL_KRX_TICKS: Final = "KRX 호가 단위표"
WEBHOOK_DETAIL_OWN_TICK: Final = "이 종목은 {tick}원"
WEBHOOK_DETAIL_CHOICE: Final = "{allowed} 중 하나여야 합니다"
WEBHOOK_DETAIL_NOT_TEXT: Final = "문자열이어야 합니다"
WEBHOOK_DETAIL_ID_LENGTH: Final = "1-{high}자의 보이는 글자로 적습니다"
# request body checks (pydantic error types), so a form's 422 is Korean too
VALIDATION_TEXT: Final[dict[str, str]] = {
    "missing": "값이 없습니다",
    "string_too_short": "{min_length}자 이상이어야 합니다",
    "string_too_long": "{max_length}자 이하여야 합니다",
    "string_type": "문자열이어야 합니다",
    "int_parsing": "정수여야 합니다",
    "int_type": "정수여야 합니다",
    "bool_parsing": "true 또는 false여야 합니다",
    "bool_type": "true 또는 false여야 합니다",
    "greater_than_equal": "{ge} 이상이어야 합니다",
    "less_than_equal": "{le} 이하여야 합니다",
    "json_invalid": "JSON 형식이 아닙니다",
}
VALIDATION_OTHER: Final = "형식이 올바르지 않습니다"
CLI_PASSWORD_PROMPT: Final = "비밀번호"  # noqa: S105 - a prompt
CLI_PASSWORD_REPEAT: Final = "비밀번호 확인 (한 번 더)"  # noqa: S105 - a prompt


def explain_invalid(exc: Exception) -> str:
    """A refused value in Korean: its rule's sentence, else the generic one with the detail."""
    rule, params = getattr(exc, "rule", ""), getattr(exc, "params", {})
    if rule in INVALID_VALUE_TEXT:
        return INVALID_VALUE_TEXT[rule].format(**params)
    return INVALID_INPUT.format(detail=exc)


# --- risk limits an order broke (the rule name stays in brackets for whoever greps logs) ----
RISK_DAILY_LOSS: Final = "오늘 실현손실 {loss}이(가) 한도 {limit} 이상입니다 (daily_loss_limit)"
RISK_OPEN_POSITIONS: Final = (
    "보유 종목이 {count}개로 한도 {limit}개에 이르렀습니다 (max_open_positions)"
)
RISK_EXPOSURE: Final = (
    "{symbol} 보유 금액이 {after}(으)로 종목당 한도 {limit}을(를) 넘습니다 (max_symbol_exposure)"
)
RISK_EXPOSURE_UNPRICED: Final = (
    "{symbol} 주문 금액을 계산할 가격이 없어 종목당 한도를 확인할 수 없습니다 (max_symbol_exposure)"
)


def risk_violation(violation: RiskViolation) -> str:
    """A broken risk limit in Korean, with amounts as `1,400,000원`."""
    f = violation.figures
    if violation.message or not f:
        return str(violation)
    match violation.rule:
        case "daily_loss_limit":
            return RISK_DAILY_LOSS.format(loss=_won(f["loss"]), limit=_won(f["limit"]))
        case "max_open_positions":
            return RISK_OPEN_POSITIONS.format(count=f["count"], limit=f["limit"])
        case "max_symbol_exposure" if "after" in f:
            after, limit = _won(f["after"]), _won(f["limit"])
            return RISK_EXPOSURE.format(symbol=f["symbol"], after=after, limit=limit)
        case "max_symbol_exposure":
            return RISK_EXPOSURE_UNPRICED.format(symbol=f["symbol"])
    return str(violation)


def _won(amount: object) -> str:
    return format_won(Decimal(str(amount)))


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
# the embedded simulator's play-money account in the `hantu serve` banner (issue 10)
CLI_SERVE_SIM_ACCOUNT: Final = (
    "시뮬레이터 계좌 (계좌 추가 화면에 넣는 모의 자금용 값) / simulator account:"
)
CLI_SERVE_SIM_KEY: Final = "  앱 키 / app key: {app_key}"
CLI_SERVE_SIM_SECRET: Final = "  앱 시크릿 / app secret: {app_secret}"  # noqa: S105 - a label
CLI_SERVE_SIM_NUMBER: Final = "  계좌번호 / account: {number}  (HTS ID: {hts_id})"
# `hantu serve` on a port another process holds (issue 10)
CLI_SERVE_PORT_TAKEN: Final = (
    "포트 {port}을(를) 이미 다른 프로그램이 쓰고 있습니다. "
    "그 프로그램을 끄거나 HANTU_WEB_PORT(또는 --port)로 다른 포트를 고르세요"
)
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
CLI_FAULT_REFUSE_SUBSCRIBE: Final = (
    "실시간 구독 요청을 거부합니다 (OPSP0007, 둘 다 비우면 해제) / Refuse subscriptions."
)
CLI_FAULT_REFUSE_SYMBOLS_HELP: Final = "거부할 종목, 예: 005930,000660 / symbols to refuse"
CLI_FAULT_REFUSE_COUNT_HELP: Final = "다음 N건의 구독 요청 거부 / refuse the next N requests"
CLI_FAULT_DELAY_ORDERS: Final = (
    "주문 응답을 지연하되 주문은 실행합니다 (0=해제) / Delay answers; orders still execute."
)
CLI_FAULT_FAIL_REST: Final = (
    "N초 동안 모든 REST 요청에 5xx로 답합니다 (0=해제) / Answer every REST request with a 5xx."
)
CLI_FAULT_STATUS_HELP: Final = "HTTP 상태 (500~599) / HTTP status (500-599)"
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
# `hantu sim` behaviours and `hantu sim-fault` faults added for every simulator switch.
CLI_SIM_WALK_BURST_HELP: Final = (
    "시세 변동마다 종목당 최대 체결 수 (여러 건은 한 프레임에) / max trades per step"
)
CLI_SIM_PINGPONG_INTERVAL_HELP: Final = "PINGPONG 간격 초 (0=보내지 않음) / PINGPONG seconds"
CLI_SIM_PINGPONG_TIMEOUT_HELP: Final = (
    "PINGPONG에 N초 안에 응답하지 않는 세션을 끊음 (엄격 모드) / drop silent clients"
)
CLI_SIM_SEND_INTERVAL_HELP: Final = (
    "실시간 전송 간격 초: 그 사이 체결을 한 프레임에 묶음 / gather trades per frame"
)
CLI_SIM_REALTIME: Final = (
    "  실시간 / realtime: PINGPONG {pingpong}, 무응답 절단 / strict {timeout}, "
    "전송 간격 / send interval {send}, 다건 프레임 / multi-record {batch}"
)
CLI_SIM_BATCH_HELP: Final = "한 종목 체결 여러 건을 한 프레임에 / multi-record frames"
CLI_FAULT_PINGPONG: Final = (
    "PINGPONG 엄격 모드: 응답 없는 세션을 끊습니다 / Drop clients that do not answer PINGPONG."
)
CLI_FAULT_PINGPONG_TIMEOUT_HELP: Final = "응답 제한 초 또는 off / seconds, or off"
CLI_FAULT_BAD_TIMEOUT: Final = "0보다 큰 초 또는 off / seconds above 0, or off"
CLI_FAULT_LIQUIDITY: Final = (
    "체결당 채워지는 수량을 제한합니다 (부분체결) / Cap shares filled per trade."
)
CLI_FAULT_LIQUIDITY_QTY_HELP: Final = "체결당 최대 수량 또는 off / shares per trade, or off"
CLI_FAULT_SCRIPT: Final = (
    "시세 변동마다 하나씩 재생할 가격을 예약합니다 / Queue prices for the price walk."
)
CLI_FAULT_SCRIPT_PRICES_HELP: Final = "가격 목록, 예: 71000,71100 / comma-separated prices"
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
    # password change (issue 8)
    "nav_password": "비밀번호 변경",
    "password_title": "비밀번호 변경",
    "current_password": "현재 비밀번호",
    "new_password": "새 비밀번호",
    "password_button": "변경",
    "password_note": "바꾸면 이 브라우저를 뺀 모든 곳에서 로그아웃됩니다",
    # units the JavaScript appends, as format_won / format_shares do (issue 10)
    "unit_won": "원",
    "unit_shares": "주",
    # the page a browser gets for a path hantu does not serve (issue 10)
    "not_found_title": "페이지를 찾을 수 없습니다",
    "not_found_text": "주소가 잘못되었거나 아직 없는 페이지입니다",
    "not_found_home": "포지션으로 돌아가기",
}


# --- notifications (spec 002 §6.3): formatting helpers and templates -------------------------
# Plain text, no Markdown: stock names and figures would need MarkdownV2 escaping (".", "-",
# "+"), and one missed escape makes Telegram refuse the whole message.
# Money is rounded half-up to a whole won, the one rounding rule for every amount shown.


def format_won(amount: Decimal | int) -> str:
    """An amount in whole won with thousand separators: `70,667원`, `-1,200원`."""
    whole = Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP) + 0  # no "-0"
    return f"{whole:,}원"


def format_shares(quantity: Decimal | int) -> str:
    """A number of shares with thousand separators: `1,234주`."""
    return f"{Decimal(quantity).quantize(Decimal(1), rounding=ROUND_HALF_UP):,}주"


def format_rate(ratio: Decimal, places: int = 2, signed: bool = True) -> str:
    """A ratio as a percentage: 0.023 → `+2.30%` (signed), 0.75 → `75.0%` (places=1)."""
    percent = (ratio * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) + 0
    return f"{percent:+}%" if signed else f"{percent}%"


def _seoul(when: datetime) -> str:
    return when.astimezone(ZoneInfo("Asia/Seoul")).strftime("%Y-%m-%d %H:%M:%S")


class HeldLine(NamedTuple):
    name: str
    code: str
    quantity: Decimal
    average_price: Decimal


NOTIFY_STOP_LOSS_TITLE: Final = "📉 손절 체결"
NOTIFY_TAKE_PROFIT_TITLE: Final = "💰 익절 체결"
NOTIFY_EXIT_BODY: Final = (
    "종목: {label}\n"
    "매도가: {exit_price}\n"
    "매수가: {entry_price}\n"
    "수량: {quantity}\n"
    "\n"
    "{pnl_label}: {pnl}\n"
    "수익률: {rate}\n"
    "보유기간: {hold_days}일"
)
NOTIFY_CONNECTION_FAILED_TITLE: Final = "🚨 긴급: WebSocket 연결 복구 실패"
NOTIFY_CONNECTION_FAILED_BODY: Final = (
    "재시도: {attempts}회 실패\n"
    "마지막 시도: {last_retry_time}\n"
    "\n"
    "⚠️ 영향:\n"
    "- 실시간 모니터링 중단\n"
    "- 손절/익절 자동 실행 불가\n"
    "\n"
    "🔧 조치 필요:\n"
    "1. 네트워크 상태 확인\n"
    "2. KIS API 서버 상태 확인\n"
    "3. 수동 재시작: hantu monitor restart\n"
    "\n"
    "📋 현재 보유 종목: {position_count}개"
)
NOTIFY_DAILY_SUMMARY_TITLE: Final = "⏹️ 실시간 모니터링 종료"
NOTIFY_DAILY_SUMMARY_BODY: Final = (
    "📊 오늘의 매매 결과:\n"
    "- 총 거래: {total_trades}건\n"
    "- 실현 손익: {total_pnl}\n"
    "- 승률: {win_rate} ({wins}승 {losses}패)\n"
    "- 평균 수익: {avg_win}\n"
    "- 평균 손실: {avg_loss}\n"
    "\n"
    "🔄 보유 종목: {position_count}개\n"
    "{position_list}\n"
    "\n"
    "⏰ 다음 모니터링: {next_monitoring}"
)
NOTIFY_HELD_LINE: Final = "- {label} {quantity} @ {average_price}"
NOTIFY_ORDER_FILLED_TITLE: Final = "✅ 주문 체결"
NOTIFY_ORDER_FILLED_BODY: Final = "종목: {label}\n{side} {quantity} @ {price}"
NOTIFY_ORDER_FAILED_TITLE: Final = "🚨 긴급: 주문 실패"
NOTIFY_ORDER_FAILED_BODY: Final = "종목: {label}\n{side} {quantity}\n사유: {reason}"
NOTIFY_FAILED_ORDER_CREATED_TITLE: Final = "🚨 긴급: 실패된 주문 등록"
NOTIFY_FAILED_ORDER_CREATED_BODY: Final = (
    "종목: {label}\n{side} {quantity}\n사유: {reason}\n"
    "웹 화면의 '실패된 주문'에서 재시도하거나 제거하세요"
)
NOTIFY_SIDE: Final[dict[str, str]] = {"BUY": "매수", "SELL": "매도"}
NOTIFY_DIGEST_TITLE: Final = "🔔 알림 요약: {count}건 ({start} ~ {end})"
NOTIFY_DIGEST_ITEM: Final = "• {text}"
NOTIFY_UNDELIVERED: Final = "알림 전송 실패: {channel} ({detail})"


class ExitFill(NamedTuple):
    """A stop-loss or take-profit sale, as the notice shows it."""

    name: str
    code: str
    exit_price: Decimal
    entry_price: Decimal
    quantity: Decimal
    pnl: Decimal
    return_rate: Decimal
    hold_days: int


def _label(name: str, code: str) -> str:
    """`삼성전자 005930` when a name is known, else the code once."""
    return f"{name} {code}" if name and name != code else code


def stop_loss_filled(fill: ExitFill) -> tuple[str, str]:
    """Title and body of the stop-loss fill notice (spec 002 §6.3)."""
    return NOTIFY_STOP_LOSS_TITLE, _exit_body("실현손실", fill)


def take_profit_filled(fill: ExitFill) -> tuple[str, str]:
    """Title and body of the take-profit fill notice (spec 002 §6.3)."""
    return NOTIFY_TAKE_PROFIT_TITLE, _exit_body("실현수익", fill)


def _exit_body(pnl_label: str, fill: ExitFill) -> str:
    return NOTIFY_EXIT_BODY.format(
        label=_label(fill.name, fill.code),
        exit_price=format_won(fill.exit_price),
        entry_price=format_won(fill.entry_price),
        quantity=format_shares(fill.quantity),
        pnl_label=pnl_label,
        pnl=format_won(fill.pnl),
        rate=format_rate(fill.return_rate),
        hold_days=fill.hold_days,
    )


def connection_failed(
    attempts: int, last_retry_time: datetime, position_count: int
) -> tuple[str, str]:
    """Title and body of the emergency sent when the realtime feed gave up (spec 002 §6.3)."""
    return NOTIFY_CONNECTION_FAILED_TITLE, NOTIFY_CONNECTION_FAILED_BODY.format(
        attempts=attempts, last_retry_time=_seoul(last_retry_time), position_count=position_count
    )


class DaySummary(NamedTuple):
    """The close-of-day figures the summary shows."""

    total_trades: int
    total_pnl: Decimal
    wins: int
    losses: int
    avg_win: Decimal
    avg_loss: Decimal
    positions: Sequence[HeldLine]
    next_monitoring: str = "내일 09:00"  # from the calendar when known (monitor_panel)


def daily_summary(day: DaySummary) -> tuple[str, str]:
    """Title and body of the close-of-day summary (spec 002 §6.3)."""
    decided = day.wins + day.losses
    win_rate = Decimal(day.wins) / decided if decided else Decimal(0)
    held = "\n".join(
        NOTIFY_HELD_LINE.format(
            label=_label(p.name, p.code),
            quantity=format_shares(p.quantity),
            average_price=format_won(p.average_price),
        )
        for p in day.positions
    )
    return NOTIFY_DAILY_SUMMARY_TITLE, NOTIFY_DAILY_SUMMARY_BODY.format(
        total_trades=day.total_trades,
        total_pnl=format_won(day.total_pnl),
        win_rate=format_rate(win_rate, places=1, signed=False),
        wins=day.wins,
        losses=day.losses,
        avg_win=format_won(day.avg_win),
        avg_loss=format_won(day.avg_loss),
        position_count=len(day.positions),
        position_list=held,
        next_monitoring=day.next_monitoring,
    )


def order_filled(
    name: str, code: str, side: str, quantity: Decimal, price: Decimal
) -> tuple[str, str]:
    """Title and body of an ordinary fill notice."""
    return NOTIFY_ORDER_FILLED_TITLE, NOTIFY_ORDER_FILLED_BODY.format(
        label=_label(name, code),
        side=NOTIFY_SIDE.get(side, side),
        quantity=format_shares(quantity),
        price=format_won(price),
    )


def order_failed(
    name: str, code: str, side: str, quantity: Decimal, reason: str, *, stored: bool
) -> tuple[str, str]:
    """Title and body of an order the broker refused; `stored` when it became a failed order."""
    template = NOTIFY_FAILED_ORDER_CREATED_BODY if stored else NOTIFY_ORDER_FAILED_BODY
    title = NOTIFY_FAILED_ORDER_CREATED_TITLE if stored else NOTIFY_ORDER_FAILED_TITLE
    return title, template.format(
        label=_label(name, code),
        side=NOTIFY_SIDE.get(side, side),
        quantity=format_shares(quantity),
        reason=reason,
    )


def digest(texts: Sequence[str], start: datetime, end: datetime) -> tuple[str, str]:
    """Title and body of the 5-minute digest of normal-priority notifications."""
    title = NOTIFY_DIGEST_TITLE.format(
        count=len(texts), start=_seoul(start)[11:16], end=_seoul(end)[11:16]
    )
    return title, "\n\n".join(NOTIFY_DIGEST_ITEM.format(text=text) for text in texts)


# --- the Slack logging handler (spec 003) ----------------------------------------------------
LOG_SLACK_WARNING_BATCH: Final = "⚠️ 경고 로그 {count}건 (최근 {minutes}분)"
LOG_SLACK_CRITICAL: Final = "🚨 치명적 오류"
LOG_SLACK_ERROR: Final = "❌ 오류"
LOG_SLACK_STACK: Final = "호출 스택:"


# --- Telegram bot: linking, refusals and commands (issue 9) ----------------------------------
REASON_PAUSED: Final = (
    "신규 진입이 중지되어 매수 주문을 보내지 않았습니다 (텔레그램 /resume 으로 재개)"
)
TG_NOT_LINKED: Final = (
    "이 채팅은 hantu 계정에 연결되어 있지 않습니다. 웹 화면의 '텔레그램 연결'에서 코드를 받아"
    " /start 코드 를 보내 주세요."
)
TG_NOT_YOU: Final = "이 계정에 연결된 사용자만 명령할 수 있습니다."
TG_BAD_CODE: Final = (
    "연결 코드가 올바르지 않거나 만료되었습니다. 웹 화면에서 새 코드를 받아 주세요."
)
TG_LINKED: Final = "{username} 계정에 연결되었습니다. /help 로 명령을 확인하세요."
TG_UNKNOWN: Final = "알 수 없는 명령입니다. /help 로 명령을 확인하세요."
TG_HELP: Final = (
    "hantu 명령\n"
    "/status - 상태 (신규 진입, 연결, 미체결 주문)\n"
    "/positions - 보유 포지션\n"
    "/orders - 오늘 주문\n"
    "/balance - 예수금과 평가\n"
    "/pnl - 실현손익 (오늘, 누적)\n"
    "/stop - 신규 진입 중지 (청산은 계속)\n"
    "/resume - 신규 진입 재개\n"
    "/help - 이 도움말"
)
TG_STATUS: Final = (
    "📊 상태\n신규 진입: {entries}\n전략 계좌: {accounts}개\n실시간 연결: {streams}\n"
    "미체결 주문: {open_orders}건"
)
TG_ENTRIES_ON: Final = "허용"
TG_ENTRIES_PAUSED: Final = "중지됨 (/resume 으로 재개)"
TG_STREAMS: Final = "{up}/{total} 정상"
TG_STREAMS_UNKNOWN: Final = "알 수 없음"
TG_POSITIONS_TITLE: Final = "📈 보유 포지션 ({count}종목)"
TG_POSITION_LINE: Final = "{symbol} {quantity} · 평균 {average} · 실현 {realized}"
TG_NO_POSITIONS: Final = "보유 포지션이 없습니다."
TG_ORDERS_TITLE: Final = "📋 오늘 주문 ({count}건)"
TG_ORDER_LINE: Final = "{time} {symbol} {side} {quantity} {price} · {status} (체결 {filled})"
TG_NO_ORDERS: Final = "오늘 주문이 없습니다."
TG_MARKET_PRICE: Final = "시장가"
TG_SIDES: Final[dict[str, str]] = {"BUY": "매수", "SELL": "매도"}
TG_STATUSES: Final[dict[str, str]] = {
    "NEW": "접수 중",
    "SENT": "주문 중",
    "PARTIAL": "부분 체결",
    "FILLED": "체결",
    "CANCELED": "취소",
    "REJECTED": "거부",
    "ERROR": "실패",
    "UNCONFIRMED": "확인 중",
}
TG_BALANCE_TITLE: Final = "💰 잔고"
TG_BALANCE_ACCOUNT: Final = (
    "{name} ({hint})\n예수금 {cash}\n주식 평가금액 {holdings}\n총평가 {total}"
)
TG_BALANCE_FAILED: Final = "{name} ({hint})\n잔고를 조회하지 못했습니다."
TG_NO_ACCOUNTS: Final = "연결된 증권 계좌가 없습니다."
TG_PNL: Final = "💹 실현손익\n오늘 {today}\n누적 {total}"
TG_STOPPED: Final = (
    "⏸ 신규 진입을 중지했습니다. 청산(매도)은 계속 실행됩니다. /resume 으로 재개합니다."
)
TG_RESUMED: Final = "▶️ 신규 진입을 다시 허용했습니다."
TG_UI_TEXT: Final[dict[str, str]] = {
    "title": "텔레그램 연결",
    "off": "텔레그램 봇이 설정되지 않았습니다 (HANTU_TELEGRAM_BOT_TOKEN).",
    "linked": "연결됨",
    "not_linked": "연결되지 않음",
    "chat": "채팅",
    "get_code": "연결 코드 받기",
    "instructions": "10분 안에 텔레그램에서 봇에게 다음을 보내세요:",
    "unlink": "연결 해제",
    "paused": "신규 진입 중지됨",
}
TG_WEBHOOK_HEADER_MISSING: Final = "텔레그램 웹훅 비밀값 헤더가 없습니다"
TG_WEBHOOK_HEADER_WRONG: Final = "텔레그램 웹훅 비밀값이 맞지 않습니다"
TG_WEBHOOK_OFF: Final = "텔레그램 웹훅을 쓰지 않는 설정입니다"
TG_WEBHOOK_BAD_BODY: Final = "텔레그램 업데이트(JSON 객체)를 읽을 수 없습니다"
TG_OFF: Final = "텔레그램 봇이 설정되지 않았습니다 (HANTU_TELEGRAM_BOT_TOKEN)"
# --- notifications wired end to end (issue 9): new kinds, the UI, `hantu check` --------------
NOTIFY_ORDER_UNCONFIRMED_TITLE: Final = "⚠️ 주문 미확인"
NOTIFY_ORDER_UNCONFIRMED_BODY: Final = (
    "종목: {code}\n{side} {quantity}\n사유: {reason}\n증권사 주문 내역과 대조해 곧 확정합니다"
)
NOTIFY_FILL_NOT_APPLIED_TITLE: Final = "⚠️ 반영하지 못한 체결"
NOTIFY_FILL_NOT_APPLIED_BODY: Final = (
    "종목: {code} ({side})\n사유: {reason}\n웹 화면의 '확인 필요'에서 증권사 잔고와 비교하세요"
)
NOTIFY_KIND_LABEL: Final[dict[str, str]] = {
    "system_failure": "시스템 장애",
    "connection_failed": "실시간 연결 복구 실패",
    "order_failed": "주문 실패",
    "failed_order_created": "실패된 주문 등록",
    "stop_loss_filled": "손절 체결",
    "take_profit_filled": "익절 체결",
    "order_filled": "주문 체결",
    "monitoring_started": "모니터링 시작",
    "monitoring_stopped": "모니터링 종료",
    "connection_lost": "실시간 연결 끊김",
    "market_halted": "매매 정지",
    "add_buy_opportunity": "추가 매수 기회",
    "daily_summary": "일일 요약",
    "subscribed": "종목 구독",
    "reconnected": "재연결",
    "order_unconfirmed": "주문 미확인",
    "fill_not_applied": "반영하지 못한 체결",
    "tick_delayed": "체결 수신 지연",
    "exit_unprotected": "손절·익절 매도 실패",
}
NOTIFY_MODE_LABEL: Final[dict[str, str]] = {"on": "켜기", "silent": "무음", "off": "끄기"}
NOTIFY_SUPERVISOR_CRASH_TITLE: Final = "🚨 긴급: 백그라운드 작업 중단"
NOTIFY_SUPERVISOR_CRASH_BODY: Final = "작업: {service}\n오류: {error}\n자동으로 다시 시작합니다"
UI_TEXT.update(
    {
        "undelivered_title": "전달하지 못한 알림",
        "undelivered_empty": "전달하지 못한 알림이 없습니다",
        "col_kind": "알림 종류",
        "col_error": "오류",
        "nav_notifications": "알림 설정",
        "notifications_title": "알림 설정",
        "notifications_hint": "긴급 알림은 끌 수 없습니다 (끄기를 골라도 무음으로 전달됩니다)",
        "notifications_saved": "알림 설정을 저장했습니다",
        "notifications_bad": "알림 설정 값이 올바르지 않습니다",
    }
)
CHECK_TEST_MESSAGE: Final = "✅ hantu 알림 테스트 메시지입니다"
CHECK_OK: Final = "✅ {item}"
CHECK_FAILED: Final = "❌ {item} ({reason})"
CHECK_KIS_ACCESS: Final = "KIS 접근 토큰 발급: {account}"
CHECK_KIS_BALANCE: Final = "KIS 잔고 조회: {account} (예수금 {cash})"
CHECK_KIS_BALANCE_FAILED: Final = "KIS 잔고 조회: {account}"
CHECK_TELEGRAM: Final = "텔레그램 테스트 메시지: 채팅 {chat}"
CHECK_SLACK: Final = "슬랙 테스트 메시지: 채널 {channel}"
CHECK_NO_CHANNEL: Final = "알림 채널이 설정되지 않았습니다 (HANTU_TELEGRAM_*, HANTU_SLACK_*)"
CHECK_NO_ACCOUNT: Final = "KIS 계좌가 설정되지 않았습니다"
CHECK_HELP: Final = (
    "KIS 자격 증명(토큰, 잔고)을 확인하고 설정된 알림 채널마다 테스트 메시지를 보냅니다"
)


def order_unconfirmed(code: str, side: str, quantity: Decimal, reason: str) -> tuple[str, str]:
    """Title and body of an order the broker did not answer in time (408)."""
    return NOTIFY_ORDER_UNCONFIRMED_TITLE, NOTIFY_ORDER_UNCONFIRMED_BODY.format(
        code=code, side=NOTIFY_SIDE.get(side, side), quantity=format_shares(quantity), reason=reason
    )


def fill_not_applied(code: str, side: str, reason: str) -> tuple[str, str]:
    """Title and body of a fill the books could not take (a person must check)."""
    return NOTIFY_FILL_NOT_APPLIED_TITLE, NOTIFY_FILL_NOT_APPLIED_BODY.format(
        code=code, side=NOTIFY_SIDE.get(side, side), reason=reason
    )


# --- texts of later features, one module each (keys must not collide) -------------------------
from hantu.messages_ko import (  # noqa: E402 - the parts read the helpers defined above
    alerts,
    alerts_page,
    conventions,
    exit_rules,
    failed_page,
    live,
    monitor,
    monitor_panel,
    notify_routing,
    orders_page,
    pnl_page,
    positions_page,
    settings_page,
)


def _join_ui_parts() -> None:
    for part in (
        alerts,
        alerts_page,
        conventions,
        exit_rules,
        failed_page,
        live,
        monitor,
        monitor_panel,
        notify_routing,
        orders_page,
        pnl_page,
        positions_page,
        settings_page,
    ):
        clash = UI_TEXT.keys() & part.UI.keys()
        if clash:
            raise RuntimeError(f"{part.__name__} redefines UI keys: {sorted(clash)}")
        UI_TEXT.update(part.UI)


_join_ui_parts()
