"""Korean texts of failed orders: bulk actions, date filter, CSV and statistics (issue 10).

`UI` joins `UI_TEXT` (templates and JavaScript read it by key); other names are reached as
`messages_ko.failed_page.NAME`.
"""

from __future__ import annotations

from typing import Final

# --- the API's answers -------------------------------------------------------------------------
DATE_RANGE_REVERSED: Final = "시작일이 종료일보다 늦습니다: {date_from} > {date_to}"
DATE_RANGE_TOO_LONG: Final = "기간은 최대 {days}일까지 조회할 수 있습니다"
BULK_NOT_FOUND: Final = "실패된 주문을 찾을 수 없습니다"
BULK_REMOVED: Final = "제거되었습니다"
BULK_RETRY_ACCEPTED: Final = "재시도 주문이 접수되었습니다"
BULK_SYSTEM_ERROR: Final = "시스템 오류로 처리하지 못했습니다 (재시도 횟수는 그대로입니다)"

# --- CSV export (UTF-8 with BOM so Excel reads the Korean) -------------------------------------
CSV_FILENAME: Final = "failed-orders.csv"
CSV_HEADERS: Final = (
    "번호",
    "생성 시각",
    "전략 계좌",
    "종목",
    "방향",
    "타입",
    "수량",
    "가격",
    "실패 이유",
    "브로커 에러",
    "재시도 횟수",
    "상태",
)
STATUS_TEXT: Final[dict[str, str]] = {
    "pending_retry": "재시도 대기",
    "resolved": "처리됨",
    "removed": "제거됨",
}
ORDER_TYPE_TEXT: Final[dict[str, str]] = {"LIMIT": "지정가", "MARKET": "시장가"}
SIDE_TEXT: Final[dict[str, str]] = {"BUY": "매수", "SELL": "매도"}

UI: Final[dict[str, str]] = {
    "nav_failed_orders": "실패 주문",
    "fo_title": "실패된 주문",
    "fo_filter_account": "전략 계좌",
    "fo_filter_symbol": "종목 (코드 또는 이름)",
    "fo_filter_from": "시작일",
    "fo_filter_to": "종료일",
    "fo_filter_status": "상태",
    "fo_status_pending_retry": "재시도 대기",
    "fo_status_resolved": "처리됨",
    "fo_status_removed": "제거됨",
    "fo_status_all": "전체",
    "fo_csv": "CSV 내려받기",
    "fo_select_all": "모두 선택",
    "fo_select_row": "선택",
    "fo_selected": "{count}건 선택",
    "fo_retry_selected": "선택 재시도",
    "fo_remove_selected": "선택 제거",
    "fo_confirm_retry_many": "선택한 {count}건을 재시도하시겠습니까?",
    "fo_confirm_remove_many": "선택한 {count}건을 제거하시겠습니까? (감사 기록은 남습니다)",
    "fo_none_selected": "선택한 주문이 없습니다",
    "fo_results_title": "처리 결과",
    "fo_results_summary": "성공 {ok}건 · 실패 {failed}건",
    "fo_result_ok": "성공",
    "fo_result_failed": "실패",
    "fo_col_outcome": "결과",
    "fo_stats_title": "통계",
    "fo_stats_total": "전체",
    "fo_stats_by_symbol": "종목별",
    "fo_stats_by_reason": "실패 이유별",
    "fo_stats_count": "건수",
    "fo_stats_retried": "재시도한 주문",
    "fo_stats_resolved": "재시도 성공",
    "fo_stats_rate": "재시도 성공률",
    "fo_stats_empty": "통계를 낼 실패 주문이 없습니다",
    "fo_stats_hint": "재시도 성공률 = 재시도 성공 ÷ 한 번 이상 재시도한 주문 (제거된 주문 포함)",
}
