"""`hantu monitor ...` against a real server on a free port (embedded defaults: the KIS
simulator over real sockets), and without one: status says so, start runs it standalone."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from hantu.adapters.local_token import write_local_token
from hantu.entrypoints.cli import app
from hantu.messages_ko import monitor_panel as text
from tests.integration.web.server import ServerThread, free_port

STATE_MONITORING = text.CLI_STATE.format(state="모니터링 중")


def _env_for(monkeypatch: pytest.MonkeyPatch, data_dir: Path, port: int) -> None:
    monkeypatch.setenv("HANTU_DATA_DIR", str(data_dir))
    monkeypatch.setenv("HANTU_WEB_PORT", str(port))
    monkeypatch.chdir(data_dir)


def _monitor(*args: str) -> Result:
    return CliRunner().invoke(app, ["monitor", *args])


def _buy(server: ServerThread, quantity: str = "4") -> None:
    assert server.runtime is not None
    assert server.runtime.demo is not None
    body = {
        "token": server.runtime.demo.token,
        "symbol": "005930",
        "side": "BUY",
        "order_type": "MARKET",
        "quantity": quantity,
    }
    answer = httpx.post(f"{server.base_url}/api/webhook", content=json.dumps(body), timeout=10)
    assert answer.status_code == 200, answer.text


def _status_until(*wanted: str, seconds: float = 15.0) -> str:
    """`hantu monitor status` once every text in `wanted` is in it (or at the deadline)."""
    deadline = time.monotonic() + seconds
    while True:
        result = _monitor("status")
        assert result.exit_code == 0, result.output
        if all(w in result.output for w in wanted) or time.monotonic() > deadline:
            return result.output
        time.sleep(0.2)


def test_cli_monitor_controls_the_running_server(
    embedded_server: ServerThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env_for(monkeypatch, tmp_path, embedded_server.port)
    _buy(embedded_server)

    shown = _status_until(STATE_MONITORING)  # after "종목 구독 중" and "구독 완료: n/3"
    assert STATE_MONITORING in shown, shown
    assert "005930 4주 · 실시간(WebSocket)" in shown
    embedded_server.trade("005930", 71_000)
    booked = _status_until("매수호가 ")  # the book path's best bid, once a book came
    assert re.search(r"· 매수호가 \d{1,3}(,\d{3})*원 \(\d+초 전\)", booked), booked
    assert text.CLI_POSITIONS.format(count=1) in shown

    stopped = _monitor("stop")
    assert stopped.exit_code == 0, stopped.output
    assert text.MONITOR_STOPPED in stopped.output
    assert text.CLI_STATE.format(state="대기") in stopped.output
    assert "보호 안 됨" in stopped.output

    started = _monitor("start")
    assert text.MONITOR_STARTED in started.output
    # Streamed again, every subscription acknowledged (the book's comes 0.5 s after the trades').
    restreamed = _status_until(STATE_MONITORING, "실시간(WebSocket)")
    assert STATE_MONITORING in restreamed, restreamed
    assert "실시간(WebSocket)" in restreamed, restreamed

    as_json = json.loads(_monitor("status", "--json").output)
    assert as_json["state"] == "monitoring"
    assert as_json["subscriptions"]["done"] == as_json["subscriptions"]["total"]
    assert [p["protection"] for p in as_json["positions"]] == ["websocket"]

    restarted = _monitor("restart")
    assert restarted.exit_code == 0, restarted.output
    assert text.MONITOR_RESTARTED in restarted.output

    # The installed command in its own process, as a person would run it.
    env = {
        **os.environ,
        "HANTU_DATA_DIR": str(tmp_path),
        "HANTU_WEB_PORT": str(embedded_server.port),
    }
    done = subprocess.run(
        [sys.executable, "-m", "hantu", "monitor", "status"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert text.CLI_POSITIONS.format(count=1) in done.stdout


def test_cli_monitor_never_sends_the_token_off_this_machine(
    embedded_server: ServerThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env_for(monkeypatch, tmp_path, embedded_server.port)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # a proxy would see the token: unused
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert STATE_MONITORING in _monitor("status").output
    for elsewhere in ("http://203.0.113.7:8000", "http://[not-a-host"):
        result = _monitor("stop", "--url", elsewhere)
        assert result.exit_code == 2, elsewhere
        assert text.LOCAL_TOKEN_REMOTE in result.output
    assert STATE_MONITORING in _monitor("status").output  # still running


def test_cli_monitor_status_without_a_server_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env_for(monkeypatch, tmp_path, free_port())
    result = _monitor("status")
    assert result.exit_code == 3
    assert text.CLI_NO_SERVER_STATUS in result.output
    as_json = _monitor("status", "--json")
    assert as_json.exit_code == 3
    assert json.loads(as_json.output) == {"success": False, "server": False}

    write_local_token(tmp_path)  # a token left by a server that has ended
    stale = _monitor("status")
    assert stale.exit_code == 3
    assert text.CLI_NO_SERVER_STATUS in stale.output
    assert text.CLI_NO_SERVER_STATUS in _monitor("stop").output


def test_cli_monitor_start_without_a_server_runs_the_monitor_standalone(tmp_path: Path) -> None:
    env = {**os.environ, "HANTU_DATA_DIR": str(tmp_path), "HANTU_WEB_PORT": str(free_port())}
    process = subprocess.Popen(
        [sys.executable, "-m", "hantu", "monitor", "start"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if line.startswith(text.CLI_POSITIONS.split("{")[0]):
                break
        output = "\n".join(lines)
        assert text.CLI_NO_SERVER in output
        assert text.CLI_STATE.format(state="모니터링 중") in output
        # The same process now runs the monitor module alone, the command line left behind.
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        assert b"hantu.entrypoints.monitor_process" in cmdline
        # No web server runs, so the CLI still finds none to talk to.
        status = subprocess.run(
            [sys.executable, "-m", "hantu", "monitor", "status"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert status.returncode == 3
        assert text.CLI_NO_SERVER_STATUS in status.stdout
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_cli_monitor_against_something_else_on_the_port_says_it_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Html(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>not hantu</html>")

        def log_message(self, *_args: object) -> None:
            return None

    other = HTTPServer(("127.0.0.1", 0), Html)
    thread = threading.Thread(target=other.serve_forever, daemon=True)
    thread.start()
    try:
        _env_for(monkeypatch, tmp_path, other.server_address[1])
        write_local_token(tmp_path)
        result = _monitor("status")
    finally:
        other.shutdown()
        other.server_close()
    assert result.exit_code == 1
    assert text.CLI_SERVER_REFUSED.format(status=200, message="OK") in result.output
