"""The per-app-key sliding-window limiter, on a FakeClock."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from hantu.adapters.kis.ratelimit import RateLimiter, RateLimiters
from hantu.errors import NotSentRateLimited
from tests.fakes import FakeClock


async def _send_times(limiter: RateLimiter, clock: FakeClock, count: int) -> list[float]:
    times = []
    for _ in range(count):
        async with limiter.slot():
            times.append(clock.now().timestamp())
    return times


def _max_in_any_second(times: list[float]) -> int:
    return max(sum(1 for t in times if start <= t < start + 1.0) for start in times)


async def test_limiter_burst_of_45_keeps_every_second_under_20() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, 20)

    times = await _send_times(limiter, clock, 45)

    assert _max_in_any_second(times) == 20
    assert times[19] == times[0]  # the first 20 go at once
    assert times[20] > times[0] + 1.0


async def test_limiter_paper_rate_allows_two_per_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, 2)

    times = await _send_times(limiter, clock, 6)

    assert _max_in_any_second(times) == 2
    assert times[-1] - times[0] >= 2.0


async def test_limiter_penalize_holds_requests_back_a_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, 20)
    limiter.release(await limiter.acquire())
    start = clock.now().timestamp()

    limiter.penalize()
    limiter.release(await limiter.acquire())

    assert clock.now().timestamp() - start >= 1.0
    assert limiter.throttled == 1


async def test_limiter_concurrent_callers_share_the_budget() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, 5)
    times: list[float] = []

    async def one() -> None:
        async with limiter.slot():
            times.append(clock.now().timestamp())

    await asyncio.gather(*(one() for _ in range(12)))

    assert _max_in_any_second(times) == 5


def test_limiter_refuses_non_positive_rate() -> None:
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(FakeClock(), 0)


def test_limiters_are_shared_per_app_key() -> None:
    limiters = RateLimiters(FakeClock())

    first = limiters.for_key("key-a", 20)

    assert limiters.for_key("key-a", 20) is first
    assert limiters.for_key("key-b", 20) is not first


async def test_limiter_slot_frees_a_window_after_the_answer_not_the_send() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, 1, margin=0)
    slot = await limiter.acquire()
    clock.advance(0.8)  # the answer takes 0.8 s to come back
    limiter.release(slot)

    limiter.release(await limiter.acquire())

    assert clock.slept == [1.0]  # 1 s after the answer, not 0.2 s after it


async def test_limiter_waits_for_an_answer_when_all_slots_are_in_flight() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, 1)
    slot = await limiter.acquire()
    waiter = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    assert not waiter.done()

    limiter.release(slot)
    second = await waiter

    assert second is not slot
    assert clock.slept == [pytest.approx(1.05)]


async def test_limiter_serves_an_order_before_reads_queued_earlier() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, 2)  # a paper account
    first, second = await limiter.acquire(), await limiter.acquire()  # both in flight
    served: list[str] = []

    async def request(name: str, *, urgent: bool = False) -> None:
        async with limiter.slot(urgent=urgent):
            served.append(name)

    reads = [asyncio.create_task(request(f"read{n}")) for n in range(3)]  # a sync's pages
    await asyncio.sleep(0)
    order = asyncio.create_task(request("order", urgent=True))  # a webhook's order
    await asyncio.sleep(0)
    limiter.release(first)
    limiter.release(second)
    await asyncio.gather(*reads, order)

    assert served == ["order", "read0", "read1", "read2"]


async def test_limiter_keeps_arrival_order_among_orders() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, 1)
    held = await limiter.acquire()
    served: list[str] = []

    async def order(name: str) -> None:
        async with limiter.slot(urgent=True):
            served.append(name)

    orders = [asyncio.create_task(order(f"order{n}")) for n in range(3)]
    await asyncio.sleep(0)
    limiter.release(held)
    await asyncio.gather(*orders)

    assert served == ["order0", "order1", "order2"]


async def test_limiter_a_cancelled_waiter_leaves_the_queue() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, 2)
    held = [await limiter.acquire(), await limiter.acquire()]
    stuck = asyncio.create_task(limiter.acquire(urgent=True))
    await asyncio.sleep(0)

    stuck.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stuck
    for slot in held:
        limiter.release(slot)
    clock.advance(2)

    slot = await asyncio.wait_for(limiter.acquire(), 1)  # not stuck behind the cancelled one
    assert slot.done_at is None


async def test_limiter_order_whose_turn_is_past_its_deadline_is_refused_at_once() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, 2)  # a paper account
    for _ in range(2):
        limiter.release(await limiter.acquire())  # the window is full for the next 1.05 s
    deadline = clock.now() + timedelta(seconds=0.5)

    with pytest.raises(NotSentRateLimited) as caught:
        await limiter.acquire(urgent=True, deadline=deadline)

    assert caught.value.per_second == 2
    assert clock.slept == []  # refused without waiting
    assert limiter.refused == 1


async def test_limiter_order_whose_turn_comes_before_its_deadline_waits_for_it() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, 2)
    for _ in range(2):
        limiter.release(await limiter.acquire())

    await limiter.acquire(urgent=True, deadline=clock.now() + timedelta(seconds=1.5))

    assert clock.slept == [pytest.approx(1.05)]
    assert limiter.refused == 0


async def test_limiter_counts_the_orders_queued_ahead_at_admission() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, 2)
    held = [await limiter.acquire(), await limiter.acquire()]  # both in flight
    deadline = clock.now() + timedelta(seconds=2)
    served: list[str] = []

    async def order(name: str) -> None:
        async with limiter.slot(urgent=True, deadline=deadline):
            served.append(name)

    # Two fit in the next window (1.05 s); the third's turn would be at 2.1 s.
    tasks = [asyncio.create_task(order(name)) for name in ("a", "b", "c")]
    await asyncio.sleep(0)
    assert tasks[2].done()
    assert isinstance(tasks[2].exception(), NotSentRateLimited)
    for slot in held:
        limiter.release(slot)
    await asyncio.gather(*tasks[:2])

    assert served == ["a", "b"]


async def test_limiter_after_egw00201_an_order_past_the_penalty_deadline_is_refused() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, 20)
    limiter.penalize()

    with pytest.raises(NotSentRateLimited):
        await limiter.acquire(urgent=True, deadline=clock.now() + timedelta(seconds=0.5))

    await limiter.acquire(urgent=True, deadline=clock.now() + timedelta(seconds=1.5))
    assert clock.slept == [pytest.approx(1.05)]


async def test_limiter_order_still_waiting_at_its_deadline_leaves_the_queue() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, 1, margin=0)
    held = await limiter.acquire()  # in flight, and its answer never comes back in time
    deadline = clock.now() + timedelta(seconds=1.01)  # the estimate (an answer at once) fits

    with pytest.raises(NotSentRateLimited):
        await limiter.acquire(urgent=True, deadline=deadline)

    limiter.release(held)
    assert limiter.refused == 1
    slot = await asyncio.wait_for(limiter.acquire(), 1)  # the queue holds nobody stale
    assert slot.done_at is None
