"""The login limit against a real uvicorn server: concurrent guesses and forged
`X-Forwarded-For`. Password checks are counted by the app's own `hantu_logins` metric."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hantu.adapters.passwords import PasswordHashing
from hantu.config import Settings
from hantu.service_layer import accounts as accounts_service
from tests.integration.web.server import ServerThread

PASSWORD = "correct-horse-battery"
LIMIT = 5
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def _server(tmp_path: Path, trusted_proxies: str) -> ServerThread:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        demo=False,
        settle_interval_seconds=0,
        login_max_attempts=LIMIT,
        trusted_proxies=trusted_proxies,
    )
    # Real argon2 work per check (OWASP's minimum), so concurrent checks overlap.
    server = ServerThread(settings, {"hasher": PasswordHashing(time_cost=2, memory_cost=19_456)})
    server.start()
    assert server.runtime is not None
    accounts = server.runtime.state.accounts
    server.run(lambda: accounts_service.create_user(accounts, "alice", PASSWORD))
    return server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    running = _server(tmp_path, "")
    yield running
    running.stop()


@pytest.fixture
def behind_proxy(tmp_path: Path) -> Iterator[ServerThread]:
    running = _server(tmp_path, "127.0.0.1")
    yield running
    running.stop()


async def _guesses(server: ServerThread, count: int, forwarded: bool) -> list[int]:
    """`count` wrong passwords for alice, all sent at once, each on its own session."""
    clients = [httpx.AsyncClient(base_url=server.base_url) for _ in range(count)]
    try:
        forms = []
        for client in clients:
            page = await client.get("/login")
            found = _CSRF.search(page.text)
            assert found
            forms.append({"username": "alice", "password": "wrong-guess", "csrf_token": found[1]})
        posts = [
            client.post(
                "/login",
                data=form,
                headers={"X-Forwarded-For": f"203.0.113.{n}"} if forwarded else {},
            )
            for n, (client, form) in enumerate(zip(clients, forms, strict=True))
        ]
        return [response.status_code for response in await asyncio.gather(*posts)]
    finally:
        for client in clients:
            await client.aclose()


def _logins(server: ServerThread, outcome: str) -> int:
    text = httpx.get(f"{server.base_url}/metrics").text
    found = re.search(rf'^hantu_logins_total\{{outcome="{outcome}"\}} (\S+)$', text, re.M)
    return int(float(found[1])) if found else 0


async def test_login_30_concurrent_wrong_passwords_check_only_the_limit(
    server: ServerThread,
) -> None:
    statuses = await _guesses(server, 30, forwarded=False)

    assert sorted(statuses) == [401] * LIMIT + [429] * (30 - LIMIT)
    assert _logins(server, "failure") == LIMIT
    assert _logins(server, "limited") == 30 - LIMIT


async def test_login_forged_forwarded_for_from_an_untrusted_peer_is_ignored(
    server: ServerThread,
) -> None:
    statuses = await _guesses(server, 10, forwarded=True)

    assert statuses.count(401) == LIMIT
    assert _logins(server, "failure") == LIMIT


async def test_login_forwarded_for_from_a_trusted_proxy_names_the_client(
    behind_proxy: ServerThread,
) -> None:
    statuses = await _guesses(behind_proxy, 10, forwarded=True)

    assert statuses == [401] * 10  # ten clients behind the proxy, one guess each
    assert _logins(behind_proxy, "failure") == 10
