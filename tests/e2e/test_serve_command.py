"""`hantu serve` as a newcomer runs it: the console shows the UI address, the demo login and
a ready-to-paste curl; pasting that curl's body places an order at the simulator."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from hantu import messages_ko as ko
from hantu.simulator.accounts import demo_account
from tests.integration.web.server import free_port, wait_listening


def _read_banner(process: subprocess.Popen[str], seconds: float = 60.0) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.lstrip().startswith("curl "):
            return lines
    raise AssertionError("no curl line printed:\n" + "\n".join(lines))


def _order_status(database: Path, seconds: float = 20.0) -> str:
    deadline, status = time.monotonic() + seconds, ""
    while time.monotonic() < deadline:
        with sqlite3.connect(database) as connection:
            row = connection.execute("SELECT status FROM orders").fetchone()
        status = row[0] if row else ""
        if status == "FILLED":
            break
        time.sleep(0.2)
    return status


def _prices_seen(rest_url: str, seconds: float = 5.0) -> set[str]:
    seen: set[str] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(seen) < 3:
        state = httpx.get(f"{rest_url}/__sim__/state", timeout=5).json()
        seen |= {s["price"] for s in state["symbols"] if s["symbol"] == "005930"}
        time.sleep(0.2)
    return seen


def test_serve_prints_address_login_and_a_curl_that_fills(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "HANTU_DATA_DIR": str(tmp_path),
        "HANTU_WEB_PORT": str(port),
        "HANTU_SIMULATOR_WALK_SECONDS": "0.1",  # as `hantu serve` walks by default, faster
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "hantu", "serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = _read_banner(process)
        text = "\n".join(lines)
        assert f"http://127.0.0.1:{port}/" in text
        assert "demo / hantu-demo" in text
        # The embedded simulator's play-money account, for the account form.
        simulator = demo_account()
        for value in (simulator.app_key, simulator.app_secret, simulator.number):
            assert value in text
        assert "hantu sim-fault" in text
        rest_url = re.search(r"KIS simulator: (\S+)", text).group(1)  # type: ignore[union-attr]
        words = shlex.split(lines[-1].strip())
        url, body = words[words.index("-X") + 2], words[words.index("-d") + 1]
        # The banner comes from the lifespan, just before uvicorn binds: a person pasting the
        # curl is never that fast, a test is.
        wait_listening(f"http://127.0.0.1:{port}/healthz")

        response = httpx.post(url, content=body, headers={"content-type": "application/json"})

        assert response.status_code == 200, response.text
        assert response.json()["success"] is True
        assert json.loads(body)["symbol"] == "KRX:005930"
        assert re.fullmatch(r"\d+", response.json()["order_id"])
        assert _order_status(tmp_path / "hantu.db") == "FILLED"
        assert len(_prices_seen(rest_url)) > 1  # the prices move on their own
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


def test_serve_on_a_taken_port_prints_one_korean_line_and_no_banner(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        env = {**os.environ, "HANTU_DATA_DIR": str(tmp_path), "HANTU_WEB_PORT": str(port)}
        done = subprocess.run(
            [sys.executable, "-m", "hantu", "serve"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert done.returncode != 0
    assert done.stdout == ""  # no banner, no curl
    assert done.stderr.strip().splitlines() == [ko.CLI_SERVE_PORT_TAKEN.format(port=port)]
    assert "HANTU_WEB_PORT" in done.stderr
    assert "address already in use" not in done.stderr
