"""What the outbox tests share: a recording consumer, row reads, the crashing writer."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hantu.adapters.db import tables as t
from hantu.adapters.db.engine import Database
from hantu.service_layer.outbox import OutboxEntry

WRITER = Path(__file__).with_name("outbox_crash_writer.py")


class Recording:
    """A consumer that records what it was handed, optionally failing first or slow."""

    def __init__(self, failures: int = 0, error: str = "refused", pause: float = 0) -> None:
        self._pause = pause
        self.entries: list[OutboxEntry] = []
        self.delivered_at: list[float] = []
        self._failures = failures
        self._error = error
        self._arrived = asyncio.Event()

    async def deliver(self, entry: OutboxEntry) -> None:
        await asyncio.sleep(self._pause)  # let a concurrent relay interleave
        if self._failures:
            self._failures -= 1
            raise RuntimeError(self._error)
        self.entries.append(entry)
        self.delivered_at.append(asyncio.get_running_loop().time())
        self._arrived.set()

    async def wait_for(self, count: int, *, seconds: float = 5) -> None:
        async with asyncio.timeout(seconds):
            while len(self.entries) < count:
                await self._arrived.wait()
                self._arrived.clear()


async def outbox_rows(db: Database) -> list[Any]:
    async with db.connect() as connection:
        return list((await connection.execute(select(t.outbox).order_by(t.outbox.c.id))).all())


async def spawn_writer(database_url: str, mode: str, *wait_for: str) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(WRITER),
        database_url,
        mode,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert process.stdout is not None
    for line in wait_for:
        got = await asyncio.wait_for(process.stdout.readline(), 30)
        assert got.decode().strip() == line
    return process


async def kill(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)
    assert await process.wait() == -signal.SIGKILL


async def stop(*tasks: asyncio.Task[None]) -> None:
    """Cancel background tasks and wait until they have cleaned up."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
