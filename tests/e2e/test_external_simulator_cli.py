"""The external simulator as an operator runs it: `hantu sim` in one process prints its URLs
and an account; `hantu serve` in another, given those in its environment, fills a webhook
there."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.web.server import free_port, wait_listening

SIM_LINES = {
    "HANTU_KIS_SIMULATOR_REST_URL": r"REST:\s+(\S+)",
    "HANTU_KIS_SIMULATOR_WS_URL": r"WS:\s+(\S+)",
    "HANTU_KIS_ACCOUNT": r"account:\s+(\d{8}-\d{2})",
    "HANTU_KIS_HTS_ID": r"HTS ID:\s+([^)\s]+)",
    "HANTU_KIS_APP_KEY": r"app key:\s+(\S+)",
    "HANTU_KIS_APP_SECRET": r"app secret:\s+(\S+)",
}


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("HANTU_")}


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(timeout=30)
    if process.stdout is not None:
        process.stdout.close()


def _read_until(process: subprocess.Popen[str], pattern: str, seconds: float = 60.0) -> str:
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if re.search(pattern, line):
            return "".join(seen)
    raise AssertionError(f"no line matching {pattern!r} in:\n" + "".join(seen))


@pytest.fixture
def hantu_sim(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A `hantu sim` process on free ports; yields the settings that point hantu at it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "hantu", "sim", "--rest-port", "0", "--ws-port", "0"],
        cwd=tmp_path,
        env=_clean_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        text = _read_until(process, r"app secret:")
        found = {name: re.search(pattern, text) for name, pattern in SIM_LINES.items()}
        yield {name: match.group(1) for name, match in found.items() if match is not None}
    finally:
        _stop(process)


def _order_status(database: Path, order_id: str) -> str | None:
    with sqlite3.connect(database) as connection:
        row = connection.execute("SELECT status FROM orders WHERE id = ?", (order_id,)).fetchone()
    return None if row is None else str(row[0])


def test_serve_with_hantu_sim_urls_fills_the_webhook_there(
    tmp_path: Path, hantu_sim: dict[str, str]
) -> None:
    assert len(hantu_sim) == len(SIM_LINES), hantu_sim
    port, data = free_port(), tmp_path / "hantu"
    data.mkdir()
    env = _clean_env() | hantu_sim | {"HANTU_DATA_DIR": str(data), "HANTU_WEB_PORT": str(port)}
    serve = subprocess.Popen(
        [sys.executable, "-m", "hantu", "serve"],
        cwd=data,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = _read_until(serve, r'"token": "whk_')
        assert f"KIS simulator (external): {hantu_sim['HANTU_KIS_SIMULATOR_REST_URL']}" in banner
        assert hantu_sim["HANTU_KIS_APP_SECRET"] not in banner
        token = re.search(r'"token": "(whk_[^"]+)"', banner)
        assert token is not None
        wait_listening(f"http://127.0.0.1:{port}/healthz")
        body = {"token": token.group(1), "symbol": "005930", "side": "BUY"}
        body |= {"order_type": "MARKET", "quantity": "2", "id": "cli-ext-1"}

        response = httpx.post(f"http://127.0.0.1:{port}/api/webhook", json=body, timeout=10)

        assert response.status_code == 200, response.text
        order_id = response.json()["orders"][0]["hantu_order_id"]
        deadline = time.monotonic() + 10
        while _order_status(data / "hantu.db", order_id) != "FILLED":
            assert time.monotonic() < deadline, _order_status(data / "hantu.db", order_id)
            time.sleep(0.05)
    finally:
        _stop(serve)
