"""Korean texts of the orders page, order history, fills, CSV and cancel (issue 10).

`UI` joins `UI_TEXT` (templates and JavaScript read it by key); other names are reached as
`messages_ko.orders_page.NAME`.
"""

from __future__ import annotations

from typing import Final

UI: Final[dict[str, str]] = {
    "orders_nav": "주문 내역",
    "orders_title": "주문 내역",
    "orders_filters": "조회 조건",
    "orders_date_from": "시작일",
    "orders_date_to": "종료일",
    "orders_strategy": "전략",
    "orders_account": "증권 계좌",
    "orders_symbol": "종목",
    "orders_symbol_placeholder": "005930 또는 삼성전자",
    "orders_status": "상태",
    "orders_all": "전체",
    "orders_apply": "조회",
    "orders_reset": "초기화",
    "orders_csv_orders": "주문 CSV 내려받기",
    "orders_csv_fills": "체결 CSV 내려받기",
    "orders_next": "다음 페이지",
    "orders_first": "첫 페이지",
    "orders_paging": "페이지 이동",
    "orders_none_found": "조건에 맞는 주문이 없습니다",
    "orders_col_account": "전략 · 계좌",
    "orders_col_type": "주문 유형",
    "orders_col_filled": "체결 수량",
    "orders_col_avg_fill": "체결 평균가",
    "orders_col_created": "주문 시각",
    "orders_col_fills": "체결 내역",
    "orders_col_actions": "관리",
    "orders_fills_toggle": "체결 내역",
    "orders_fills_count": "건",
    "orders_no_fills": "체결 없음",
    "orders_fill_time": "체결 시각",
    "orders_fill_price": "체결가",
    "orders_fill_quantity": "체결 수량",
    "orders_cancel": "취소",
    "orders_cancel_confirm": "이 주문을 취소하시겠습니까?",
    "orders_cancel_done": "주문을 취소했습니다",
    "orders_type_LIMIT": "지정가",
    "orders_type_MARKET": "시장가",
    "orders_retry_of": "재시도 · 실패 주문",
    "orders_failed_as": "실패 주문",
    "orders_unconfirmed_hint": "증권사에 접수됐는지 확인하는 중입니다 (재전송하지 마세요)",
}

# --- filters (400) ------------------------------------------------------------------------
FIELD: Final[dict[str, str]] = {
    "date_from": "시작일",
    "date_to": "종료일",
    "strategy_id": "전략",
    "broker_account_id": "증권 계좌",
    "strategy_account_id": "전략 계좌",
}
FILTER_DATE: Final = "{field}은 YYYY-MM-DD 형식의 날짜로 적습니다 (예: 2026-12-01)"
FILTER_DATE_ORDER: Final = "종료일이 시작일보다 앞설 수 없습니다"
FILTER_ID: Final = "{field} 값이 올바르지 않습니다"
FILTER_LIMIT: Final = "한 페이지의 주문 수는 1에서 {max} 사이입니다"
FILTER_STATUS: Final = (
    "상태 값이 올바르지 않습니다: NEW, SENT, PARTIAL, FILLED, CANCELED, REJECTED, ERROR,"
    " UNCONFIRMED 중에서 고릅니다"
)
FILTER_SYMBOL: Final = "알 수 없는 종목입니다: {symbol}"
FILTER_CURSOR: Final = "페이지 위치(cursor) 값이 올바르지 않습니다. 첫 페이지부터 다시 조회하세요"

# --- cancel (409 / 503) -------------------------------------------------------------------
CANCEL_DONE: Final = "주문을 취소했습니다"
CANCEL_REFUSED: Final[dict[str, str]] = {
    "FILLED": "이미 전량 체결된 주문은 취소할 수 없습니다",
    "CANCELED": "이미 취소된 주문입니다",
    "REJECTED": "위험 한도로 거부된 주문이라 증권사에 없습니다. 취소할 것이 없습니다",
    "ERROR": "증권사가 거부한 주문이라 취소할 것이 없습니다",
    "NEW": "아직 증권사에 접수되지 않은 주문입니다. 접수된 뒤에 취소하세요",
    "UNCONFIRMED": ("미확인 주문입니다. 증권사 확인이 끝나 '주문 중'이 되면 취소할 수 있습니다"),
}
CANCEL_REFUSED_OTHER: Final = "이 주문은 취소할 수 없습니다"
CANCEL_BROKER_REFUSED: Final = "증권사가 취소를 거부했습니다: {message}"
CANCEL_BROKER_UNAVAILABLE: Final = (
    "증권사 연결 문제로 취소 결과를 확인하지 못했습니다. 잠시 후 주문 상태를 확인하세요"
)

# --- CSV (UTF-8 with BOM; headers in Korean, amounts as plain numbers) --------------------
CSV_ORDER_HEADERS: Final = (
    "주문ID",
    "주문시각(서울)",
    "전략",
    "증권계좌",
    "종목코드",
    "종목명",
    "방향",
    "주문유형",
    "주문수량",
    "주문가격",
    "상태",
    "체결수량",
    "체결평균가",
    "증권사주문번호",
    "사유",
    "재시도원본실패주문",
)
CSV_FILL_HEADERS: Final = (
    "체결ID",
    "체결시각(서울)",
    "주문ID",
    "전략",
    "증권계좌",
    "종목코드",
    "종목명",
    "방향",
    "체결가격",
    "체결수량",
)
CSV_SIDE: Final[dict[str, str]] = {"BUY": "매수", "SELL": "매도"}
CSV_TYPE: Final[dict[str, str]] = {"LIMIT": "지정가", "MARKET": "시장가"}
