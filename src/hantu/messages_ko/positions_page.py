"""Korean texts of positions, balance and the broker's holdings side by side (issue 10).

`UI` joins `UI_TEXT` (templates and JavaScript read it by key); other names are reached as
`messages_ko.positions_page.NAME`.
"""

from __future__ import annotations

from typing import Final

UI: Final[dict[str, str]] = {
    "pos_env_SIMULATOR": "시뮬레이터",
    "pos_env_PAPER": "모의투자",
    "pos_env_REAL": "실전",
    "pos_col_strategy": "전략",
    "pos_col_current": "현재가",
    "pos_col_value": "평가금액",
    "pos_col_unrealized": "평가손익",
    "pos_col_rate": "수익률",
    "pos_col_position_realized": "실현손익(종목)",
    "pos_realized_today": "오늘 실현손익",
    "pos_realized_total": "누적 실현손익",
    "pos_cost": "매입금액",
    "pos_deposit": "예수금",
    "pos_buying_power": "주문가능금액",
    "pos_total_value": "총평가",
    "pos_stock_value": "유가평가금액",
    "pos_broker_figures": "브로커 잔고",
    "pos_hantu_figures": "hantu 포지션 평가",
    "pos_no_quote": "시세 없음",
    "pos_no_figure": "-",
    "pos_no_answer": "브로커 응답 없음",
    "pos_broker_error": "브로커 오류",
    "pos_not_linked": "연결된 전략 없음",
    "pos_side_by_side": "hantu와 브로커 보유 비교",
    "pos_col_hantu_qty": "hantu 수량",
    "pos_col_broker_qty": "브로커 수량",
    "pos_col_hantu_avg": "hantu 평균가",
    "pos_col_broker_avg": "브로커 평균가",
    "pos_col_check": "확인",
    "pos_same": "일치",
    "pos_no_positions": "이 계좌에 hantu 포지션이 없습니다",
    "pos_no_holdings": "브로커와 hantu 모두 보유 종목이 없습니다",
    "pos_no_accounts": "등록된 브로커 계좌가 없습니다. 전략 화면에서 계좌를 추가하세요.",
    "pos_price_from_quote": "현재가 조회(inquire-price)",
    "pos_price_from_balance": "브로커 잔고의 현재가",
    "pos_filter": "종목으로 보기",
    "pos_filter_symbol": "종목",
    "pos_filter_placeholder": "005930 또는 삼성전자",
    "pos_filter_apply": "조회",
    "pos_filter_reset": "전체",
}

# Why a broker's figures are missing, shown above the account (role="alert").
STATUS_NOTE: Final[dict[str, str]] = {
    "no_answer": (
        "브로커 응답 없음: {seconds}초 안에 잔고를 받지 못했습니다. 예수금과 보유 비교는 "
        "빠졌고, 새로고침하면 다시 묻습니다."
    ),
    "error": "브로커 오류: 잔고를 조회하지 못했습니다. 로그에서 이유를 확인하세요.",
    "not_linked": (
        "이 계좌에 연결된 전략이 없어 브로커에 물어볼 수 없습니다. 전략 화면에서 계좌를 연결하세요."
    ),
}
DIFFERENCES_TITLE: Final = "hantu와 브로커가 다릅니다: {count}건"

# A difference is a problem to show, never to hide: each says what differs and what may be
# behind it, so a person knows where to look.
DIFFERENCE: Final[dict[str, str]] = {
    "quantity": (
        "수량이 다릅니다: 브로커 {broker_quantity}, hantu {hantu_quantity}. hantu 밖(HTS/MTS)에서 "
        "매매했거나 hantu가 체결을 놓쳤을 수 있습니다."
    ),
    "average_price": (
        "평균가가 다릅니다: 브로커 {broker_average}, hantu {hantu_average}. 수량은 같지만 "
        "매입 단가가 다르게 기록되었습니다."
    ),
    "broker_only": (
        "hantu가 모르는 보유 종목입니다: 브로커에 {broker_quantity}가 있습니다. hantu 밖에서 "
        "샀거나 hantu를 쓰기 전부터 있던 주식입니다."
    ),
    "hantu_only": (
        "브로커에 없는 포지션입니다: hantu는 {hantu_quantity}를 보유한 것으로 압니다. hantu 밖에서 "
        "팔았거나 체결이 잘못 기록되었을 수 있습니다."
    ),
}
API_ACCOUNT_NOT_FOUND: Final = "브로커 계좌를 찾을 수 없습니다"
