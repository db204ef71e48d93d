"""Admission control against the simulator's rate limit: an order our limiter cannot let out
within its queue budget is refused at once as not sent, and an EGW00201 answer is retried
while the budget allows; every order is placed once or known not to be at KIS at all."""

from __future__ import annotations

import asyncio

import pytest

from hantu.adapters.kis.broker import KisBroker
from hantu.domain.enums import OrderType, Side
from hantu.domain.values import BrokerOrderId, Price, Quantity, Symbol
from hantu.errors import NotSentRateLimited
from hantu.service_layer.ports import BrokerOrder
from tests.fixtures.kis_simulator import KisSimHandle, MakeKisSim

from .conftest import MakeBroker

SAMSUNG = Symbol("005930")
QUEUE_SECONDS = 1.5


def _buy() -> BrokerOrder:
    return BrokerOrder(SAMSUNG, Side.BUY, OrderType.LIMIT, Quantity(1), Price(60000))


async def _burst(broker: KisBroker, count: int) -> tuple[list[BrokerOrderId], list[Exception]]:
    answers = await asyncio.gather(
        *(broker.place_order(_buy()) for _ in range(count)), return_exceptions=True
    )
    placed = [a for a in answers if isinstance(a, str)]
    refused = [a for a in answers if isinstance(a, Exception)]
    return placed, refused


def _assert_placed_once_or_not_sent(
    sim: KisSimHandle, placed: list[BrokerOrderId], refused: list[Exception], count: int
) -> None:
    assert len(placed) + len(refused) == count
    assert all(isinstance(exc, NotSentRateLimited) for exc in refused), refused
    assert len(set(placed)) == len(placed)  # nothing doubled
    at_kis = sorted(o.odno for o in sim.engine.orders_of(sim.account_obj))
    assert at_kis == sorted(placed)  # nothing lost: every order KIS has, we were told of


@pytest.mark.parametrize(("per_second", "count"), [(2, 12), (20, 90)])
async def test_burst_past_the_queue_budget_is_placed_or_refused_not_sent(
    make_kis_sim: MakeKisSim, make_broker: MakeBroker, per_second: int, count: int
) -> None:
    sim = await make_kis_sim(rate_limit=per_second)
    broker = make_broker(sim, requests_per_second=per_second, order_queue_timeout=QUEUE_SECONDS)
    await broker.quote(SAMSUNG)  # the token first; its read leaves a slot in the window
    loop = asyncio.get_running_loop()
    started = loop.time()

    placed, refused = await _burst(broker, count)

    _assert_placed_once_or_not_sent(sim, placed, refused, count)
    assert refused  # more than fits in 1.5 s
    assert len(placed) >= per_second  # at least a window's worth went out
    assert sim.sim.limiter.refused == 0  # our own pacing kept KIS from refusing any
    assert loop.time() - started < QUEUE_SECONDS + 1.0


async def test_burst_with_hashkeys_is_placed_or_refused_not_sent(
    make_kis_sim: MakeKisSim, make_broker: MakeBroker
) -> None:
    # Each order costs two requests (hashkey, then the order), both under its deadline.
    sim = await make_kis_sim(rate_limit=2)
    broker = make_broker(
        sim, requests_per_second=2, order_queue_timeout=QUEUE_SECONDS, use_hashkey=True
    )
    await broker.quote(SAMSUNG)

    placed, refused = await _burst(broker, 8)

    _assert_placed_once_or_not_sent(sim, placed, refused, 8)
    assert placed
    assert refused
    assert sim.sim.limiter.refused == 0


async def test_burst_refusals_come_at_once_not_after_the_budget(
    make_kis_sim: MakeKisSim, make_broker: MakeBroker
) -> None:
    sim = await make_kis_sim(rate_limit=2)
    broker = make_broker(sim, requests_per_second=2, order_queue_timeout=QUEUE_SECONDS)
    await broker.quote(SAMSUNG)
    loop = asyncio.get_running_loop()
    started = loop.time()
    refused_at: list[float] = []

    async def place() -> None:
        try:
            await broker.place_order(_buy())
        except NotSentRateLimited:
            refused_at.append(loop.time() - started)

    await asyncio.gather(*(place() for _ in range(10)))

    assert len(refused_at) >= 6
    assert max(refused_at) < 0.2  # admission said no before anything waited


async def test_hantu_paced_faster_than_kis_retries_egw00201_within_the_budget(
    make_kis_sim: MakeKisSim, make_broker: MakeBroker
) -> None:
    sim = await make_kis_sim(rate_limit=2)
    broker = make_broker(sim, requests_per_second=100, order_queue_timeout=2.5)
    await broker.quote(SAMSUNG)

    placed, refused = await _burst(broker, 10)

    _assert_placed_once_or_not_sent(sim, placed, refused, 10)
    assert sim.sim.limiter.refused > 0  # KIS answered EGW00201 and we backed off
    assert len(placed) >= 4  # retried into later windows, not given up after the first
    assert refused
    assert {exc.code for exc in refused if isinstance(exc, NotSentRateLimited)} == {"EGW00201"}


async def test_hantu_paced_faster_sequential_orders_are_each_placed_once(
    make_kis_sim: MakeKisSim, make_broker: MakeBroker
) -> None:
    sim = await make_kis_sim(rate_limit=2)
    broker = make_broker(sim, requests_per_second=100, order_queue_timeout=2.5)
    await broker.quote(SAMSUNG)

    placed = [await broker.place_order(_buy()) for _ in range(6)]

    assert sim.sim.limiter.refused > 0
    assert len(set(placed)) == 6
    assert len(sim.engine.orders_of(sim.account_obj)) == 6
