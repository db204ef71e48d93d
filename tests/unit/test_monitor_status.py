"""The monitor's state of spec 002 read off the facts, and how a position is protected."""

from __future__ import annotations

import stat
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hantu.adapters.local_token import read_local_token, same_token, token_path, write_local_token
from hantu.bootstrap.monitor_control import scheduled
from hantu.config import KisEnvironment, Settings
from hantu.domain.monitor_state import MonitorState
from hantu.domain.monitor_status import (
    FeedFacts,
    FeedState,
    Protection,
    derive_state,
    protection_of,
    subscriptions_of,
)
from hantu.messages_ko import monitor_panel as text

UP = FeedFacts(FeedState.CONNECTED, 3, 3)


@pytest.mark.parametrize(
    ("running", "feeds", "placing", "halted", "awaiting", "expected"),
    [
        (False, [UP], 0, 0, 0, MonitorState.IDLE),
        (True, [UP], 0, 0, 0, MonitorState.MONITORING),
        (True, [], 0, 0, 0, MonitorState.MONITORING),  # no streaming broker: nothing to wait for
        (True, [UP, FeedFacts(FeedState.SLEEPING, 3, 0)], 0, 0, 0, MonitorState.SLEEPING),
        (True, [FeedFacts(FeedState.BACKING_OFF, 3, 0)], 0, 0, 0, MonitorState.RECONNECTING),
        (True, [FeedFacts(FeedState.CONNECTING, 3, 0)], 0, 0, 0, MonitorState.CONNECTING),
        (True, [FeedFacts(FeedState.CONNECTED, 30, 20)], 0, 0, 0, MonitorState.SUBSCRIBING),
        (True, [UP], 1, 1, 1, MonitorState.ORDERING),
        (True, [UP], 0, 0, 1, MonitorState.AWAITING_FILL),
        (True, [UP], 0, 2, 0, MonitorState.HALTED),
        (True, [UP], 0, 1, 1, MonitorState.HALTED),  # a halt outranks a fill being awaited
    ],
)
def test_derive_state(
    running: bool,
    feeds: list[FeedFacts],
    placing: int,
    halted: int,
    awaiting: int,
    expected: MonitorState,
) -> None:
    assert derive_state(running, feeds, placing, halted, awaiting) is expected


def test_subscriptions_sum_over_feeds_and_never_count_more_acked_than_wanted() -> None:
    subs = subscriptions_of(
        [FeedFacts(FeedState.CONNECTED, 30, 20), FeedFacts(FeedState.IDLE, 2, 5)]
    )
    assert (subs.done, subs.total, subs.complete) == (22, 32, False)


def test_protection() -> None:
    assert protection_of(True, True, True) is Protection.WEBSOCKET
    assert protection_of(True, False, True) is Protection.REST_POLLING
    assert protection_of(True, False, False) is Protection.NONE
    assert protection_of(False, True, True) is Protection.NONE


def test_best_bid_label_in_korean_won_with_its_age() -> None:
    assert text.best_bid(Decimal(70_600), 1.2) == "70,600원 (1초 전)"
    assert text.best_bid(None, 75) == "매수호가 없음 (1분 전)"
    assert text.best_bid(None, None) == "호가 미수신"


def test_tick_age_in_korean() -> None:
    assert text.tick_age(None) == "체결 수신 전"
    assert text.tick_age(3.7) == "3초 전"
    assert text.tick_age(125) == "2분 전"


def test_local_token_is_owner_only_and_replaced_on_every_start(tmp_path: Path) -> None:
    first = write_local_token(tmp_path / "data")
    mode = stat.S_IMODE(token_path(tmp_path / "data").stat().st_mode)
    assert mode == 0o600
    assert read_local_token(tmp_path / "data") == first
    second = write_local_token(tmp_path / "data")
    assert second != first
    assert same_token(second, read_local_token(tmp_path / "data"))
    assert not same_token(second, first)
    assert not same_token(second, None)
    assert read_local_token(tmp_path / "nowhere") is None


@pytest.mark.parametrize(
    ("schedule", "environment", "expected"),
    [
        ("auto", "SIMULATOR", False),  # the simulator trades around the clock
        ("auto", "PAPER", True),
        ("auto", "REAL", True),
        ("krx", "SIMULATOR", True),
        ("always", "REAL", False),
    ],
)
def test_which_monitors_follow_the_krx_calendar(
    schedule: str, environment: str, expected: bool
) -> None:
    # Unvalidated: PAPER and REAL would want keys this question does not need.
    settings = Settings.model_construct(
        monitor_schedule=schedule, kis_environment=KisEnvironment(environment)
    )
    assert scheduled(settings) is expected


def test_next_monitoring_says_tomorrow_or_names_the_day() -> None:
    seoul = ZoneInfo("Asia/Seoul")
    thursday = date(2026, 12, 24)
    monday_open = datetime(2026, 12, 28, 9, 0, tzinfo=seoul)
    assert text.next_monitoring(monday_open, thursday) == "12월 28일(월) 09:00"
    friday_open = datetime(2026, 12, 25, 0, 0, tzinfo=UTC)  # 09:00 in Seoul
    assert text.next_monitoring(friday_open, thursday) == "내일 09:00"
    late = datetime(2027, 1, 4, 10, 0, tzinfo=seoul)  # the year's first day opens at 10:00
    assert text.next_monitoring(late, date(2026, 12, 30)) == "1월 4일(월) 10:00"


def test_protection_label_of_a_refused_symbol_names_kis_answer() -> None:
    label = text.protection_label("rest_polling", "[OPSP0007] SUBSCRIBE INTERNAL ERROR")
    assert label == "REST 조회 (실시간 구독 거부: [OPSP0007] SUBSCRIBE INTERNAL ERROR)"
    assert text.protection_label("rest_polling") == "REST 조회"
