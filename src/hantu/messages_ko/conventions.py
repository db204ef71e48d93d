"""Korean texts of symbol names, order-type and environment labels, accessibility, phones.

`UI` joins `UI_TEXT` (templates and JavaScript read it by key); other names are reached as
`messages_ko.conventions.NAME`.
"""

from __future__ import annotations

from typing import Final

ORDER_TYPE_LABEL: Final[dict[str, str]] = {"LIMIT": "지정가", "MARKET": "시장가"}
ENVIRONMENT_LABEL: Final[dict[str, str]] = {
    "SIMULATOR": "시뮬레이터",
    "PAPER": "모의투자",
    "REAL": "실전",
}

UI: Final[dict[str, str]] = {
    # JavaScript-rendered tables read these (`t["conv_order_type_LIMIT"]`)
    **{f"conv_order_type_{code}": label for code, label in ORDER_TYPE_LABEL.items()},
    **{f"conv_env_{code}": label for code, label in ENVIRONMENT_LABEL.items()},
    "conv_nav_label": "주 메뉴",
    "conv_skip_to_content": "본문으로 건너뛰기",
    "conv_filter_symbol_label": "종목 (코드 또는 이름)",
    "conv_strategy_name_label": "전략 이름",
    "conv_broker_account_label": "연결할 계좌",
}


def order_type_label(code: object) -> str:
    """지정가 / 시장가 for LIMIT / MARKET; an unknown code as it is."""
    text = str(getattr(code, "value", code))
    return ORDER_TYPE_LABEL.get(text, text)


def environment_label(code: object) -> str:
    """시뮬레이터 / 모의투자 / 실전 for SIMULATOR / PAPER / REAL."""
    text = str(getattr(code, "value", code))
    return ENVIRONMENT_LABEL.get(text, text)
