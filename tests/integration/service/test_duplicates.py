"""A repeated key answers as its first delivery, waiting inside `submit` while that one is
still at the broker: in this process through `InFlight`, from another by re-reading."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from hantu.bootstrap import App
from hantu.domain.enums import OrderStatus
from hantu.domain.order import OrderRequest
from hantu.entrypoints.web.outcomes import http_status
from hantu.service_layer import queries
from hantu.service_layer.orders import submit
from hantu.service_layer.outcome import SubmitOutcome, SubmitResult
from tests.builders import an_order_request
from tests.fakes import FakeClock
from tests.inprocess_broker import Hang, InProcessBroker
from tests.integration.service.conftest import MakeApp
from tests.integration.service.support import count_rows


async def _until(condition: Callable[[], bool], *, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.005)):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition never held")


async def test_submit_duplicate_while_first_is_at_the_broker_waits_for_its_answer(
    make_app: MakeApp, broker: InProcessBroker, clock: FakeClock
) -> None:
    app = await make_app(order_timeout_seconds=10)
    broker.script(Hang())
    request = an_order_request(idempotency_key="tv-race")
    first = asyncio.create_task(submit(app.deps, request))
    await _until(lambda: broker.place_calls == 1)

    second = asyncio.create_task(submit(app.deps, request))
    await asyncio.sleep(0.05)
    assert not second.done()  # the first has no answer yet: the repeat waits for it
    broker.release()
    placed, repeat = await first, await second

    assert placed.outcome is SubmitOutcome.ACCEPTED
    assert repeat.outcome is SubmitOutcome.DUPLICATE
    assert repeat.order_outcome is SubmitOutcome.ACCEPTED
    assert repeat.order.status is OrderStatus.SENT
    assert repeat.order.broker_order_id == placed.order.broker_order_id
    assert http_status(repeat) == http_status(placed) == 200
    assert clock.slept == []  # woken by the first submit, not by re-reading the database
    assert broker.place_calls == 1


async def _sent_elsewhere(
    make_app: MakeApp, broker: InProcessBroker, key: str
) -> tuple[App, App, OrderRequest, asyncio.Task[SubmitResult]]:
    """Two apps on one database stand for two processes: neither sees the other's submits.
    The first (`here`) is left waiting for the broker's answer."""
    here = await make_app(order_timeout_seconds=10)
    there = await make_app(order_timeout_seconds=10)
    broker.script(Hang())
    request = an_order_request(idempotency_key=key)
    first = asyncio.create_task(submit(here.deps, request))
    await _until(lambda: broker.place_calls == 1)
    return here, there, request, first


async def test_submit_duplicate_of_another_units_order_in_flight_rereads_until_answered(
    make_app: MakeApp, broker: InProcessBroker, clock: FakeClock
) -> None:
    here, there, request, first = await _sent_elsewhere(make_app, broker, "tv-two-processes")

    second = asyncio.create_task(submit(there.deps, request))
    await _until(lambda: len(clock.slept) >= 3)  # re-reading the NEW order
    assert not second.done()
    broker.release()
    placed, repeat = await first, await second

    assert repeat.outcome is SubmitOutcome.DUPLICATE
    assert repeat.order_outcome is SubmitOutcome.ACCEPTED
    assert repeat.order.broker_order_id == placed.order.broker_order_id
    assert http_status(repeat) == 200
    assert broker.place_calls == 1
    assert await count_rows(here, "orders") == 1


async def test_submit_duplicate_of_an_order_stuck_new_past_its_deadline_answers_at_once(
    make_app: MakeApp, broker: InProcessBroker, clock: FakeClock
) -> None:
    _here, there, request, first = await _sent_elsewhere(make_app, broker, "tv-stuck")
    clock.advance(60)  # the first delivery's process went silent long ago

    repeat = await asyncio.wait_for(submit(there.deps, request), 1)

    assert repeat.order_outcome is SubmitOutcome.UNCONFIRMED
    assert http_status(repeat) == 408
    assert clock.slept == []
    stored = await queries.get_order(there.deps, repeat.order.id)
    assert stored is not None
    assert stored.status is OrderStatus.NEW
    broker.release()
    await first
