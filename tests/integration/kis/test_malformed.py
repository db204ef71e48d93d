"""A KIS that misbehaves: malformed frames are logged and skipped, never fatal.

The simulator only speaks correctly, so a small `websockets` server on loopback plays a
KIS that sends garbage between good frames.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from websockets.asyncio.server import ServerConnection, serve

from hantu.adapters.kis.dispatch import MAX_FRAME_BYTES
from hantu.adapters.kis.realtime import DropKind
from hantu.adapters.kis.realtime_types import RealtimeHandlers, State
from hantu.adapters.kis.websocket import KisRealtimeClient
from hantu.service_layer.ports import Tick
from tests.fakes import FakeClock
from tests.unit.kis.frames import data_frame, trade_record

from .waiting import eventually

PING = '{"header":{"tr_id":"PINGPONG","datetime":"20261120093000"}}'
GARBAGE = [
    "hello",
    "0|H0STCNT0|002|" + "^".join(trade_record()),  # says two records, carries one
    "0|H0STCNT0|abc|x",
    "1|H0STCNI0|001|bm90IGEgbm90aWNl",  # encrypted notice before any key
    "{not json",
    "[1, 2]",
    "0|H0STCNT0|001|" + "^".join(trade_record(price="not-a-price")),
]


class BadKis:
    """Acks every subscription, then sends garbage, a PINGPONG and one good trade."""

    def __init__(self) -> None:
        self.echoes: list[str] = []

    async def handler(self, ws: ServerConnection) -> None:
        async for message in ws:
            request = json.loads(message)
            if "body" not in request:
                self.echoes.append(str(message))
                continue
            tr = request["body"]["input"]
            ack = {
                "header": {"tr_id": tr["tr_id"], "tr_key": tr["tr_key"], "encrypt": "N"},
                "body": {"rt_cd": "0", "msg_cd": "OPSP0000", "msg1": "SUBSCRIBE SUCCESS"},
            }
            await ws.send(json.dumps(ack))
            for frame in GARBAGE:
                await ws.send(frame)
            await ws.send(b"\xff\xfe binary")
            await ws.send(PING)
            await ws.send(data_frame("H0STCNT0", [trade_record(price="71200")]))


class _Keys:
    async def approval_key(self) -> str:
        return "a" * 36

    def forget_approval_key(self) -> None:
        pass


@pytest.fixture
async def bad_kis() -> AsyncIterator[tuple[BadKis, str]]:
    kis = BadKis()
    async with serve(kis.handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield kis, f"ws://127.0.0.1:{port}"


async def test_malformed_frames_are_skipped_and_the_session_lives_on(
    bad_kis: tuple[BadKis, str],
) -> None:
    kis, url = bad_kis
    ticks: list[Tick] = []
    client = KisRealtimeClient(url, _Keys(), FakeClock(), RealtimeHandlers(on_tick=ticks.append))
    client.subscribe("H0STCNT0", "005930")
    task = asyncio.create_task(client.run())

    await eventually(lambda: bool(ticks) and bool(kis.echoes))

    assert [t.price for t in ticks] == [Decimal(71200)]
    assert client.malformed == len(GARBAGE) + 1  # + the binary frame
    assert kis.echoes == [PING]  # PINGPONG echoed verbatim
    assert client.connections == 1
    assert client.state is State.CONNECTED
    await client.close()
    await task


async def test_a_failing_callback_does_not_stop_the_stream(
    bad_kis: tuple[BadKis, str],
) -> None:
    _, url = bad_kis
    seen: list[Tick] = []

    def explode(tick: Tick) -> None:
        seen.append(tick)
        raise RuntimeError("a bug in the monitor")

    client = KisRealtimeClient(url, _Keys(), FakeClock(), RealtimeHandlers(on_tick=explode))
    client.subscribe("H0STCNT0", "005930")
    task = asyncio.create_task(client.run())

    await eventually(lambda: bool(seen))
    await asyncio.sleep(0.05)

    assert client.state is State.CONNECTED
    await client.close()
    await task


HOSTILE: list[tuple[str | bytes, DropKind]] = [
    ('{"header":' + "[" * 100_000, DropKind.NESTING),  # RecursionError in json.loads
    ("0|H0STCNT0|001|" + "9" * (MAX_FRAME_BYTES + 1), DropKind.OVERSIZED),
    ("0|H0STCNT0|001|", DropKind.TRUNCATED),
    ("0|H9ZZZZZ0|001|" + "^".join(trade_record()), DropKind.UNKNOWN_TR),
    ("0|H0STCNT0|001|" + "^".join(trade_record()[:45]), DropKind.FIELD_COUNT),
]


async def test_frames_that_used_to_close_the_client_are_dropped_and_counted() -> None:
    async def handler(ws: ServerConnection) -> None:
        async for _ in ws:
            ack = {"header": {"tr_id": "H0STCNT0", "tr_key": "005930"}, "body": {"rt_cd": "0"}}
            await ws.send(json.dumps(ack))
            for frame, _kind in HOSTILE:
                await ws.send(frame)
            await ws.send(b"0|H0STCNT0|001|\xff\xfe", text=True)  # a text frame, not UTF-8
            await ws.send(data_frame("H0STCNT0", [trade_record(price="71300")]))

    ticks: list[Tick] = []
    async with serve(handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        handlers = RealtimeHandlers(on_tick=ticks.append)
        client = KisRealtimeClient(f"ws://127.0.0.1:{port}", _Keys(), FakeClock(), handlers)
        client.subscribe("H0STCNT0", "005930")
        task = asyncio.create_task(client.run())

        await eventually(lambda: bool(ticks))

        assert [t.price for t in ticks] == [Decimal(71300)]
        expected = Counter(kind for _, kind in HOSTILE)
        expected[DropKind.ENCODING] += 1
        assert client.dropped == dict(expected)
        assert client.connections == 1
        assert client.state is State.CONNECTED
        await client.close()
        await task
