"""Run the application's background services and keep them running.

A service is a named async callable that is meant to run until cancelled (a fill pump, the
reconcile loop). If it raises, the crash is logged at ERROR, reported through `on_crash`
(the alert hook) and the service is started again after a backoff of 1, 2, 4, ... up to
60 seconds; the backoff starts over once a run has lasted longer than the longest delay.
A service that returns is done and is not restarted. `stop()` cancels the services in the
reverse of their start order and waits for each, so nothing is left running.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

Service = Callable[[], Coroutine[Any, Any, None]]
CrashHook = Callable[[str, Exception], Awaitable[None] | None]
Sleep = Callable[[float], Awaitable[None]]

FIRST_DELAY = 1.0
MAX_DELAY = 60.0
log = logging.getLogger(__name__)


@dataclass
class _Entry:
    name: str
    service: Service
    task: asyncio.Task[None] | None = None
    restarts: int = 0


class Supervisor:
    """Named services under one owner: restarted with backoff on a crash, stopped in order."""

    def __init__(
        self,
        *,
        on_crash: CrashHook | None = None,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
    ) -> None:
        self.on_crash = on_crash
        self._sleep = sleep
        self._monotonic = monotonic
        self._first_delay = first_delay
        self._max_delay = max_delay
        self._entries: list[_Entry] = []
        self._running = False

    def add(self, name: str, service: Service) -> None:
        """Register a service; once the supervisor runs, it starts at once."""
        if any(entry.name == name for entry in self._entries):
            raise ValueError(f"a service named {name!r} is already supervised")
        entry = _Entry(name, service)
        self._entries.append(entry)
        if self._running:
            self._launch(entry)

    def start(self) -> None:
        """Start every registered service, in the order they were added."""
        self._running = True
        for entry in self._entries:
            if entry.task is None:
                self._launch(entry)

    async def stop(self) -> None:
        """Cancel every service, last started first, and wait until each has ended."""
        self._running = False
        for entry in reversed(self._entries):
            task, entry.task = entry.task, None
            if task is None:
                continue
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._entries.clear()

    def running(self) -> list[str]:
        """The names of the services whose task is alive, in start order."""
        return [e.name for e in self._entries if e.task is not None and not e.task.done()]

    def restarts(self, name: str) -> int:
        """How many times a service was started again after a crash."""
        for entry in self._entries:
            if entry.name == name:
                return entry.restarts
        raise KeyError(name)

    def _launch(self, entry: _Entry) -> None:
        entry.task = asyncio.create_task(self._keep(entry), name=f"hantu:{entry.name}")

    async def _keep(self, entry: _Entry) -> None:
        delay = self._first_delay
        while True:
            started = self._monotonic()
            try:
                await entry.service()
            except Exception as exc:  # any crash: log, alert, back off, run again
                if self._monotonic() - started > self._max_delay:
                    delay = self._first_delay
                await self._crashed(entry.name, exc, delay)
                await self._sleep(delay)
                delay = min(delay * 2, self._max_delay)
                entry.restarts += 1
                continue
            log.info("service %s finished", entry.name)
            return

    async def _crashed(self, name: str, exc: Exception, delay: float) -> None:
        log.error("service %s crashed; restarting in %.0f s", name, delay, exc_info=exc)
        if self.on_crash is None:
            return
        try:
            outcome = self.on_crash(name, exc)
            if inspect.isawaitable(outcome):
                await outcome
        except Exception:  # a failing alert must not stop the restart
            log.exception("reporting the crash of service %s failed", name)
