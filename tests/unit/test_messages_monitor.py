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
