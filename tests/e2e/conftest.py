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
from hantu.entrypoints.web.settings import WebSettings
from tests.integration.web.server import ServerThread


def embedded_settings(data_dir: Path) -> tuple[Settings, WebSettings]:
    settings = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]
    return settings, WebSettings(_env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def embedded(tmp_path: Path) -> AsyncIterator[tuple[FastAPI, Runtime, httpx.AsyncClient]]:
    settings, web_settings = embedded_settings(tmp_path)
    app = create_app(
        settings, web_settings=web_settings, hasher=PasswordHashing(time_cost=1, memory_cost=8)
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield app, app.state.runtime, client


@pytest.fixture
def embedded_server(tmp_path: Path) -> Iterator[ServerThread]:
    settings, web_settings = embedded_settings(tmp_path)
    server = ServerThread(
        settings, web_settings, {"hasher": PasswordHashing(time_cost=1, memory_cost=8)}
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()
