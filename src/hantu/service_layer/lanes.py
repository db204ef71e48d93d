"""Jobs in lanes: one after another within a lane, lanes side by side.

A lane is one chat: its messages must keep their order, but a chat whose sends hang must not
hold up the others. The outbox relay delivers notifications this way, one lane per chat,
and the Telegram bot answers updates this way, one lane per chat it was written in.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


class Lanes:
    """Runs submitted jobs: FIFO per key, keys concurrently. A job that raises is logged and
    the lane goes on; `aclose` cancels what is running and drops what waits."""

    def __init__(self, name: str = "lanes") -> None:
        self._name = name
        self._queues: dict[Hashable, deque[Job]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._pending = 0

    @property
    def pending(self) -> int:
        """Jobs submitted and not finished (waiting or running)."""
        return self._pending

    def submit(self, key: Hashable, job: Job) -> None:
        self._pending += 1
        queue = self._queues.get(key)
        if queue is not None:  # the lane's task is running: it will take this one too
            queue.append(job)
            return
        self._queues[key] = deque([job])
        task = asyncio.create_task(self._drain(key), name=f"{self._name}:{key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def join(self) -> None:
        """Wait until every submitted job has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        self._queues.clear()
        self._pending = 0

    async def _drain(self, key: Hashable) -> None:
        queue = self._queues[key]
        try:
            while queue:
                job = queue.popleft()
                try:
                    await job()
                except Exception:
                    log.exception("%s: a job in lane %s failed", self._name, key)
                finally:
                    self._pending -= 1
        finally:
            # No await between the last `while queue` check and here: a job submitted to this
            # key meanwhile is impossible, so nothing is left behind.
            self._queues.pop(key, None)
