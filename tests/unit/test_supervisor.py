"""The supervisor: a crashed service is logged, reported and restarted with backoff; stop
cancels every service, last started first, and leaves no task behind."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from hantu.bootstrap.supervisor import Service, Supervisor
from tests.fakes import FakeClock


class Boom(Exception):
    pass


def _ours() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("hantu:")]


async def _until(condition: Callable[[], bool], rounds: int = 200) -> None:
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never became true")


async def test_supervisor_crashed_service_is_restarted_and_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    crashes: list[tuple[str, Exception]] = []
    runs: list[int] = []
    forever = asyncio.Event()

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise Boom("first run fails")
        await forever.wait()

    supervisor = Supervisor(
        on_crash=lambda name, exc: crashes.append((name, exc)), sleep=clock.sleep
    )
    supervisor.add("flaky", flaky)
    with caplog.at_level(logging.ERROR, logger="hantu.bootstrap.supervisor"):
        supervisor.start()
        await _until(lambda: len(runs) == 2)

    assert [(name, str(exc)) for name, exc in crashes] == [("flaky", "first run fails")]
    assert clock.slept == [1.0]
    assert supervisor.restarts("flaky") == 1
    assert supervisor.running() == ["flaky"]
    assert any(r.levelno == logging.ERROR and "flaky" in r.getMessage() for r in caplog.records)
    await supervisor.stop()


async def test_supervisor_service_that_keeps_crashing_backs_off_up_to_a_minute() -> None:
    clock = FakeClock()
    attempts = 0

    async def broken() -> None:
        nonlocal attempts
        attempts += 1
        raise Boom(f"attempt {attempts}")

    supervisor = Supervisor(sleep=clock.sleep, monotonic=lambda: 0.0)
    supervisor.add("broken", broken)
    supervisor.start()
    await _until(lambda: attempts >= 10, rounds=1000)
    await supervisor.stop()

    assert clock.slept[:9] == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]


async def test_supervisor_backoff_starts_over_after_a_long_healthy_run() -> None:
    clock = FakeClock()
    now = [0.0]
    attempts = 0

    async def crashes_after_a_while() -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 4:
            now[0] += 3600.0  # this run lasted an hour before it crashed
        raise Boom("crash")

    supervisor = Supervisor(sleep=clock.sleep, monotonic=lambda: now[0])
    supervisor.add("service", crashes_after_a_while)
    supervisor.start()
    await _until(lambda: attempts >= 6, rounds=1000)
    await supervisor.stop()

    assert clock.slept[:5] == [1.0, 2.0, 4.0, 1.0, 2.0]


async def test_supervisor_failing_crash_hook_does_not_stop_the_restart() -> None:
    clock = FakeClock()
    runs = 0
    forever = asyncio.Event()

    async def once_broken() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise Boom("crash")
        await forever.wait()

    async def alert(name: str, exc: Exception) -> None:
        raise RuntimeError("the alert channel is down too")

    supervisor = Supervisor(on_crash=alert, sleep=clock.sleep)
    supervisor.add("service", once_broken)
    supervisor.start()
    await _until(lambda: runs == 2)

    assert supervisor.running() == ["service"]
    await supervisor.stop()


async def test_supervisor_stop_cancels_in_reverse_start_order_and_leaves_no_task() -> None:
    stopped: list[str] = []

    def service(name: str) -> Service:
        async def run() -> None:
            try:
                await asyncio.Event().wait()
            finally:
                stopped.append(name)

        return run

    supervisor = Supervisor()
    supervisor.add("first", service("first"))
    supervisor.add("second", service("second"))
    supervisor.start()
    supervisor.add("late", service("late"))  # added while running
    await asyncio.sleep(0)
    assert supervisor.running() == ["first", "second", "late"]
    assert len(_ours()) == 3

    await supervisor.stop()

    assert stopped == ["late", "second", "first"]
    assert _ours() == []
    assert supervisor.running() == []


async def test_supervisor_stop_during_backoff_leaves_no_task() -> None:
    async def broken() -> None:
        raise Boom("crash")

    supervisor = Supervisor()  # real sleep: the service waits a second before its restart
    supervisor.add("broken", broken)
    supervisor.start()
    await asyncio.sleep(0.01)

    await supervisor.stop()

    assert _ours() == []


async def test_supervisor_finished_service_is_not_restarted() -> None:
    runs = 0

    async def one_shot() -> None:
        nonlocal runs
        runs += 1

    supervisor = Supervisor(sleep=FakeClock().sleep)
    supervisor.add("once", one_shot)
    supervisor.start()
    await _until(lambda: supervisor.running() == [])
    for _ in range(10):
        await asyncio.sleep(0)

    assert runs == 1
    await supervisor.stop()


def test_supervisor_refuses_two_services_of_one_name() -> None:
    async def idle() -> None:
        return None

    supervisor = Supervisor()
    supervisor.add("fills:1", idle)

    with pytest.raises(ValueError, match="fills:1"):
        supervisor.add("fills:1", idle)
