"""The order pipeline on both databases over the real `KisBroker` and a rate-limited simulator:
a burst larger than fits in the queue budget answers accepted (200) or refused-not-sent (400,
a failed order naming the rate limit, retryable without using up a retry), never 408; the
simulator holds exactly the orders hantu recorded as placed."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from hantu.bootstrap import App, build
from hantu.config import Settings
from hantu.domain.enums import FailedOrderStatus, OrderStatus
from hantu.domain.values import Price, Quantity
from hantu.entrypoints.web.outcomes import http_status
from hantu.service_layer import failed_orders, queries
from hantu.service_layer.orders import SubmitOutcome, SubmitResult, submit
from tests.builders import an_order_request
from tests.fixtures.kis_simulator import KisSimHandle, MakeKisSim

from .conftest import MakeBroker

QUEUE_SECONDS = 1.5
ORDER_TIMEOUT = 5.0
BrokerApp = Callable[[int], Awaitable[tuple[App, KisSimHandle]]]


@pytest.fixture
async def broker_app(
    database_url: str, tmp_path: Path, make_kis_sim: MakeKisSim, make_broker: MakeBroker
) -> AsyncIterator[BrokerApp]:
    apps: list[App] = []

    async def make(per_second: int) -> tuple[App, KisSimHandle]:
        sim = await make_kis_sim(rate_limit=per_second)
        sim.feed.set_price("005930", 61000)
        # The default order timeout: the broker's own time, kept apart from the queue budget
        # under test, so a loaded machine's slow answer is not mistaken for an unknown (the
        # KIS tests' client otherwise reads for 1 s).
        broker = make_broker(
            sim,
            requests_per_second=per_second,
            order_queue_timeout=QUEUE_SECONDS,
            order_timeout=ORDER_TIMEOUT,
        )
        await broker.quote(an_order_request().symbol)  # the token first
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=database_url,
            data_dir=tmp_path,
            order_timeout_seconds=ORDER_TIMEOUT,
            order_queue_seconds=QUEUE_SECONDS,
            settle_interval_seconds=0,  # no reconcile loop spending the rate budget
        )
        app = build(settings, brokers=broker)
        await app.start()
        apps.append(app)
        return app, sim

    yield make
    for app in apps:
        await app.close()


async def _burst(app: App, count: int, prefix: str = "burst") -> list[SubmitResult]:
    requests = [
        an_order_request(idempotency_key=f"{prefix}-{n}", quantity=Quantity(1), price=Price(60000))
        for n in range(count)
    ]
    return await asyncio.gather(*(submit(app.deps, request) for request in requests))


async def _placed_count(app: App) -> int:
    orders = await queries.orders_since(app.deps, [1], app.deps.trading_day_start())
    return sum(1 for o in orders if o.status in (OrderStatus.SENT, OrderStatus.FILLED))


async def _assert_books_match(app: App, sim: KisSimHandle, results: list[SubmitResult]) -> None:
    outcomes = Counter(result.outcome for result in results)
    assert set(outcomes) <= {SubmitOutcome.ACCEPTED, SubmitOutcome.REFUSED}, outcomes
    assert outcomes[SubmitOutcome.REFUSED] > 0
    at_kis = sim.engine.orders_of(sim.account_obj)
    assert len(at_kis) == outcomes[SubmitOutcome.ACCEPTED] == await _placed_count(app)
    placed = {r.order.broker_order_id for r in results if r.outcome is SubmitOutcome.ACCEPTED}
    assert placed == {o.odno for o in at_kis}  # nothing doubled, nothing unknown to us


@pytest.mark.parametrize(("per_second", "count"), [(2, 10), (20, 60)])
async def test_pipeline_burst_answers_placed_or_refused_not_sent_never_unconfirmed(
    broker_app: BrokerApp, per_second: int, count: int
) -> None:
    app, sim = await broker_app(per_second)

    results = await _burst(app, count)

    await _assert_books_match(app, sim, results)
    for result in (r for r in results if r.outcome is SubmitOutcome.REFUSED):
        assert http_status(result) == 400
        assert result.error is not None
        assert f"초당 요청 한도({per_second}건/초)" in result.error
        assert result.failed_order_id is not None
        failed = await queries.get_failed_order(app.deps, result.failed_order_id)
        assert failed is not None
        assert failed.status is FailedOrderStatus.PENDING_RETRY
        assert failed.reason.startswith("초당 요청 한도")


async def test_pipeline_not_sent_order_retried_later_is_placed_once(
    broker_app: BrokerApp,
) -> None:
    app, sim = await broker_app(2)
    first = await _burst(app, 8)
    failed_id = next(r.failed_order_id for r in first if r.failed_order_id is not None)
    await asyncio.sleep(1.2)  # the window empties

    placed = await failed_orders.retry(app.deps, failed_id)

    assert placed.outcome is SubmitOutcome.ACCEPTED
    failed = await queries.get_failed_order(app.deps, failed_id)
    assert failed is not None
    assert (failed.retry_count, failed.status) == (1, FailedOrderStatus.RESOLVED)
    accepted = [r for r in (*first, placed) if r.outcome is SubmitOutcome.ACCEPTED]
    assert len(sim.engine.orders_of(sim.account_obj)) == len(accepted)
    assert await _placed_count(app) == len(accepted)
