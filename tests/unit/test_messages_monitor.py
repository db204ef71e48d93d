"""Every monitor state, exit reason and watch path has a Korean label."""

from __future__ import annotations

from hantu.domain.exits import ExitTrigger
from hantu.domain.monitor_state import MonitorState
from hantu.domain.watch_budget import WatchPath
from hantu.messages_ko import monitor


def test_every_enum_value_is_labelled() -> None:
    assert set(monitor.MONITOR_STATE) == {s.value for s in MonitorState}
    assert set(monitor.EXIT_REASON) == {t.value for t in ExitTrigger}
    assert set(monitor.WATCH_PATH) == {p.value for p in WatchPath}


def test_labels() -> None:
    assert monitor.exit_reason("stop_loss") == "손절"
    assert monitor.state_label("sleeping") == "휴면 모드"
    assert monitor.subscribed(20, 30) == "구독 완료: 20/30"


def test_exit_unfilled_says_what_happens_to_the_rest() -> None:
    from decimal import Decimal

    title, body = monitor.exit_unfilled(
        "삼성전자 005930", "take_profit", Decimal(10), Decimal(4), 60, None, reordered=True
    )
    assert title == "⚠️ 체결 미확인"
    assert body.splitlines() == [
        "삼성전자 005930 - 수동 확인 필요",
        "익절 매도 10주 중 4주 미체결 (60초 경과)",
        "잔여 4주 시장가 재주문",
    ]
    _, kept = monitor.exit_unfilled(
        "005930", "stop_loss", Decimal(1234), Decimal(1234), 60, None, reordered=False
    )
    assert "손절 매도 1,234주 중 1,234주 미체결" in kept
    assert kept.endswith("잔여 수량은 주문을 유지합니다 (자동 재주문 없음)")
