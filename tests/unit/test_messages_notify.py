"""Notification templates (spec 002 §6.3) and the one money / quantity formatting rule."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hantu import messages_ko as m
from hantu.domain.risk import RiskViolation


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal(70667), "70,667원"),
        (Decimal("70666.5"), "70,667원"),
        (Decimal("70666.49"), "70,666원"),
        (Decimal(-1200), "-1,200원"),
        (Decimal("-0.4"), "0원"),
        (0, "0원"),
        (1234567890, "1,234,567,890원"),
    ],
)
def test_format_won_whole_won_half_up_with_separators(amount: Decimal, shown: str) -> None:
    assert m.format_won(amount) == shown


def test_format_shares_and_rate() -> None:
    assert m.format_shares(Decimal(1234)) == "1,234주"
    assert m.format_rate(Decimal("-0.023")) == "-2.30%"
    assert m.format_rate(Decimal("0.0125")) == "+1.25%"
    assert m.format_rate(Decimal("0.75"), places=1, signed=False) == "75.0%"


@given(st.integers(-(10**15), 10**15))
def test_format_won_round_trips_every_whole_amount(amount: int) -> None:
    shown = m.format_won(Decimal(amount))

    assert shown.endswith("원")
    assert int(shown[:-1].replace(",", "")) == amount
    digits = shown[:-1].lstrip("-").split(",")
    assert all(len(group) == 3 for group in digits[1:])
    assert 1 <= len(digits[0]) <= 3


def test_stop_loss_filled_renders_the_spec_template() -> None:
    fill = m.ExitFill(
        name="삼성전자",
        code="005930",
        exit_price=Decimal(64500),
        entry_price=Decimal(66000),
        quantity=Decimal(10),
        pnl=Decimal(-15000),
        return_rate=Decimal("-0.0227"),
        hold_days=3,
    )

    title, body = m.stop_loss_filled(fill)

    assert title == "📉 손절 체결"
    assert body == (
        "종목: 삼성전자 005930\n매도가: 64,500원\n매수가: 66,000원\n수량: 10주\n\n"
        "실현손실: -15,000원\n수익률: -2.27%\n보유기간: 3일"
    )


def test_take_profit_filled_shows_gain_with_plus_sign() -> None:
    fill = m.ExitFill(
        "삼성전자",
        "005930",
        Decimal(70667),
        Decimal(66000),
        Decimal(1234),
        Decimal("5759078"),
        Decimal("0.0707"),
        12,
    )

    title, body = m.take_profit_filled(fill)

    assert title == "💰 익절 체결"
    assert "매도가: 70,667원" in body
    assert "수량: 1,234주" in body
    assert "실현수익: 5,759,078원" in body
    assert "수익률: +7.07%" in body


def test_connection_failed_shows_seoul_time_and_positions() -> None:
    title, body = m.connection_failed(5, datetime(2026, 11, 20, 1, 2, 3, tzinfo=UTC), 4)

    assert title == "🚨 긴급: WebSocket 연결 복구 실패"
    assert "재시도: 5회 실패" in body
    assert "마지막 시도: 2026-11-20 10:02:03" in body
    assert "현재 보유 종목: 4개" in body
    assert "hantu monitor restart" in body


def test_daily_summary_counts_and_lists_holdings() -> None:
    day = m.DaySummary(
        total_trades=4,
        total_pnl=Decimal(120000),
        wins=3,
        losses=1,
        avg_win=Decimal(50000),
        avg_loss=Decimal(-30000),
        positions=[m.HeldLine("삼성전자", "005930", Decimal(10), Decimal("64500.4"))],
    )

    title, body = m.daily_summary(day)

    assert title == "⏹️ 실시간 모니터링 종료"
    assert "- 승률: 75.0% (3승 1패)" in body
    assert "- 실현 손익: 120,000원" in body
    assert "- 평균 손실: -30,000원" in body
    assert "🔄 보유 종목: 1개\n- 삼성전자 005930 10주 @ 64,500원" in body


def test_daily_summary_without_trades_shows_zero_win_rate() -> None:
    day = m.DaySummary(0, Decimal(0), 0, 0, Decimal(0), Decimal(0), [])

    _, body = m.daily_summary(day)

    assert "승률: 0.0% (0승 0패)" in body


def test_order_templates_name_side_quantity_and_reason() -> None:
    _, filled = m.order_filled("삼성전자", "005930", "BUY", Decimal(1234), Decimal(70667))
    failed_title, failed = m.order_failed(
        "삼성전자", "005930", "SELL", Decimal(5), "잔고 부족", stored=False
    )
    stored_title, stored = m.order_failed(
        "삼성전자", "005930", "SELL", Decimal(5), "잔고 부족", stored=True
    )

    assert filled.endswith("매수 1,234주 @ 70,667원")
    assert failed_title == "🚨 긴급: 주문 실패"
    assert "매도 5주\n사유: 잔고 부족" in failed
    assert stored_title == "🚨 긴급: 실패된 주문 등록"
    assert "실패된 주문" in stored


def test_digest_header_counts_items_in_seoul_time() -> None:
    title, body = m.digest(
        ["a", "b"],
        datetime(2026, 11, 20, 0, 30, tzinfo=UTC),
        datetime(2026, 11, 20, 0, 35, tzinfo=UTC),
    )

    assert title == "🔔 알림 요약: 2건 (09:30 ~ 09:35)"
    assert body == "• a\n\n• b"


def test_share_counts_in_refusals_carry_thousand_separators() -> None:
    sell = m.SELL_ABOVE_POSITION.format(
        symbol="005930", held=Decimal(1234), open_sells=Decimal(0), asked=Decimal(5000)
    )
    over = m.FILL_OVER_ORDER.format(ordered=Decimal(2000), filled=Decimal(1500), quantity=600)

    assert "보유 1,234주" in sell
    assert "매도 요청 5,000주" in sell
    assert "주문 2,000주 중 1,500주 체결 후 600주 체결" in over


@pytest.mark.parametrize(
    ("rule", "figures", "said"),
    [
        ("daily_loss_limit", {"loss": Decimal("100000.5"), "limit": 100_000}, "100,001원"),
        ("max_open_positions", {"count": 5, "limit": 5}, "한도 5개"),
        (
            "max_symbol_exposure",
            {"symbol": "005930", "after": Decimal(1_400_000), "limit": 1_000_000},
            "1,400,000원(으)로 종목당 한도 1,000,000원",
        ),
        ("max_symbol_exposure", {"symbol": "005930"}, "가격이 없어"),
    ],
)
def test_risk_violation_is_said_in_korean_naming_the_rule(
    rule: str, figures: dict[str, object], said: str
) -> None:
    text = m.risk_violation(RiskViolation(rule, "english detail", figures=figures))

    assert said in text
    assert f"({rule})" in text
    assert "english" not in text
