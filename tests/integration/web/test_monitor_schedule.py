"""The monitor on the KRX calendar in the real bootstrap (HANTU_MONITOR_SCHEDULE=krx), on a
clock the test moves: off before the open, on at 09:00, off at 15:30 with the day's summary,
not started on Christmas or the weekend, on again on Monday."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from hantu.adapters.local_token import HEADER
from tests.fakes import FakeClock
from tests.inprocess_broker import InProcessBroker
from tests.integration.web.conftest import WebClient, running_app

SEOUL = ZoneInfo("Asia/Seoul")


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL)  # type: ignore[misc]


class SteppedClock(FakeClock):
    """A clock whose `sleep` waits until the test has moved time past its end."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self._moved = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        until = self.now() + timedelta(seconds=seconds)
        while self.now() < until:
            moved = self._moved
            await moved.wait()

    def move_to(self, when: datetime) -> None:
        self.set(when)
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()


@pytest.fixture
async def web(database_url: str, tmp_path: Path) -> AsyncIterator[WebClient]:
    clock = SteppedClock(kst(2026, 12, 24, 8, 0))  # Thu; Fri 25th Christmas, then a weekend
    broker = InProcessBroker(clock)
    options = {"settle_interval_seconds": 0, "monitor_schedule": "krx"}
    async with running_app(database_url, tmp_path, broker=broker, **options) as client:
        yield client


def _local_admin(web: WebClient) -> httpx.AsyncClient:
    """The CLI's way in (loopback + the local token): web sessions expire as days pass."""
    runtime = web.app.state.runtime.app.monitor_runtime
    client = web.client()
    client.headers[HEADER] = runtime.local_token
    return client


async def _running(client: httpx.AsyncClient, expected: bool) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for _ in range(200):
        body = (await client.get("/api/monitor")).json()
        if body["running"] is expected:
            return body
        await asyncio.sleep(0.01)
    raise AssertionError(f"monitor running is not {expected}: {body}")


async def test_the_monitor_follows_the_krx_sessions_and_summarises_each_close(
    web: WebClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hantu.bootstrap.monitor_control")
    clock = web.clock
    assert isinstance(clock, SteppedClock)
    alice = await web.member("alice")
    await web.hold(alice.strategy_account_id, 10)
    admin = _local_admin(web)

    before = await _running(admin, False)
    assert before["state"] == "idle"
    assert [p["protection"] for p in before["positions"]] == ["none"]

    clock.move_to(kst(2026, 12, 24, 9, 0, 1))
    opened = await _running(admin, True)
    assert opened["changed_by"] == "schedule"
    assert [p["symbol"] for p in opened["positions"]] == ["005930"]

    clock.move_to(kst(2026, 12, 24, 15, 30, 1))
    closed = await _running(admin, False)
    assert closed["changed_by"] == "schedule"
    for _ in range(100):
        if "daily summary of 2026-12-24 told to 1 users" in caplog.text:
            break
        await asyncio.sleep(0.01)
    assert "daily summary of 2026-12-24 told to 1 users" in caplog.text

    for day, hour in ((25, 10), (26, 10), (27, 10)):  # Christmas, Saturday, Sunday
        clock.move_to(kst(2026, 12, day, hour, 0))
        await asyncio.sleep(0.05)
        assert (await admin.get("/api/monitor")).json()["running"] is False

    clock.move_to(kst(2026, 12, 28, 9, 0, 1))
    monday = await _running(admin, True)
    assert monday["state"] == "monitoring"
