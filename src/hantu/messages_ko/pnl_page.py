"""Korean texts of PnL figures and the charts (issue 10).

`UI` joins `UI_TEXT` (templates and JavaScript read it by key); other names are reached as
`messages_ko.pnl_page.NAME`.
"""

from __future__ import annotations

from typing import Final

UI: Final[dict[str, str]] = {
    "pnl_nav": "손익",
    "pnl_title": "손익 분석",
    "pnl_total": "전체",
    "pnl_by_strategy": "전략별",
    "pnl_by_account": "계좌별",
    "pnl_col_group": "구분",
    "pnl_realized": "실현손익",
    "pnl_unrealized": "평가손익",
    "pnl_total_pnl": "총손익",
    "pnl_win_rate": "승률",
    "pnl_trades": "거래 수",
    "pnl_average_win": "평균 이익",
    "pnl_average_loss": "평균 손실",
    "pnl_profit_factor": "손익비",
    "pnl_max_drawdown": "최대 낙폭",
    "pnl_fees": "수수료",
    "pnl_none": "-",
    "pnl_filter_strategy": "전략",
    "pnl_filter_account": "계좌",
    "pnl_filter_all": "전체",
    "pnl_filter_start": "시작일",
    "pnl_filter_end": "종료일",
    "pnl_filter_apply": "조회",
    "pnl_as_of": "기준일",
    "pnl_empty": "체결 내역이 없습니다. 주문이 체결되면 손익이 여기에 나타납니다.",
    "pnl_chart_series": "차트 대상",
    "pnl_chart_equity": "누적 손익 (실현 + 평가)",
    "pnl_chart_daily": "일별 손익",
    "pnl_chart_empty": "표시할 손익이 없습니다",
    "pnl_chart_failed": "차트 자료를 불러오지 못했습니다",
    "pnl_marks_title": "평가 기준 가격",
    "pnl_mark_estimated": "추정",
    "pnl_mark_estimated_hint": (
        "증권사 시세를 제때 받지 못한 종목은 마지막 체결가로 평가했습니다 (추정)."
    ),
    "pnl_col_symbol": "종목",
    "pnl_col_mark": "평가 가격",
    "pnl_unmatched": (
        "hantu 밖에서 산 주식을 판 체결 {quantity}은 매수가를 몰라 손익에서 뺐습니다."
    ),
    "pnl_rules": (
        "거래 한 건은 보유 수량이 0에서 시작해 다시 0이 될 때까지입니다. "
        "과거 날짜의 평가손익은 그날의 마지막 체결가로, 오늘은 현재가로 계산합니다. "
        "손익비는 총이익 ÷ 총손실이며 손실 거래가 없으면 '-'로 표시합니다."
    ),
}

BAD_DATE: Final = "{field}는 YYYY-MM-DD 형식의 날짜여야 합니다: {value}"
BAD_RANGE: Final = "시작일이 종료일보다 늦습니다"
BAD_ID: Final = "{field} 값이 올바르지 않습니다: {value}"
UNKNOWN_STRATEGY: Final = "전략을 찾을 수 없습니다"
UNKNOWN_ACCOUNT: Final = "계좌를 찾을 수 없습니다"
