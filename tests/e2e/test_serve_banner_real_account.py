"""`hantu serve` with a real KIS account configured (PAPER or REAL): the banner and the
start-up log show the address only, never the account's keys or number, even with the
demo asked for and logging at DEBUG."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.web.server import free_port, wait_listening

APP_KEY = "PSrealAppKey" + "K" * 24
APP_SECRET = "realAppSecret" + "S" * 167
ACCOUNT = "73123456-01"
HTS_ID = "realhtsid77"


@pytest.mark.parametrize("environment", ["PAPER", "REAL"])
def test_serve_with_a_real_account_never_prints_its_keys(tmp_path: Path, environment: str) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HANTU_")},
        "HANTU_DATA_DIR": str(tmp_path),
        "HANTU_WEB_PORT": str(port),
        "HANTU_KIS_ENVIRONMENT": environment,
        "HANTU_KIS_APP_KEY": APP_KEY,
        "HANTU_KIS_APP_SECRET": APP_SECRET,
        "HANTU_KIS_ACCOUNT": ACCOUNT,
        "HANTU_KIS_HTS_ID": HTS_ID,
        "HANTU_DEMO": "true",
        "HANTU_LOG_LEVEL": "DEBUG",
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
        wait_listening(f"http://127.0.0.1:{port}/healthz", seconds=60)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)

    assert f"http://127.0.0.1:{port}/" in output
    assert "curl" not in output  # no demo on a real account
    for secret in (APP_KEY, APP_SECRET, APP_KEY[:12], APP_SECRET[:13], ACCOUNT, "7312345601"):
        assert secret not in output
    assert HTS_ID not in output
