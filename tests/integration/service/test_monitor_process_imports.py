"""The monitor process (`build(settings)` without the web server, as the standalone monitor
process `hantu.entrypoints.monitor_process` runs it) loads what it protects positions with
and nothing it never uses: no web stack, no unconfigured notification channel, no httpx (the
KIS wire is aiohttp; only the Telegram library brings httpx, when Telegram is configured), no
PostgreSQL dialect on SQLite, no Alembic on a later start, no `holidays` package (its XKRX
days come from a child process, as the KRX schedule asks them), no command line (`hantu
monitor start` replaces itself with that module) and no `filelock` (the token cache's lock is
flock(2)). Each costs resident memory in a process that runs all day (bench/monitor.py
measures how much)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from tests.fixtures.kis_simulator import KisSimHandle

ROOT = Path(__file__).resolve().parents[3]

MONITOR = """
import asyncio, json, sys
from datetime import datetime, timezone
if sys.argv.pop(1) == "process":
    import hantu.entrypoints.monitor_process  # what `hantu monitor start` becomes
    LATER = ["hantu.entrypoints.cli", "hantu.entrypoints.cli_monitor", "hantu.entrypoints.web"]
    LATER += ["hantu.simulator"]
else:
    LATER = ["hantu.entrypoints", "hantu.simulator"]
from hantu.adapters.krx_calendar import KrxCalendar
from hantu.bootstrap import build
from hantu.config import Settings

NEVER = [
    "httpx", "httpcore", "anyio", "click", "rich", "pygments",  # httpx and its command line
    "sqlalchemy.dialects.postgresql", "asyncpg",  # the other database
    "fastapi", "starlette", "jinja2", "uvicorn", "sse_starlette", "fastapi_offline",
    "slack_sdk", "telegram",  # channels not configured
    "alembic",  # the database is at head after the first start
    "argon2",  # no password is hashed or checked
    "holidays",  # the XKRX days are asked of a child process
    "typer", "filelock",  # the command line; a lock the standard library takes
    *LATER,  # the web app, the simulator (configured KIS URLs: none in this process)
]
NEEDED = ["aiohttp", "cryptography.fernet", "sqlalchemy.dialects.sqlite"]

async def main(data_dir, rest, ws, key, secret, account, hts):
    settings = Settings(
        _env_file=None, data_dir=data_dir, database_url=f"sqlite+aiosqlite:///{data_dir}/h.db",
        kis_simulator_rest_url=rest, kis_simulator_ws_url=ws, kis_app_key=key,
        kis_app_secret=secret, kis_account=account, kis_hts_id=hts,
    )
    async with build(settings) as app:
        assert app.monitor is not None
        await app.deps.brokers.broker_for(1)  # the KIS broker, its client and stream
        KrxCalendar().next_open(datetime.now(timezone.utc))  # as the KRX schedule does
        loaded = {name: sys.modules.get(name) is not None for name in NEVER + NEEDED}
    print(json.dumps(loaded))

asyncio.run(main(*sys.argv[1:]))
"""


@pytest.mark.parametrize("entry", ["app", "process"])
async def test_the_monitor_process_loads_no_web_stack_nor_unconfigured_channels(
    kis_sim: KisSimHandle, tmp_path: Path, entry: str
) -> None:
    # A first start (migrations, the demo), then a later one, the one checked, as every day.
    await _monitor(tmp_path, kis_sim, entry)
    loaded = await _monitor(tmp_path, kis_sim, entry)

    # The KIS wire, the stored keys, the database: loaded at start (never first at a sell);
    # everything in NEVER absent.
    assert [name for name, present in loaded.items() if present] == [
        "aiohttp",
        "cryptography.fernet",
        "sqlalchemy.dialects.sqlite",
    ]


async def _monitor(data_dir: Path, kis_sim: KisSimHandle, entry: str) -> dict[str, bool]:
    args = [kis_sim.rest_url, kis_sim.ws_url, kis_sim.app_key, kis_sim.app_secret]
    args += [kis_sim.account, kis_sim.hts_id]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANTU_")}  # nothing set
    # Its own process (the simulator answers from this one's loop, so never block it).
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        MONITOR,
        entry,
        str(data_dir),
        *args,
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT / "src")},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(child.communicate(), 120)
    assert child.returncode == 0, err.decode()
    loaded: dict[str, bool] = json.loads(out.decode().splitlines()[-1])
    return loaded
