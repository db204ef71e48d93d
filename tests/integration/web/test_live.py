"""`GET /api/v1/live` over a real socket: per-user notices, catch-up, resync, cleanup."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from hantu import messages_ko as ko
from hantu.domain.events import FailedOrderRemoved
from hantu.domain.values import StrategyAccountId
from tests.inprocess_broker import Accept, Refuse
from tests.integration.web.live_support import LiveServer, Sse, SseReader, Trader, live_server


@pytest.fixture
async def live(database_url: str, tmp_path: Path) -> AsyncIterator[LiveServer]:
    running = live_server(database_url, tmp_path)
    try:
        yield running
    finally:
        await running.close()
        running.server.stop()


def _removed(live: LiveServer, trader: Trader, count: int) -> None:
    """Publish `count` notices for the trader straight on the bus (no database rows)."""
    runtime = live.server.runtime
    assert runtime is not None
    assert runtime.state.bus is not None
    bus, now = runtime.state.bus, runtime.state.clock.now()
    account = StrategyAccountId(trader.strategy_account_id)
    events = [
        FailedOrderRemoved(failed_order_id=n + 1, strategy_account_id=account, occurred_at=now)
        for n in range(count)
    ]
    live.server.loop.call_soon_threadsafe(bus.publish, events)  # type: ignore[union-attr]


async def _eventually(check: Callable[[], bool], seconds: float = 3.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not within the time allowed")


async def _until_subscribers(live: LiveServer, count: int) -> int:
    await _eventually(lambda: live.feed.subscribers == count)
    return live.feed.subscribers


_PARTS = ("RequestResponseCycle.run_asgi", "TaskHandle._run_coro")  # uvicorn's, sse's (anyio)


def _stream_tasks(live: LiveServer) -> int:
    """Tasks of the server's loop still serving a request or a part of an SSE response."""

    async def count() -> int:
        tasks = asyncio.all_tasks()
        return sum(any(part in repr(task.get_coro()) for part in _PARTS) for task in tasks)

    return live.server.run(count)


async def test_live_webhook_order_reaches_its_owner_only(live: LiveServer) -> None:
    alice, bob = await live.trader("alice"), await live.trader("bob")
    async with alice.stream() as a_stream, bob.stream() as b_stream:
        ready = await a_stream.until("ready")
        assert ready.id == live.feed.latest_id
        assert a_stream.retry == 1000
        await b_stream.until("ready")
        loop = asyncio.get_running_loop()
        started = loop.time()
        answer = await live.webhook(alice.token)
        assert answer.status_code == 200, answer.text
        created = await a_stream.next(seconds=1.0)
        assert loop.time() - started < 1.0
        assert created.event == "message"
        assert created.data["topic"] == "order"
        assert created.data["kind"] == "created"
        assert created.data["symbol"] == "005930"
        assert created.data["status"] == "NEW"
        order_id = created.data["order_id"]
        sent = await a_stream.next(seconds=1.0)
        assert sent.data == {
            "topic": "order",
            "kind": "sent",
            "order_id": order_id,
            "symbol": "005930",
            "status": "SENT",
        }
        assert await b_stream.nothing_for(0.5)


async def test_live_last_event_id_replays_what_was_missed(live: LiveServer) -> None:
    alice, bob = await live.trader("alice"), await live.trader("bob")
    async with alice.stream() as stream:
        seen = (await stream.until("ready")).id
    assert seen is not None
    assert (await live.webhook(bob.token)).status_code == 200  # not alice's: never replayed
    assert (await live.webhook(alice.token, quantity="2")).status_code == 200
    async with alice.stream(**{"Last-Event-ID": seen}) as stream:
        kinds = [(await stream.next()).data.get("kind") for _ in range(3)]
        assert kinds == ["created", "sent", None]  # None: the closing `ready`
    async with alice.client.stream("GET", f"/api/v1/live?last_event_id={seen}") as response:
        assert response.status_code == 200


async def test_live_gap_older_than_the_ring_resyncs(live: LiveServer) -> None:
    alice = await live.trader("alice")
    async with alice.stream() as stream:
        seen = (await stream.until("ready")).id
    assert seen is not None
    _removed(live, alice, live.feed.ring_size + 1)
    await _eventually(lambda: live.feed.latest_id != seen)
    async with alice.stream(**{"Last-Event-ID": seen}) as stream:
        resync = await stream.next()
        assert resync.event == "resync"
        assert resync.data["reason"] == "gap"
        assert resync.id == live.feed.latest_id


async def test_live_id_from_another_server_life_resyncs(live: LiveServer) -> None:
    alice = await live.trader("alice")
    async with alice.stream(**{"Last-Event-ID": "0.5"}) as stream:
        assert (await stream.next()).event == "resync"


async def test_live_recent_failed_order_change_replays_not_resyncs(live: LiveServer) -> None:
    alice = await live.trader("alice")
    async with alice.stream() as stream:
        await stream.until("ready")
        _removed(live, alice, 1)
        removed = await stream.next()
    assert removed.data == {"topic": "failed_order", "kind": "removed", "failed_order_id": 1}


async def test_live_slow_client_is_told_to_resync(live: LiveServer) -> None:
    alice = await live.trader("alice")
    async with alice.stream() as stream:
        await stream.until("ready")
        _removed(live, alice, live.feed.queue_size + 10)  # faster than the stream can drain
        resync = await stream.until("resync", seconds=5)
    assert resync.data["reason"] == "overflow"


async def test_live_account_linked_after_connect_is_heard(live: LiveServer) -> None:
    alice = await live.trader("alice")
    async with alice.stream() as stream:
        await stream.until("ready")
        token = await live.second_strategy(alice)
        assert (await live.webhook(token)).status_code == 200
        assert (await stream.next()).data["kind"] == "created"


async def test_live_stream_ends_once_signed_out(live: LiveServer) -> None:
    alice, bob = await live.trader("alice"), await live.trader("bob")
    async with alice.stream() as stream:
        await stream.until("ready")
        csrf = {"X-CSRF-Token": await _csrf(alice)}
        assert (await alice.client.post("/logout", headers=csrf)).status_code == 303
        assert (await live.webhook(bob.token)).status_code == 200  # makes alice's look again
        with pytest.raises(EOFError):
            await stream.next()
    assert await _until_subscribers(live, 0) == 0


async def test_live_without_login_answers_401(live: LiveServer) -> None:
    response = await live.client().get("/api/v1/live")
    assert response.status_code == 401
    assert response.json()["error"] == ko.LOGIN_REQUIRED


async def test_live_client_disconnect_frees_its_subscription(live: LiveServer) -> None:
    alice = await live.trader("alice")
    async with alice.stream() as first, alice.stream() as second:
        await first.until("ready")
        await second.until("ready")
        assert live.feed.subscribers == 2
        assert _stream_tasks(live) >= 2 * 4  # each: a request, its stream, ping, two watchers
    assert await _until_subscribers(live, 0) == 0
    # A socket dropped without a goodbye is noticed too.
    raw = httpx.AsyncClient(base_url=live.server.base_url, cookies=alice.client.cookies)
    response = await raw.send(raw.build_request("GET", "/api/v1/live"), stream=True)
    assert response.status_code == 200
    assert await _until_subscribers(live, 1) == 1
    await raw.aclose()
    assert await _until_subscribers(live, 0) == 0
    await _eventually(lambda: _stream_tasks(live) == 0)


async def test_live_fill_tells_fill_and_position(live: LiveServer) -> None:
    alice = await live.trader("alice")
    async with alice.stream() as stream:
        await stream.until("ready")
        live.broker.script(Accept(fill_quantity=1))
        assert (await live.webhook(alice.token)).status_code == 200
        topics = set()
        async with asyncio.timeout(3):
            while not {"fill", "position"} <= topics:
                topics.add((await stream.next(3)).data["topic"])


async def test_live_failed_order_saved_retried_and_removed(live: LiveServer) -> None:
    alice = await live.trader("alice")
    csrf = {"X-CSRF-Token": await _csrf(alice)}
    async with alice.stream() as stream:
        await stream.until("ready")
        live.broker.script(Refuse(), Refuse())
        assert (await live.webhook(alice.token)).status_code == 400
        saved = await _next_of(stream, "failed_order")
        assert saved.data["kind"] == "saved"
        failed_id = saved.data["failed_order_id"]
        retried = await alice.client.post(f"/api/failed-orders/{failed_id}/retry", headers=csrf)
        assert retried.status_code == 400, retried.text
        again = await _next_of(stream, "failed_order")
        assert (again.data["kind"], again.data["failed_order_id"]) == ("retried", failed_id)
        removed = await alice.client.delete(f"/api/failed-orders/{failed_id}", headers=csrf)
        assert removed.status_code == 200
        gone = await _next_of(stream, "failed_order", kind="removed")
        assert gone.data["failed_order_id"] == failed_id


async def _csrf(trader: Trader) -> str:
    page = await trader.client.get("/positions")
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
    assert found
    return found.group(1)


async def _next_of(stream: SseReader, topic: str, kind: str | None = None) -> Sse:
    async with asyncio.timeout(3):
        while True:
            found = await stream.next(3)
            if found.data.get("topic") == topic and kind in (None, found.data.get("kind")):
                return found
