"""WAL checkpoints on their own thread: the WAL starts over instead of growing, and the
thread lives exactly as long as the app."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

from hantu.adapters.clock import SystemClock
from hantu.adapters.db.checkpointer import WalCheckpointer
from hantu.bootstrap import build
from hantu.config import Settings
from tests.inprocess_broker import InProcessBroker


def _write(connection: sqlite3.Connection, rows: int) -> None:
    for n in range(rows):  # one transaction each, as the units of work commit
        connection.execute("INSERT INTO t (v) VALUES (?)", (f"row {n} " + "x" * 200,))


def test_after_a_checkpoint_the_wal_is_reused_instead_of_growing(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # only the thread may checkpoint
    writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    _write(writer, 300)
    first_batch = (tmp_path / "wal.db-wal").stat().st_size
    checkpointer = WalCheckpointer(str(path), interval=0.01)
    checkpointer.start()
    try:
        deadline = time.monotonic() + 10
        while checkpointer.checkpoints < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        checkpointer.stop()
        _write(writer, 300)  # starts over at the head of the checkpointed WAL
        after_second_batch = (tmp_path / "wal.db-wal").stat().st_size
        count = writer.execute("SELECT count(*) FROM t").fetchone()[0]
    finally:
        checkpointer.stop()
        writer.close()

    assert checkpointer.checkpoints >= 2
    assert after_second_batch < first_batch * 1.5  # without it: about twice the first
    assert count == 600


def _checkpoint_threads() -> int:
    return sum(thread.name == "hantu-wal-checkpoint" for thread in threading.enumerate())


async def test_the_app_checkpoints_on_sqlite_while_it_runs(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'hantu.db'}")
    app = build(settings, brokers=InProcessBroker(SystemClock()))
    before = _checkpoint_threads()

    await app.start()
    running = _checkpoint_threads()
    await app.close()
    await asyncio.sleep(0)

    assert running == before + 1
    assert _checkpoint_threads() == before


def _restart_count(wal: Path) -> int:
    """The WAL header's checkpoint sequence number: one more at every restart of the WAL."""
    return int.from_bytes(wal.read_bytes()[12:16], "big")


def test_the_thread_restarts_an_emptied_wal_so_the_next_commit_does_not(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("PRAGMA user_version=7")
    writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    _write(writer, 50)
    before = _restart_count(tmp_path / "wal.db-wal")
    checkpointer = WalCheckpointer(str(path), interval=0.01)
    checkpointer.start()
    try:
        deadline = time.monotonic() + 10
        while checkpointer.checkpoints < 5 and time.monotonic() < deadline:
            time.sleep(0.01)  # several passes: the idle ones must not restart it again
        checkpointer.stop()
        restarted = _restart_count(tmp_path / "wal.db-wal")
        _write(writer, 1)  # appends to the restarted WAL: no restart (and sync) of its own
        after_commit = _restart_count(tmp_path / "wal.db-wal")
        rows = writer.execute("SELECT count(*) FROM t").fetchone()[0]
        version = writer.execute("PRAGMA user_version").fetchone()[0]
    finally:
        checkpointer.stop()
        writer.close()

    assert checkpointer.checkpoints >= 5
    assert checkpointer.restarts == 1
    assert restarted == before + 1
    assert after_commit == restarted
    assert (rows, version) == (51, 7)
