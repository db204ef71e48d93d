"""Live pages across runtimes on PostgreSQL: two servers over one database, each its own
application (bus, feed, LISTEN/NOTIFY channel), as a web process and a worker would be."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from hantu.adapters.db.live_channel import APPLICATION_NAME
from tests.integration.web.live_support import LiveServer, live_server

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])  # SQLite: one process


@pytest.fixture
async def pair(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[LiveServer, LiveServer]]:
    first = live_server(database_url, tmp_path)  # the same data dir: the same secret key
    second = live_server(database_url, tmp_path)
    try:
        for server in (first, second):
            await _listening(server)
        yield first, second
    finally:
        for server in (first, second):
            await server.close()
            server.server.stop()


async def _listening(server: LiveServer) -> None:
    runtime = server.server.runtime
    assert runtime is not None
    channel = runtime.app.live_channel
    assert channel is not None
    for _ in range(250):
        if channel.listening.is_set():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the live channel never listened")


async def test_an_order_placed_through_another_runtime_reaches_this_ones_stream(
    pair: tuple[LiveServer, LiveServer],
) -> None:
    web, worker = pair
    alice, bob = await web.trader("alice"), await web.trader("bob")
    async with alice.stream() as a_stream, bob.stream() as b_stream:
        await a_stream.until("ready")
        await b_stream.until("ready")
        loop = asyncio.get_running_loop()
        started = loop.time()
        answer = await worker.webhook(alice.token)  # placed by the other runtime
        assert answer.status_code == 200, answer.text
        created = await a_stream.next(seconds=1.0)
        assert loop.time() - started < 1.0
        assert created.data["topic"] == "order"
        assert created.data["kind"] == "created"
        assert created.data["symbol"] == "005930"
        assert created.data["status"] == "NEW"
        order_id = created.data["order_id"]
        shown = await alice.client.get(f"/api/orders/{order_id}")  # what a page re-reads
        assert shown.status_code == 200, shown.text
        sent = await a_stream.next(seconds=1.0)
        assert sent.data == {
            "topic": "order",
            "kind": "sent",
            "order_id": order_id,
            "symbol": "005930",
            "status": "SENT",
        }
        assert created.id is not None
        assert created.id.startswith(web.feed.epoch)  # this feed's numbering, not the worker's
        assert await b_stream.nothing_for(0.5)  # still only the owner hears it


async def test_an_order_placed_here_is_heard_once_not_again_through_postgresql(
    pair: tuple[LiveServer, LiveServer],
) -> None:
    web, _worker = pair
    alice = await web.trader("alice")
    async with alice.stream() as stream:
        await stream.until("ready")
        answer = await web.webhook(alice.token)
        assert answer.status_code == 200, answer.text
        kinds = [(await stream.next(seconds=1.0)).data["kind"] for _ in range(2)]
        assert kinds == ["created", "sent"]
        assert await stream.nothing_for(0.7)  # our own NOTIFY came back and was dropped
    assert web.server.runtime is not None
    channel = web.server.runtime.app.live_channel
    assert channel is not None
    assert channel.sent >= 1  # it did go out, for the others


async def test_a_lost_channel_connection_tells_open_pages_to_resync(
    pair: tuple[LiveServer, LiveServer], database_url: str
) -> None:
    web, _worker = pair
    alice = await web.trader("alice")
    epoch = web.feed.epoch
    async with alice.stream() as stream:
        await stream.until("ready")
        dsn = database_url.replace("postgresql+asyncpg", "postgresql")
        admin = await asyncpg.connect(dsn)
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = $1 AND datname = current_database()",
                APPLICATION_NAME,
            )
        finally:
            await admin.close()
        assert killed == 2
        resync = await stream.until("resync", seconds=5.0)  # reconnect delay is 1 s
        assert web.feed.epoch != epoch
        assert resync.id == web.feed.latest_id
    await _listening(web)
