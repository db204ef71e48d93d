"""An exclusive lock on a file, shared by every hantu process on this machine.

`flock(2)` through the standard library: the kernel drops the lock with the descriptor, so a
process that dies holding it never leaves it stale. (The `filelock` package did this before
at ~1.4 MB of resident memory in every process, its 49 modules loaded for one lock.) Waiting
is a poll in asyncio sleeps, so the event loop never blocks behind another process.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

POLL_SECONDS = 0.05


class LockTimeout(Exception):
    """Another process held the lock longer than the caller would wait."""


@asynccontextmanager
async def exclusive_file_lock(path: Path, wait_seconds: float) -> AsyncIterator[None]:
    """Hold an exclusive lock on `path` (created 0600 if missing) for the block, waiting at
    most `wait_seconds` for another holder to let go (`LockTimeout`)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(str(path)) from None
                await asyncio.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
