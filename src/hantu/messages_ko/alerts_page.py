"""Korean texts of the web approval queue (/alerts) and its API."""

from __future__ import annotations

ALERT_NOT_FOUND = "⚠️ 알림을 찾을 수 없거나 이미 처리되었습니다"
BAD_STATUS_FILTER = "status는 pending 또는 decided 여야 합니다"
BAD_CONFIRMED_PRICE = "confirmed_price는 0보다 큰 숫자여야 합니다"
BAD_BODY = "요청 본문은 JSON 객체여야 합니다"
ALERTS_UNAVAILABLE = "알림 승인 기능이 설정되지 않았습니다"

UI: dict[str, str] = {
    "alerts_nav": "승인 대기",
    "alerts_title": "승인 대기",
    "alerts_pending_heading": "대기 중인 알림",
    "alerts_history_heading": "처리된 알림",
    "alerts_approve": "승인",
    "alerts_reject": "거절",
    "alerts_confirm_new_price": "새 가격으로 승인",
    "alerts_new_price": "현재 가격",
    "alerts_empty": "대기 중인 알림이 없습니다",
    "alerts_history_empty": "처리된 알림이 없습니다",
    "alerts_col_quantity": "제안 수량",
    "alerts_col_price": "알림 시 가격",
    "alerts_col_expires": "남은 시간",
    "alerts_col_actions": "처리",
    "alerts_col_status": "상태",
    "alerts_col_decided": "처리 시각",
    "alerts_col_via": "처리 경로",
    "alerts_col_order": "주문",
    "alerts_via_telegram": "텔레그램",
    "alerts_via_web": "웹",
    "alerts_via_system": "시스템",
    "alerts_status_PENDING": "대기",
    "alerts_status_APPROVING": "승인 중",
    "alerts_status_EXECUTED": "실행됨",
    "alerts_status_FAILED": "실패",
    "alerts_status_REJECTED": "거절됨",
    "alerts_status_EXPIRED": "만료",
    "alerts_expired_now": "만료됨",
}
