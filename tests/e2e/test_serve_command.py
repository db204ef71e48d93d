"""`hantu serve` as a newcomer runs it: the console shows the UI address, the demo login and
a ready-to-paste curl; pasting that curl's body places an order at the simulator."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx

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


def test_serve_prints_address_login_and_a_working_curl(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "HANTU_DATA_DIR": str(tmp_path), "HANTU_WEB_PORT": str(port)}
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
        assert demo_account().app_key not in text  # the login and token, never broker keys
        assert demo_account().app_secret[:20] not in text
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
        assert (tmp_path / "hantu.db").exists()
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
