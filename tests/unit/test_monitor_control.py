"""MonitorControl and the KRX schedule over port fakes: the monitor starts at each trading
day's open and stops at its close, never on a holiday or weekend, on a fake clock; a person's
stop holds until the next open; status reads the state off the feeds."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from hantu.adapters.krx_calendar import KrxCalendar
from hantu.domain.exit_book_price import BestBid
from hantu.domain.monitor_state import MonitorState
from hantu.domain.monitor_status import FeedFacts, FeedState, Protection
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.service_layer.monitor_control import Actor, MonitorControl
from hantu.service_layer.monitor_ports import MonitorSnapshot, PositionOfOrder, WatchedPosition
from hantu.service_layer.monitor_schedule import MonitorSchedule
from tests.fakes import FakeClock

SEOUL = ZoneInfo("Asia/Seoul")
POSITION = WatchedPosition(StrategyAccountId(1), Symbol("005930"), Decimal(10), Decimal(70000), 7)


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL)  # type: ignore[misc]


@dataclass
class Engine:
    clock: FakeClock
    events: list[tuple[str, datetime]] = field(default_factory=list)
    active: bool = False
    last_tick: datetime | None = None
    refuse_start: bool = False
    best_bid: BestBid | None = None

    async def start(self) -> None:
        if self.refuse_start:
            raise ConnectionError("database away")
        self.active = True
        self.events.append(("start", self.clock.now().astimezone(SEOUL)))

    async def stop(self) -> None:
        self.active = False
        self.events.append(("stop", self.clock.now().astimezone(SEOUL)))

    def snapshot(self) -> MonitorSnapshot:
        ticks = {} if self.last_tick is None else {POSITION.symbol: self.last_tick}
        positions = (POSITION,) if self.active else ()
        bids = {} if self.best_bid is None else {POSITION.symbol: self.best_bid}
        return MonitorSnapshot(self.active, positions, ticks, frozenset(), 0, best_bids=bids)


@dataclass
class Probe:
    facts: list[FeedFacts] = field(default_factory=list)
    streaming: bool = True
    woken: int = 0
    links: list[str] = field(default_factory=list)

    async def feeds(self, accounts: Iterable[StrategyAccountId]) -> list[FeedFacts]:
        return list(self.facts)

    async def streamed(self, account: StrategyAccountId, symbol: Symbol) -> bool:
        return self.streaming

    async def wake(self, accounts: Iterable[StrategyAccountId]) -> None:
        self.woken += 1

    async def disconnect(self) -> None:
        self.links.append("disconnect")

    async def connect(self) -> None:
        self.links.append("connect")


class Positions:
    async def open_positions(self) -> list[WatchedPosition]:
        return [POSITION]

    async def position_of_order(self, order_id: str, fill_id: str) -> PositionOfOrder | None:
        return None


def _control(clock: FakeClock, probe: Probe | None = None) -> tuple[MonitorControl, Engine]:
    engine = Engine(clock)
    return MonitorControl(engine, probe or Probe(), Positions(), clock), engine


async def _advance(clock: FakeClock, task: asyncio.Task[None], until: datetime) -> None:
    """Let the schedule (which advances the fake clock as it sleeps) run up to `until`."""
    while clock.now() < until:  # the fake clock moves only when the schedule is yielded to
        await asyncio.sleep(0)
        assert not task.done(), task


async def _run_until(clock: FakeClock, schedule: MonitorSchedule, until: datetime) -> None:
    task = asyncio.create_task(schedule.run())
    try:
        await _advance(clock, task, until)
    finally:
        task.cancel()


async def test_schedule_runs_the_monitor_on_trading_days_only_across_a_holiday() -> None:
    clock = FakeClock(kst(2026, 12, 24, 8, 0))  # Thu; Fri 25th Christmas, then a weekend
    control, engine = _control(clock)
    closed: list[date] = []
    opened: list[date] = []

    async def on_close(day: date) -> None:
        closed.append(day)

    schedule = MonitorSchedule(control, KrxCalendar(), clock, on_close, on_open=opened.append)
    await _run_until(clock, schedule, kst(2026, 12, 28, 16, 0))

    assert engine.events == [
        ("start", kst(2026, 12, 24, 9, 0)),
        ("stop", kst(2026, 12, 24, 15, 30)),
        ("start", kst(2026, 12, 28, 9, 0)),
        ("stop", kst(2026, 12, 28, 15, 30)),
    ]
    assert closed == [date(2026, 12, 24), date(2026, 12, 28)]
    assert opened == closed  # one opening notice per session the schedule started
    assert not control.running


async def test_schedule_follows_a_late_open_of_the_calendar() -> None:
    clock = FakeClock(kst(2026, 12, 30, 15, 0))  # the year's last session, then Jan 4 at 10:00
    control, engine = _control(clock)

    async def on_close(day: date) -> None:
        return None

    schedule = MonitorSchedule(control, KrxCalendar(), clock, on_close)
    await _run_until(clock, schedule, kst(2027, 1, 4, 11, 0))

    assert engine.events == [
        ("start", kst(2026, 12, 30, 15, 0)),  # started late in a session: at once
        ("stop", kst(2026, 12, 30, 15, 30)),
        ("start", kst(2027, 1, 4, 10, 0)),
    ]


async def test_a_persons_stop_holds_until_the_next_open_and_the_summary_still_goes() -> None:
    clock = FakeClock(kst(2026, 12, 23, 8, 59))
    control, engine = _control(clock)
    closed: list[date] = []

    async def on_close(day: date) -> None:
        closed.append(day)

    schedule = MonitorSchedule(control, KrxCalendar(), clock, on_close)
    task = asyncio.create_task(schedule.run())
    try:
        await _advance(clock, task, kst(2026, 12, 23, 10, 0))
        await control.stop()  # a person, mid-session
        assert control.stopped_by_person
        await _advance(clock, task, kst(2026, 12, 24, 9, 30))
    finally:
        task.cancel()
    starts = [at for kind, at in engine.events if kind == "start"]
    assert starts == [kst(2026, 12, 23, 9, 0), kst(2026, 12, 24, 9, 0)]
    assert closed == [date(2026, 12, 23)]


async def test_status_reads_subscribing_progress_and_protection_off_the_feeds() -> None:
    clock = FakeClock(kst(2026, 12, 23, 10, 0))
    probe = Probe([FeedFacts(FeedState.CONNECTED, wanted=30, acked=20)])
    control, engine = _control(clock, probe)

    stopped = await control.status()
    assert stopped.state is MonitorState.IDLE
    assert [p.protection for p in stopped.positions] == [Protection.NONE]  # listed, unprotected

    await control.start()
    engine.last_tick = clock.now() - timedelta(seconds=3)
    status = await control.status()
    assert status.state is MonitorState.SUBSCRIBING
    assert (status.subscriptions.done, status.subscriptions.total) == (20, 30)
    (position,) = status.positions
    assert position.protection is Protection.WEBSOCKET
    assert position.last_tick_age_s == pytest.approx(3.0)
    assert status.changed_by is Actor.PERSON

    probe.facts = [FeedFacts(FeedState.CONNECTED, wanted=30, acked=30)]
    assert (await control.status()).state is MonitorState.MONITORING
    probe.facts = [FeedFacts(FeedState.SLEEPING, wanted=30, acked=0)]
    probe.streaming = False
    asleep = await control.status()
    assert asleep.state is MonitorState.SLEEPING
    assert [p.protection for p in asleep.positions] == [Protection.NONE]


async def test_restart_wakes_the_feeds_and_starts_once() -> None:
    clock = FakeClock(kst(2026, 12, 23, 10, 0))
    probe = Probe()
    control, engine = _control(clock, probe)
    await control.start()
    await control.start()  # already running: nothing happens
    await control.restart()
    assert [kind for kind, _ in engine.events] == ["start", "stop", "start"]
    assert probe.woken == 1
    assert control.running


async def test_a_restart_whose_start_fails_leaves_the_monitor_shown_stopped() -> None:
    clock = FakeClock(kst(2026, 12, 23, 10, 0))
    control, engine = _control(clock)
    await control.start()

    engine.refuse_start = True
    with pytest.raises(ConnectionError):
        await control.restart()
    assert not control.running
    assert (await control.status()).state is MonitorState.IDLE


async def test_status_shows_the_best_bid_and_its_age_on_the_book_path() -> None:
    clock = FakeClock(kst(2026, 12, 23, 10, 0))
    control, engine = _control(clock, Probe([FeedFacts(FeedState.CONNECTED, 3, 3)]))
    await control.start()
    (before,) = (await control.status()).positions
    assert (before.best_bid, before.best_bid_age_s) == (None, None)  # no book seen

    engine.best_bid = BestBid(Decimal(69_900), clock.now() - timedelta(seconds=2))
    (booked,) = (await control.status()).positions
    assert booked.best_bid == Decimal(69_900)
    assert booked.best_bid_age_s == pytest.approx(2.0)

    engine.best_bid = BestBid(Decimal(0), clock.now())  # a book with no bids
    (empty,) = (await control.status()).positions
    assert (empty.best_bid, empty.best_bid_age_s) == (None, 0.0)


async def test_the_close_disconnects_the_feeds_and_the_next_open_connects_them() -> None:
    clock = FakeClock(kst(2026, 12, 23, 8, 59))
    probe = Probe()
    control, engine = _control(clock, probe)

    async def on_close(day: date) -> None:
        probe.links.append(f"summary {day}")

    schedule = MonitorSchedule(control, KrxCalendar(), clock, on_close)
    await _run_until(clock, schedule, kst(2026, 12, 24, 10, 0))

    assert probe.links == ["connect", "disconnect", "summary 2026-12-23", "connect"]
    assert [kind for kind, _ in engine.events] == ["start", "stop", "start"]


async def test_a_persons_start_after_the_close_connects_the_feeds_again() -> None:
    clock = FakeClock(kst(2026, 12, 23, 15, 29))
    probe = Probe()
    control, _ = _control(clock, probe)
    await control.start(Actor.SCHEDULE)
    await control.end_session()
    status = await control.start()  # a person, after hours
    assert probe.links == ["connect", "disconnect", "connect"]
    assert status.running
