"""Korean texts of the web approval queue (/alerts) and its API."""

from __future__ import annotations

ALERT_NOT_FOUND = "⚠️ 알림을 찾을 수 없거나 이미 처리되었습니다"
BAD_STATUS_FILTER = "status는 pending 또는 decided 여야 합니다"
BAD_CONFIRMED_PRICE = "confirmed_price는 0보다 큰 숫자여야 합니다"
BAD_BODY = "요청 본문은 JSON 객체여야 합니다"
ALERTS_UNAVAILABLE = "알림 승인 기능이 설정되지 않았습니다"
