"""Contract: the realtime client against the simulator's WebSocket over loopback.

The client runs on a FakeClock, so subscription pacing and reconnect back-off do not
really wait; the simulator keeps the real clock.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

from hantu.adapters.kis.broker import KisBroker
from hantu.adapters.kis.realtime import MarketStatus
from hantu.adapters.kis.realtime_types import RealtimeHandlers, State, Subscription
from hantu.adapters.kis.reconnect import SLEEP_RETRY_SECONDS
from hantu.adapters.kis.websocket import KisRealtimeClient
from hantu.domain.enums import OrderType, Side
from hantu.domain.reports import FillNotice
from hantu.domain.values import Price, Quantity, Symbol
from hantu.service_layer.ports import BrokerOrder, Tick
from tests.fakes import FakeClock, ParkingClock
from tests.fixtures.kis_simulator import KisSimHandle, MakeKisSim

from .conftest import MakeBroker
from .waiting import eventually

SAMSUNG = Symbol("005930")


def _realtime(broker: KisBroker) -> KisRealtimeClient:
    assert broker.realtime is not None
    return broker.realtime


def _notice_sub(sim: KisSimHandle) -> Subscription:
    return Subscription("H0STCNI0", sim.hts_id)


async def _next_fill(stream: object) -> FillNotice:
    return await asyncio.wait_for(stream.__anext__(), 5.0)  # type: ignore[attr-defined]


async def _samsung_streaming(
    sim: KisSimHandle, make_broker: MakeBroker, handlers: RealtimeHandlers
) -> tuple[KisBroker, KisRealtimeClient]:
    """A started broker on a FakeClock whose 005930 trades KIS has acked."""
    broker = make_broker(sim, FakeClock(), handlers=handlers)
    client = _realtime(broker)
    client.subscribe("H0STCNT0", "005930")
    broker.start()
    await eventually(lambda: Subscription("H0STCNT0", "005930") in client.acknowledged)
    return broker, client


async def test_trades_arrive_as_typed_ticks(kis_sim: KisSimHandle, make_broker: MakeBroker) -> None:
    ticks: list[Tick] = []
    await _samsung_streaming(kis_sim, make_broker, RealtimeHandlers(on_tick=ticks.append))

    kis_sim.feed.set_price("005930", 71500, qty=7)

    await eventually(lambda: bool(ticks))
    assert ticks[-1].symbol == SAMSUNG
    assert ticks[-1].price == Decimal(71500)
    assert ticks[-1].volume == 7


async def test_several_trades_in_one_batch_all_arrive(
    kis_sim: KisSimHandle, make_broker: MakeBroker
) -> None:
    ticks: list[Tick] = []
    await _samsung_streaming(kis_sim, make_broker, RealtimeHandlers(on_tick=ticks.append))

    prices = [71000 + 100 * n for n in range(30)]
    for price in prices:
        kis_sim.feed.set_price("005930", price)

    await eventually(lambda: len(ticks) >= len(prices))
    assert [t.price for t in ticks] == [Decimal(p) for p in prices]


async def test_fill_notice_is_decrypted_into_fill(
    kis_sim: KisSimHandle, make_broker: MakeBroker
) -> None:
    broker = make_broker(kis_sim, FakeClock())
    fills = broker.fill_notices()
    broker.start()
    await eventually(lambda: _notice_sub(kis_sim) in _realtime(broker).acknowledged)
    kis_sim.feed.set_price("005930", 71000)

    odno = await broker.place_order(
        BrokerOrder(SAMSUNG, Side.BUY, OrderType.MARKET, Quantity(3), None)
    )

    fill = await _next_fill(fills)
    assert fill.broker_order_id == odno
    assert (fill.symbol, fill.side) == (SAMSUNG, Side.BUY)
    assert (fill.quantity, fill.price) == (Decimal(3), Decimal(71000))


async def test_partial_fills_arrive_as_separate_notices(
    kis_sim: KisSimHandle, make_broker: MakeBroker
) -> None:
    broker = make_broker(kis_sim, FakeClock())
    fills = broker.fill_notices()
    broker.start()
    await eventually(lambda: _notice_sub(kis_sim) in _realtime(broker).acknowledged)
    kis_sim.feed.set_price("005930", 71000)
    kis_sim.feed.set_liquidity("005930", 2)
    order = BrokerOrder(SAMSUNG, Side.BUY, OrderType.LIMIT, Quantity(5), Price(70000))
    odno = await broker.place_order(order)

    for _ in range(3):
        kis_sim.feed.set_price("005930", 70000)

    got = [await _next_fill(fills) for _ in range(3)]
    assert [f.quantity for f in got] == [2, 2, 1]
    assert {f.broker_order_id for f in got} == {odno}
    assert len({f.fill_id for f in got}) == 3


async def test_drop_reconnects_resubscribes_and_refreshes_notice_key(
    kis_sim: KisSimHandle, make_broker: MakeBroker
) -> None:
    ticks: list[Tick] = []
    clock = FakeClock()
    broker = make_broker(kis_sim, clock, handlers=RealtimeHandlers(on_tick=ticks.append))
    client = _realtime(broker)
    client.subscribe("H0STCNT0", "005930")
    fills = broker.fill_notices()
    broker.start()
    await eventually(lambda: len(client.acknowledged) == 2)

    assert kis_sim.faults.drop_websockets() == 1

    await eventually(lambda: client.connections == 2 and len(client.acknowledged) == 2)
    assert 1.0 in clock.slept  # the first back-off step
    kis_sim.feed.set_price("005930", 72000)
    await eventually(lambda: any(t.price == Decimal(72000) for t in ticks))
    await broker.place_order(BrokerOrder(SAMSUNG, Side.BUY, OrderType.MARKET, Quantity(1), None))
    fill = await _next_fill(fills)
    assert fill.quantity == 1


async def test_repeated_drops_keep_reconnecting(
    kis_sim: KisSimHandle, make_broker: MakeBroker
) -> None:
    broker = make_broker(kis_sim, FakeClock())
    client = _realtime(broker)
    broker.start()
    await eventually(lambda: bool(client.acknowledged))

    for round_ in range(2, 8):  # more drops than back-off steps: each success resets it
        kis_sim.faults.drop_websockets()
        await eventually(lambda: client.connections == round_ and bool(client.acknowledged))  # noqa: B023

    assert client.state is State.CONNECTED


async def test_five_refused_reconnects_enter_sleep_and_report(
    kis_sim: KisSimHandle, make_broker: MakeBroker
) -> None:
    reasons: list[str] = []
    clock = ParkingClock(park=SLEEP_RETRY_SECONDS)
    broker = make_broker(kis_sim, clock, handlers=RealtimeHandlers(on_sleep=reasons.append))
    client = _realtime(broker)
    broker.start()
    await eventually(lambda: bool(client.acknowledged))

    kis_sim.faults.refuse_websockets(3600)
    kis_sim.faults.drop_websockets()

    await eventually(lambda: client.state is State.SLEEPING and clock.parked == 1)
    assert [s for s in clock.slept if s >= 1] == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert kis_sim.sim.ws.connections_refused == 5
    assert len(reasons) == 1


async def test_second_session_on_same_app_key_backs_off_then_sleeps_and_reports(
    kis_sim: KisSimHandle, make_broker: MakeBroker
) -> None:
    holder = make_broker(kis_sim, FakeClock())
    holder.start()
    await eventually(lambda: bool(_realtime(holder).acknowledged))
    reasons: list[str] = []
    clock = ParkingClock(park=SLEEP_RETRY_SECONDS)
    intruder = make_broker(kis_sim, clock, handlers=RealtimeHandlers(on_sleep=reasons.append))
    client = _realtime(intruder)

    intruder.start()  # KIS answers each of its sessions with OPSP8996 and cuts it

    await eventually(lambda: client.state is State.SLEEPING and clock.parked == 1)
    [reason] = reasons
    assert "OPSP8996" in reason
    assert [s for s in clock.slept if s >= 1] == [1.0, 2.0, 4.0, 8.0, 16.0]  # never reset
    assert client.connections == 6
    assert _realtime(holder).state is State.CONNECTED
    assert _realtime(holder).connections == 1


async def _asleep(
    sim: KisSimHandle, make_broker: MakeBroker, handlers: RealtimeHandlers | None = None
) -> tuple[KisBroker, ParkingClock]:
    """A broker whose stream served once, then met five refused reconnects: asleep."""
    clock = ParkingClock(park=SLEEP_RETRY_SECONDS)
    broker = make_broker(sim, clock, handlers=handlers)
    client = _realtime(broker)
    broker.start()
    await eventually(broker.stream_up)
    sim.faults.refuse_websockets(3600)
    sim.faults.drop_websockets()
    await eventually(lambda: client.state is State.SLEEPING and clock.parked == 1)
    return broker, clock


async def test_wake_after_sleep_reconnects_once_kis_accepts(
    kis_sim: KisSimHandle, make_broker: MakeBroker
) -> None:
    broker, _ = await _asleep(kis_sim, make_broker)
    client = _realtime(broker)

    kis_sim.faults.refuse_websockets(0)
    client.wake()

    await eventually(lambda: client.connections == 2 and bool(client.acknowledged))


async def test_sleep_state_slow_retry_reconnects_by_itself(
    kis_sim: KisSimHandle, make_broker: MakeBroker
) -> None:
    broker, clock = await _asleep(kis_sim, make_broker)
    client = _realtime(broker)
    assert not broker.stream_up()

    kis_sim.faults.refuse_websockets(0)
    clock.unpark()  # five minutes pass; nothing calls wake()

    await eventually(lambda: client.connections == 2 and broker.stream_up())
    assert clock.slept[-1] == SLEEP_RETRY_SECONDS
    assert client.state is State.CONNECTED


async def test_refused_subscription_is_retried_three_times_then_reported(
    kis_sim: KisSimHandle, make_broker: MakeBroker
) -> None:
    failed: list[tuple[Subscription, str]] = []
    handlers = RealtimeHandlers(on_subscription_failed=lambda s, r: failed.append((s, r)))
    broker = make_broker(kis_sim, FakeClock(), handlers=handlers)
    client = _realtime(broker)
    client.subscribe("H0STCNI0", "not-my-hts-id")  # KIS: OPSP8992 invalid tr_key
    client.subscribe("H0STCNT0", "005930")
    broker.start()

    await eventually(lambda: bool(failed) and len(client.acknowledged) == 2)

    [(sub, reason)] = failed
    assert sub == Subscription("H0STCNI0", "not-my-hts-id")
    assert "OPSP8992" in reason
    sent = [r for r in kis_sim.sim.ws.requests if r == ("1", "H0STCNI0", "not-my-hts-id")]
    assert len(sent) == 1 + 3  # the first try and three retries
    assert sub not in client.subscriptions
    assert Subscription("H0STCNT0", "005930") in client.acknowledged


async def test_41_subscriptions_are_all_accepted(
    kis_sim: KisSimHandle, make_broker: MakeBroker
) -> None:
    broker = make_broker(kis_sim, FakeClock())
    client = _realtime(broker)  # the notice subscription takes one slot
    for n in range(40):
        client.subscribe("H0STCNT0", f"{n:06d}")
    broker.start()

    await eventually(lambda: len(client.acknowledged) == 41)

    [session] = kis_sim.sim.ws.sessions
    assert len(session.subs) == 41


async def test_unsubscribe_frees_the_slot_at_kis(
    kis_sim: KisSimHandle, make_broker: MakeBroker
) -> None:
    broker = make_broker(kis_sim, FakeClock())
    client = _realtime(broker)
    client.subscribe("H0STCNT0", "005930")
    broker.start()
    await eventually(lambda: len(client.acknowledged) == 2)

    client.unsubscribe("H0STCNT0", "005930")

    await eventually(lambda: len(next(iter(kis_sim.sim.ws.sessions)).subs) == 1)


async def test_pingpong_is_answered_so_strict_server_keeps_us(
    make_kis_sim: MakeKisSim, make_broker: MakeBroker
) -> None:
    sim = await make_kis_sim(pingpong_interval=0.05, pingpong_strict=True)
    broker = make_broker(sim, FakeClock())
    client = _realtime(broker)
    broker.start()
    await eventually(lambda: bool(client.acknowledged))

    await asyncio.sleep(0.5)

    assert client.connections == 1
    assert client.state is State.CONNECTED


async def test_vi_event_arrives_as_market_status(
    kis_sim: KisSimHandle, make_broker: MakeBroker
) -> None:
    statuses: list[MarketStatus] = []
    handlers = RealtimeHandlers(on_market_status=statuses.append)
    broker = make_broker(kis_sim, FakeClock(), handlers=handlers)
    client = _realtime(broker)
    client.subscribe("H0STMKO0", "005930")
    broker.start()
    await eventually(lambda: len(client.acknowledged) == 2)

    kis_sim.faults.trigger_vi("005930")

    await eventually(lambda: bool(statuses))
    assert statuses[-1].symbol == SAMSUNG
    assert statuses[-1].vi_active


async def test_watch_and_unwatch_a_symbol(kis_sim: KisSimHandle, make_broker: MakeBroker) -> None:
    broker = make_broker(kis_sim, FakeClock())
    client = _realtime(broker)
    broker.start()

    broker.watch(SAMSUNG, order_book=True)
    await eventually(lambda: len(client.acknowledged) == 4)  # notices + trades, status, book
    broker.unwatch(SAMSUNG)

    await eventually(lambda: len(next(iter(kis_sim.sim.ws.sessions)).subs) == 1)
    assert client.subscriptions == [_notice_sub(kis_sim)]


async def test_suspend_sends_the_queued_unsubscribes_closes_and_stays_down_until_resume(
    kis_sim: KisSimHandle, make_broker: MakeBroker
) -> None:
    reasons: list[str] = []
    handlers = RealtimeHandlers(on_sleep=reasons.append)
    broker, client = await _samsung_streaming(kis_sim, make_broker, handlers)

    client.unsubscribe("H0STCNT0", "005930")
    await client.suspend()
    await eventually(lambda: not kis_sim.sim.ws.sessions and client.state is State.IDLE)
    await asyncio.sleep(0.2)  # a reconnect would be under way by now
    down = (client.state, client.connections, len(kis_sim.sim.ws.sessions))

    client.resume()
    await eventually(broker.stream_up)

    assert ("2", "H0STCNT0", "005930") in kis_sim.sim.ws.requests  # sent before the close
    assert down == (State.IDLE, 1, 0)
    assert client.connections == 2
    assert client.subscriptions == [_notice_sub(kis_sim)]  # the notices, resubscribed
    assert reasons == []


async def test_suspend_in_the_sleep_state_reports_nothing_more_and_resume_connects(
    kis_sim: KisSimHandle, make_broker: MakeBroker
) -> None:
    reasons: list[str] = []
    handlers = RealtimeHandlers(on_sleep=reasons.append)
    broker, _ = await _asleep(kis_sim, make_broker, handlers)
    client = _realtime(broker)

    await client.suspend()  # the close, while asleep
    await eventually(lambda: client.state is State.IDLE)
    kis_sim.faults.refuse_websockets(0)
    client.resume()  # the next open
    await eventually(broker.stream_up)

    assert len(reasons) == 1  # the sleep itself, once; nothing for the planned disconnect


async def test_notices_flow_since_the_ack_of_the_current_session(
    kis_sim: KisSimHandle, make_broker: MakeBroker
) -> None:
    # The sync's patience asks since when: an order sent before that may have filled while
    # no notice could be sent (at start-up, or while the stream was away).
    clock = FakeClock()
    broker = make_broker(kis_sim, clock)
    assert broker.stream_up_since() is None  # not connected: no notice can come
    broker.start()
    await eventually(broker.stream_up)
    first = broker.stream_up_since()
    assert first is not None
    assert first <= clock.now()

    clock.advance(60)
    assert broker.stream_up_since() == first  # still the same session
    assert kis_sim.faults.drop_websockets() == 1
    await eventually(lambda: _realtime(broker).connections == 2 and broker.stream_up())
    again = broker.stream_up_since()
    assert again is not None
    assert again > first  # the new session's ack
