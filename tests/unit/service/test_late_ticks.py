"""The late-tick alarm: one notice per symbol per window, keyed by the window's start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hantu import messages_ko as ko
from hantu.domain.values import Symbol
from hantu.service_layer.late_ticks import LateTickAlarm, window_key

SAMSUNG, HYNIX = Symbol("005930"), Symbol("000660")
T0 = datetime(2026, 12, 2, 0, 3, 10, tzinfo=UTC)
LATE = timedelta(seconds=6)


class RecordingLateTicks:
    def __init__(self) -> None:
        self.told: list[tuple[Symbol, timedelta, str]] = []

    async def tick_late(self, symbol: Symbol, delay: timedelta, key: str) -> None:
        self.told.append((symbol, delay, key))


async def test_one_notice_per_symbol_per_window_and_again_after_it() -> None:
    notifier = RecordingLateTicks()
    alarm = LateTickAlarm(notifier)

    assert alarm.check(SAMSUNG, LATE, T0)
    assert not alarm.check(SAMSUNG, LATE, T0 + timedelta(minutes=4, seconds=59))
    assert alarm.check(HYNIX, LATE, T0 + timedelta(seconds=1))  # another symbol: its own
    assert alarm.check(SAMSUNG, LATE, T0 + timedelta(minutes=5))
    await alarm.drain()

    assert notifier.told == [
        (SAMSUNG, LATE, "005930:2026-12-02T00:00:00+00:00"),
        (HYNIX, LATE, "000660:2026-12-02T00:00:00+00:00"),
        (SAMSUNG, LATE, "005930:2026-12-02T00:05:00+00:00"),
    ]


async def test_a_failing_notifier_is_logged_not_raised() -> None:
    class Broken:
        async def tick_late(self, symbol: Symbol, delay: timedelta, key: str) -> None:
            raise RuntimeError("telegram down")

    alarm = LateTickAlarm(Broken())
    assert alarm.check(SAMSUNG, LATE, T0)
    await alarm.drain()  # no exception escapes


def test_without_a_notifier_nothing_is_told() -> None:
    assert not LateTickAlarm(None).check(SAMSUNG, LATE, T0)


def test_window_key_names_the_window_start() -> None:
    assert window_key(SAMSUNG, T0, timedelta(minutes=1)) == "005930:2026-12-02T00:03:00+00:00"


def test_the_notice_names_the_symbol_and_the_delay() -> None:
    title, body = ko.monitor.tick_delayed("삼성전자", "005930", 6.04)

    assert title == "⚠️ 체결 수신 지연: 삼성전자 005930 (6.0초)"
    assert "종목: 삼성전자 005930" in body
    assert "지연: 6.0초" in body
    assert ko.monitor.tick_delayed("", "005930", 12.5)[0].endswith("005930 (12.5초)")
