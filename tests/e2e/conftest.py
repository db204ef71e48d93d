"""The whole product on its embedded defaults: SQLite, the KIS simulator in-process reached
through the real `KisBroker`, the demo user and strategy — as `hantu serve` runs it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from hantu.adapters.passwords import PasswordHashing
from hantu.config import Settings
from hantu.entrypoints.web.app import create_app
from hantu.entrypoints.web.runtime import Runtime
from tests.e2e.browser_support import browser, page  # noqa: F401 - fixtures for every module
from tests.integration.web.server import ServerThread


def embedded_settings(data_dir: Path) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]


@pytest.fixture
async def embedded(tmp_path: Path) -> AsyncIterator[tuple[FastAPI, Runtime, httpx.AsyncClient]]:
    app = create_app(
        embedded_settings(tmp_path), hasher=PasswordHashing(time_cost=1, memory_cost=8)
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield app, app.state.runtime, client


@pytest.fixture
def embedded_server(tmp_path: Path) -> Iterator[ServerThread]:
    server = ServerThread(
        embedded_settings(tmp_path), {"hasher": PasswordHashing(time_cost=1, memory_cost=8)}
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()
