"""A KIS that sends hostile frames between good ones, over a local `websockets` server.

The simulator only speaks correctly; this server acks subscriptions as KIS does (notice
acks carry AES key/iv), then plays a script of frames and a final sentinel trade. Every
good frame must arrive, every hostile one must be counted once, and the session must live.
"""

from __future__ import annotations

import asyncio
import json
import logging
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.server import ServerConnection, serve

from hantu.adapters.kis.dispatch import MAX_FRAME_BYTES
from hantu.adapters.kis.realtime import DropKind, ExecutionNotice
from hantu.adapters.kis.realtime_types import RealtimeHandlers, State
from hantu.adapters.kis.websocket import KisRealtimeClient
from hantu.service_layer.ports import Tick
from tests.fakes import FakeClock
from tests.unit.kis.frames import (
    data_frame,
    encrypted_notice_frame,
    full_trade_record,
    notice_record,
)

from .waiting import eventually

HTS_ID = "htsuser"
KEY, IV = "K" * 32, "V" * 16
SENTINEL_PRICE = "99900"
Frame = str | bytes | tuple[bytes, bool]  # text, binary, or (bytes, as a text frame)


class _Keys:
    async def approval_key(self) -> str:
        return "a" * 36

    def forget_approval_key(self) -> None:
        pass


def _ack(tr_id: str, tr_key: str, msg1: str, keys: tuple[str, str] | None = None) -> str:
    body: dict[str, object] = {"rt_cd": "0", "msg_cd": "OPSP0000", "msg1": msg1}
    if keys is not None:
        body["output"] = {"key": keys[0], "iv": keys[1]}
    return json.dumps({"header": {"tr_id": tr_id, "tr_key": tr_key}, "body": body})


@dataclass
class ScriptedKis:
    """Acks (un)subscriptions; once trades and notices are both on, plays `script` once."""

    script: Sequence[Frame]
    notice_keys: list[tuple[str, str]] = field(default_factory=lambda: [(KEY, IV)])  # per ack
    requests: list[tuple[str, str]] = field(default_factory=list)
    _on: set[str] = field(default_factory=set)
    _played: bool = False

    async def handler(self, ws: ServerConnection) -> None:
        async for message in ws:
            request = json.loads(message)
            tr_type = request["header"]["tr_type"]
            tr = request["body"]["input"]
            self.requests.append((tr_type, tr["tr_id"]))
            if tr_type == "2":
                self._on.discard(tr["tr_id"])
                await ws.send(_ack(tr["tr_id"], tr["tr_key"], "UNSUBSCRIBE SUCCESS"))
                continue
            self._on.add(tr["tr_id"])
            keys = self.notice_keys.pop(0) if tr["tr_id"] == "H0STCNI0" else None
            await ws.send(_ack(tr["tr_id"], tr["tr_key"], "SUBSCRIBE SUCCESS", keys))
            ready = self._on == {"H0STCNT0", "H0STCNI0"} and not self.notice_keys
            if ready and not self._played:
                self._played = True
                await self._play(ws)

    async def _play(self, ws: ServerConnection) -> None:
        for frame in self.script:
            if isinstance(frame, tuple):
                await ws.send(frame[0], text=frame[1])
            else:
                await ws.send(frame)
        await ws.send(data_frame("H0STCNT0", [full_trade_record(price=SENTINEL_PRICE)]))


@dataclass
class Received:
    ticks: list[Tick] = field(default_factory=list)
    notices: list[ExecutionNotice] = field(default_factory=list)

    def handlers(self) -> RealtimeHandlers:
        return RealtimeHandlers(on_tick=self.ticks.append, on_notice=self.notices.append)

    def done(self) -> bool:
        return any(t.price == Decimal(SENTINEL_PRICE) for t in self.ticks)


async def _play(kis: ScriptedKis) -> tuple[Received, KisRealtimeClient]:
    """Run a client against the scripted KIS until the sentinel arrives."""
    received = Received()
    async with serve(kis.handler, "127.0.0.1", 0, max_size=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        client = KisRealtimeClient(
            f"ws://127.0.0.1:{port}", _Keys(), FakeClock(), received.handlers()
        )
        client.subscribe("H0STCNT0", "005930")
        client.subscribe("H0STCNI0", HTS_ID)
        task = asyncio.create_task(client.run())
        try:
            await eventually(received.done, within=20.0)
            assert client.connections == 1
            assert client.state is State.CONNECTED
        finally:
            await client.close()
            await task
    return received, client


def _notice(order_no: str, keys: tuple[str, str] = (KEY, IV)) -> str:
    return encrypted_notice_frame([notice_record(order_no=order_no)], *keys)


async def test_stray_ack_with_wrong_sized_key_is_refused_and_the_old_key_kept() -> None:
    stray = _ack("H0STCNI0", HTS_ID, "SUBSCRIBE SUCCESS", ("short", IV))
    kis = ScriptedKis([_notice("1"), stray, _notice("2")])

    received, client = await _play(kis)

    assert [n.order_no for n in received.notices] == ["1", "2"]
    assert client.dropped == {DropKind.BAD_KEY: 1}


async def test_first_ack_with_wrong_sized_key_is_refused_and_subscribed_afresh() -> None:
    fresh = ("F" * 32, "G" * 16)
    kis = ScriptedKis([_notice("7", fresh)], notice_keys=[("k" * 31, IV), fresh])

    received, client = await _play(kis)

    assert [n.order_no for n in received.notices] == ["7"]
    notice_requests = [tr_type for tr_type, tr_id in kis.requests if tr_id == "H0STCNI0"]
    assert notice_requests == ["1", "2", "1"]  # refused, unsubscribed, subscribed again
    assert client.dropped == {DropKind.BAD_KEY: 1}


# --- fuzz --------------------------------------------------------------------------------

_KNOWN_TRS = {"H0STCNT0", "H0STCNI0", "H0STASP0", "H0STMKO0", "H0STCNI9"}
_GOOD_FRAME = data_frame("H0STCNT0", [full_trade_record()] * 2)
_LAST_FIELD = _GOOD_FRAME.rindex("^")

_hostile: st.SearchStrategy[Frame] = st.one_of(
    st.integers(1_000, 100_000).map(lambda n: '{"header":' + "[" * n),
    st.integers(1_000, 50_000).map(lambda n: '{"a":' * n),
    st.integers(1, 4096).map(lambda n: "0|H0STCNT0|001|" + "9" * (MAX_FRAME_BYTES + n)),
    st.integers(0, _LAST_FIELD - 1).map(lambda n: _GOOD_FRAME[:n]),  # truncated
    st.just("0|H0STCNT0|001|"),
    st.text(string.ascii_uppercase + string.digits, min_size=1, max_size=10)
    .filter(lambda tr: tr not in _KNOWN_TRS)
    .map(lambda tr: f"0|{tr}|001|" + "^".join(full_trade_record())),
    st.integers(1, 45).map(lambda n: "0|H0STCNT0|001|" + "^".join(full_trade_record()[n:])),
    st.integers(2, 9).map(lambda n: f"0|H0STCNT0|00{n}|" + "^".join(full_trade_record())),
    st.text(min_size=1, max_size=200).map(lambda t: "1|H0STCNI0|001|" + t),  # bad base64
    st.just(_notice("9", ("W" * 32, IV))),  # another key: does not decrypt
    st.binary(max_size=300),  # binary frames
    st.binary(max_size=100).map(lambda b: (b"0|H0STCNT0|001|\xff" + b, True)),  # not UTF-8
    st.text(max_size=300).filter(lambda t: t[:1] not in ("0", "1", "{")),
    st.just(_ack("H0STCNI0", HTS_ID, "SUBSCRIBE SUCCESS", ("k" * 16, "v" * 3))),
)


@dataclass(frozen=True)
class Script:
    frames: list[Frame]
    hostile: int
    prices: list[str]  # of the good trades, in order
    notices: int  # good notices, numbered 0, 1, …


@st.composite
def _scripts(draw: st.DrawFn) -> Script:
    """Hostile frames interleaved with good trades (1-3 records a frame) and notices."""
    frames: list[Frame] = []
    hostile = 0
    prices: list[str] = []
    rounds = draw(st.integers(1, 12))
    for n in range(rounds):
        bad = draw(st.lists(_hostile, min_size=1, max_size=4))
        frames += bad
        hostile += len(bad)
        batch = [str(70000 + 100 * (3 * n + i)) for i in range(draw(st.integers(1, 3)))]
        prices += batch
        frames.append(data_frame("H0STCNT0", [full_trade_record(price=p) for p in batch]))
        frames.append(_notice(str(n)))
    return Script(frames, hostile, prices, rounds)


FUZZ_SENT = {"examples": 0, "hostile": 0, "good": 0}


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(script=_scripts())
def test_fuzz_hostile_frames_between_good_ones_never_cost_a_good_frame(script: Script) -> None:
    received, client = asyncio.run(_play(ScriptedKis(script.frames)))

    assert [t.price for t in received.ticks] == [Decimal(p) for p in script.prices] + [
        Decimal(SENTINEL_PRICE)
    ]
    assert [n.order_no for n in received.notices] == [str(n) for n in range(script.notices)]
    assert client.malformed == script.hostile  # each hostile frame dropped, and counted once
    FUZZ_SENT["examples"] += 1
    FUZZ_SENT["hostile"] += script.hostile
    FUZZ_SENT["good"] += len(script.frames) - script.hostile + 1  # + the sentinel


async def test_drops_are_logged_once_per_kind_with_the_masked_head(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "S3cretApprovalKeyValue0123456789"
    nested = '{"approval_key":"' + secret + '","h":' + "[" * 5_000
    kis = ScriptedKis([nested, "0|H0STCNT0|001|", nested, "0|H0STCNT0|001|", "0|H0STCNT0|001|"])

    with caplog.at_level(logging.WARNING, logger="hantu.adapters.kis.dispatch"):
        _, client = await _play(kis)

    assert client.dropped == {DropKind.NESTING: 2, DropKind.TRUNCATED: 3}
    logged = [r.getMessage() for r in caplog.records if r.name == "hantu.adapters.kis.dispatch"]
    assert len(logged) == 2
    assert "(nesting)" in logged[0]
    assert "approval_key" in logged[0]
    assert secret not in caplog.text
    assert "0|H0STCNT0|001|" in logged[1]
