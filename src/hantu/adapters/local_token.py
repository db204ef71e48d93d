"""The local admin token: how `hantu monitor ...` proves it runs on the server's machine.

Generated at every server start into `<data_dir>/monitor_admin.token` with mode 0600, so only
the server's user can read it; the server accepts it from loopback clients only. A new start
replaces it, so a token copied elsewhere dies with the server that made it.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

TOKEN_FILE = "monitor_admin.token"  # noqa: S105 - a file name
HEADER = "X-Hantu-Local-Token"


def token_path(data_dir: Path) -> Path:
    return data_dir / TOKEN_FILE


def write_local_token(data_dir: Path) -> str:
    """A fresh token, written atomically with owner-only permissions; returns it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    target = token_path(data_dir)
    staging = target.with_suffix(".tmp")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, token.encode())
    finally:
        os.close(fd)
    os.replace(staging, target)
    return token


def read_local_token(data_dir: Path) -> str | None:
    """The token a running server wrote, None when there is none (no server started)."""
    try:
        text = token_path(data_dir).read_text().strip()
    except (FileNotFoundError, PermissionError):
        return None
    return text or None


def same_token(expected: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(expected.encode(), (presented or "").encode())
