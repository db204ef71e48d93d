"""The token cache's lock between processes: `flock(2)` held by another process is waited
for, given up after the timeout, and taken once that process ends (even killed)."""

from __future__ import annotations

import asyncio
import stat
import sys
from pathlib import Path

import pytest

from hantu.adapters.file_lock import LockTimeout, exclusive_file_lock

HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


async def _holder(path: Path, seconds: float) -> asyncio.subprocess.Process:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLDER, str(path), str(seconds), stdout=asyncio.subprocess.PIPE
    )
    assert child.stdout is not None
    assert await asyncio.wait_for(child.stdout.readline(), 10) == b"held\n"
    return child


async def test_a_lock_held_by_another_process_times_out_and_is_taken_after_it_dies(
    tmp_path: Path,
) -> None:
    path = tmp_path / "token.json.lock"
    child = await _holder(path, 60)
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(LockTimeout):
            async with exclusive_file_lock(path, wait_seconds=0.3):
                pytest.fail("the lock was taken while another process held it")
        assert loop.time() - started >= 0.3
    finally:
        child.kill()  # dies holding it: the kernel releases the lock with its descriptor
        await child.wait()
    async with exclusive_file_lock(path, wait_seconds=5):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_a_waiter_gets_the_lock_when_the_holder_lets_go(tmp_path: Path) -> None:
    path = tmp_path / "token.json.lock"
    child = await _holder(path, 0.5)
    try:
        async with exclusive_file_lock(path, wait_seconds=10):
            # Taken only once the holder let go: it has ended (or is ending) by itself.
            assert await asyncio.wait_for(child.wait(), 5) == 0
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()


async def test_one_process_takes_turns_with_itself(tmp_path: Path) -> None:
    path = tmp_path / "lock"
    inside: list[int] = []

    async def worker(n: int) -> None:
        async with exclusive_file_lock(path, wait_seconds=10):
            inside.append(n)
            assert len(inside) == 1, "two holders at once"
            await asyncio.sleep(0.05)
            inside.remove(n)

    await asyncio.gather(*(worker(n) for n in range(3)))
    assert inside == []
