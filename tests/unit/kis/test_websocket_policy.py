"""Reconnect policy, subscription limit and sleep state of the realtime loop (FakeClock).

The socket opener is the one injected seam: here it always fails, as a network would, so
the policy can be checked without the simulator; the contract tests drive the real socket.
"""

from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.server import ServerConnection, serve

from hantu.adapters.kis.errors import AppKeyInUse, SubscriptionLimitExceeded
from hantu.adapters.kis.realtime_types import RealtimeHandlers, State
from hantu.adapters.kis.reconnect import (
    SLEEP_RETRY_SECONDS,
    Verdict,
    default_classify,
    default_delays,
)
from hantu.adapters.kis.websocket import MAX_SUBSCRIPTIONS, KisRealtimeClient
from hantu.errors import BrokerAuthError, BrokerUnreachable, ConfigError
from tests.fakes import FakeClock, ParkingClock


class _Keys:
    async def approval_key(self) -> str:
        return "a" * 36

    def forget_approval_key(self) -> None:
        pass


async def _refuse(url: str) -> ClientConnection:
    raise ConnectionRefusedError(f"refused {url}")


def _client(clock: FakeClock, handlers: RealtimeHandlers) -> KisRealtimeClient:
    return KisRealtimeClient("ws://127.0.0.1:9", _Keys(), clock, handlers, open_socket=_refuse)


def _state(client: KisRealtimeClient) -> State:
    return client.state


def test_default_delays_are_1_2_4_8_16() -> None:
    assert list(default_delays()) == [1.0, 2.0, 4.0, 8.0, 16.0]


@pytest.mark.parametrize(
    ("exc", "verdict"),
    [
        (ConnectionRefusedError(), Verdict.RETRY),
        (TimeoutError(), Verdict.RETRY),
        (BrokerUnreachable("x"), Verdict.RETRY),
        (BrokerAuthError("x"), Verdict.FATAL),
        (ConfigError("x"), Verdict.FATAL),
        (AppKeyInUse(), Verdict.RETRY),  # maybe our own dropped session: retry, then sleep
        (KeyError("bug"), Verdict.FATAL),
    ],
)
def test_default_classify(exc: BaseException, verdict: Verdict) -> None:
    assert default_classify(exc) is verdict


def test_subscribe_beyond_41_raises_clear_error() -> None:
    client = _client(FakeClock(), RealtimeHandlers())
    for n in range(MAX_SUBSCRIPTIONS):
        client.subscribe("H0STCNT0", f"{n:06d}")

    with pytest.raises(SubscriptionLimitExceeded, match="41"):
        client.subscribe("H0STCNT0", "999999")
    assert len(client.subscriptions) == MAX_SUBSCRIPTIONS


def test_subscribe_same_pair_twice_takes_one_slot() -> None:
    client = _client(FakeClock(), RealtimeHandlers())

    client.subscribe("H0STCNT0", "005930")
    client.subscribe("H0STCNT0", "005930")
    client.unsubscribe("H0STASP0", "005930")

    assert len(client.subscriptions) == 1


async def _parked(clock: ParkingClock, client: KisRealtimeClient) -> None:
    for _ in range(200):
        await asyncio.sleep(0)
        if clock.parked and client.state is State.SLEEPING:
            return
    raise AssertionError(f"never parked in the sleep state ({client.state})")


async def test_refused_connections_back_off_then_sleep_and_report() -> None:
    clock = ParkingClock(park=SLEEP_RETRY_SECONDS)
    slept_reasons: list[str] = []
    client = _client(clock, RealtimeHandlers(on_sleep=slept_reasons.append))
    task = asyncio.create_task(client.run())

    await _parked(clock, client)

    assert _state(client) is State.SLEEPING
    assert clock.slept == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert len(slept_reasons) == 1
    await client.close()
    await task
    assert _state(client) is State.CLOSED


async def test_sleep_state_retries_every_five_minutes_and_reports_once() -> None:
    attempts: list[str] = []

    async def refuse(url: str) -> ClientConnection:
        attempts.append(url)
        raise ConnectionRefusedError(url)

    clock = ParkingClock(park=SLEEP_RETRY_SECONDS)
    reasons: list[str] = []
    handlers = RealtimeHandlers(on_sleep=reasons.append)
    client = KisRealtimeClient("ws://127.0.0.1:9", _Keys(), clock, handlers, open_socket=refuse)
    task = asyncio.create_task(client.run())
    await _parked(clock, client)
    assert len(attempts) == 6  # the first try and five back-off steps

    for tries in (7, 8):
        clock.unpark()
        await _parked(clock, client)
        assert len(attempts) == tries  # one slow retry per wait, no new back-off burst

    assert clock.slept == [1.0, 2.0, 4.0, 8.0, 16.0, 300.0, 300.0]
    assert len(reasons) == 1
    await client.close()
    await task


async def test_wake_from_sleep_starts_a_fresh_backoff() -> None:
    clock = ParkingClock(park=SLEEP_RETRY_SECONDS)
    client = _client(clock, RealtimeHandlers())
    task = asyncio.create_task(client.run())
    await _parked(clock, client)

    client.wake()
    for _ in range(200):
        await asyncio.sleep(0)
        if len(clock.slept) >= 10:
            break
    await _parked(clock, client)

    assert clock.slept == [1.0, 2.0, 4.0, 8.0, 16.0] * 2
    await client.close()
    await task


async def test_fatal_error_ends_the_loop() -> None:
    class _BadKeys(_Keys):
        async def approval_key(self) -> str:
            raise BrokerAuthError("invalid app key", code="EGW00103")

    reasons: list[str] = []
    handlers = RealtimeHandlers(on_sleep=reasons.append)
    client = KisRealtimeClient("ws://127.0.0.1:9", _BadKeys(), FakeClock(), handlers)

    with pytest.raises(BrokerAuthError):
        await client.run()
    assert client.state is State.CLOSED
    assert len(reasons) == 1
    assert "EGW00103" in reasons[0]


async def test_sessions_cut_before_any_ack_back_off_then_sleep() -> None:
    # KIS cuts a session it will not serve (a wrong HTS ID, reference §6.4) right after the
    # handshake; an opened socket is no success, so the back-off must not start over.
    async def cut(conn: ServerConnection) -> None:
        await conn.close(1000, "no")

    clock = ParkingClock(park=SLEEP_RETRY_SECONDS)
    reasons: list[str] = []
    async with serve(cut, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        handlers = RealtimeHandlers(on_sleep=reasons.append)
        client = KisRealtimeClient(f"ws://127.0.0.1:{port}", _Keys(), clock, handlers)
        client.subscribe("H0STCNT0", "005930")
        task = asyncio.create_task(client.run())
        for _ in range(500):
            await asyncio.sleep(0.01)
            if clock.parked:
                break

        assert _state(client) is State.SLEEPING
        assert clock.slept == [1.0, 2.0, 4.0, 8.0, 16.0]
        assert client.connections == 6
        assert len(reasons) == 1
        await client.close()
        await task
