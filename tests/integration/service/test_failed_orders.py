"""Failed orders: retry (limit, accepted, refused, system error, unconfirmed), list, remove."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from hantu.bootstrap import App
from hantu.domain.enums import FailedOrderStatus, OrderStatus
from hantu.domain.errors import RetryNotAllowed
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.service_layer import failed_orders, queries
from hantu.service_layer.orders import SubmitOutcome, submit
from hantu.service_layer.ports import FailedOrderFilter
from hantu.service_layer.reconciliation import settle_unconfirmed
from tests.builders import a_failed_order, an_order_request
from tests.fakes import FakeClock
from tests.inprocess_broker import Drop, Hang, InProcessBroker, Refuse
from tests.integration.service.conftest import MakeApp
from tests.integration.service.support import count_rows


async def _refused(app: App, broker: InProcessBroker, **overrides: object) -> int:
    broker.script(Refuse())
    result = await submit(app.deps, an_order_request(**overrides))
    assert result.failed_order_id is not None
    return result.failed_order_id


async def _failed(app: App, failed_id: int) -> queries.FailedOrderView:
    view = await queries.get_failed_order(app.deps, failed_id)
    assert view is not None
    return view


async def test_retry_accepted_resolves_failed_order(app: App, broker: InProcessBroker) -> None:
    failed_id = await _refused(app, broker)

    result = await failed_orders.retry(app.deps, failed_id)

    assert result.outcome is SubmitOutcome.ACCEPTED
    assert result.order.idempotency_key == f"retry:{failed_id}:1"
    failed = await _failed(app, failed_id)
    assert failed.status is FailedOrderStatus.RESOLVED
    assert failed.retry_count == 1
    assert failed.last_retry_order_id == result.order.id
    with pytest.raises(RetryNotAllowed, match="resolved"):
        await failed_orders.retry(app.deps, failed_id)


async def test_retry_refused_again_counts_and_updates_reason(
    app: App, broker: InProcessBroker
) -> None:
    failed_id = await _refused(app, broker)
    broker.script(Refuse(code="APBK0919", message="장운영시간이 아닙니다"))

    result = await failed_orders.retry(app.deps, failed_id)

    assert result.outcome is SubmitOutcome.REFUSED
    assert result.failed_order_id == failed_id
    failed = await _failed(app, failed_id)
    assert failed.status is FailedOrderStatus.PENDING_RETRY
    assert failed.retry_count == 1
    assert failed.reason == "장운영시간이 아닙니다"
    assert await count_rows(app, "failed_orders") == 1


async def test_retry_sixth_attempt_is_refused_after_five(app: App, broker: InProcessBroker) -> None:
    failed_id = await _refused(app, broker)
    for _ in range(5):
        broker.script(Refuse())
        await failed_orders.retry(app.deps, failed_id)

    with pytest.raises(RetryNotAllowed, match="limit"):
        await failed_orders.retry(app.deps, failed_id)

    assert (await _failed(app, failed_id)).retry_count == 5
    assert broker.place_calls == 6


async def test_retry_system_error_consumes_no_retry(app: App, broker: InProcessBroker) -> None:
    failed_id = await _refused(app, broker)
    async with app.db.begin() as connection:  # a real database failure on our side
        await connection.execute(text("ALTER TABLE events RENAME TO events_away"))
    try:
        with pytest.raises(DBAPIError):
            await failed_orders.retry(app.deps, failed_id)
    finally:
        async with app.db.begin() as connection:
            await connection.execute(text("ALTER TABLE events_away RENAME TO events"))

    failed = await _failed(app, failed_id)
    assert failed.retry_count == 0
    assert failed.last_retry_order_id is None
    assert broker.place_calls == 1
    result = await failed_orders.retry(app.deps, failed_id)
    assert result.outcome is SubmitOutcome.ACCEPTED


async def test_retry_unconfirmed_blocks_next_retry_until_settled(
    app: App, broker: InProcessBroker
) -> None:
    failed_id = await _refused(app, broker)
    broker.script(Hang())
    first = await failed_orders.retry(app.deps, failed_id)
    assert first.outcome is SubmitOutcome.UNCONFIRMED

    with pytest.raises(RetryNotAllowed, match="unconfirmed"):
        await failed_orders.retry(app.deps, failed_id)

    await settle_unconfirmed(app.deps)
    failed = await _failed(app, failed_id)
    assert failed.status is FailedOrderStatus.RESOLVED
    assert failed.retry_count == 1
    assert broker.place_calls == 2


async def test_retry_unconfirmed_then_absent_counts_once_and_allows_retry(
    app: App, broker: InProcessBroker, clock: FakeClock
) -> None:
    failed_id = await _refused(app, broker)
    broker.script(Drop())
    await failed_orders.retry(app.deps, failed_id)
    clock.advance(31)

    await settle_unconfirmed(app.deps)

    failed = await _failed(app, failed_id)
    assert failed.retry_count == 1
    assert failed.status is FailedOrderStatus.PENDING_RETRY
    assert await count_rows(app, "failed_orders") == 1
    again = await failed_orders.retry(app.deps, failed_id)
    assert again.outcome is SubmitOutcome.ACCEPTED


async def test_list_failed_orders_hides_removed_by_default(
    app: App, broker: InProcessBroker
) -> None:
    kept = await _refused(app, broker, idempotency_key="a")
    gone = await _refused(app, broker, idempotency_key="b")

    removed = await failed_orders.remove(app.deps, gone)

    assert removed.status is FailedOrderStatus.REMOVED
    assert [f.id for f in await queries.list_failed_orders(app.deps)] == [kept]
    shown = await queries.list_failed_orders(
        app.deps, FailedOrderFilter(status=FailedOrderStatus.REMOVED)
    )
    assert [f.id for f in shown] == [gone]
    with pytest.raises(RetryNotAllowed, match="removed"):
        await failed_orders.retry(app.deps, gone)


async def test_list_failed_orders_filters_by_account_and_symbol(app: App) -> None:
    ids = {}
    for account, symbol in [(1, "005930"), (1, "000660"), (2, "005930")]:
        failed = a_failed_order(
            strategy_account_id=StrategyAccountId(account), symbol=Symbol(symbol)
        )
        ids[(account, symbol)] = await failed_orders.save_failed_order(app.deps, failed)

    by_account = await queries.list_failed_orders(
        app.deps, FailedOrderFilter(strategy_account_id=StrategyAccountId(1))
    )
    by_both = await queries.list_failed_orders(
        app.deps,
        FailedOrderFilter(strategy_account_id=StrategyAccountId(2), symbol=Symbol("005930")),
    )

    assert {f.id for f in by_account} == {ids[(1, "005930")], ids[(1, "000660")]}
    assert [f.id for f in by_both] == [ids[(2, "005930")]]
    stored = await _failed(app, ids[(1, "000660")])
    assert stored.order_params == {"symbol": "005930", "side": "BUY", "quantity": "10"}


async def test_retry_of_a_saved_failure_without_order_goes_through_the_pipeline(
    app: App, broker: InProcessBroker
) -> None:
    failed_id = await failed_orders.save_failed_order(app.deps, a_failed_order())

    result = await failed_orders.retry(app.deps, failed_id)

    assert result.order.status is OrderStatus.SENT
    assert broker.placed[0].quantity == 10


async def test_retry_rejected_by_risk_counts_as_an_attempt(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    app = await make_app(max_symbol_exposure=Decimal(100_000))
    failed_id = await failed_orders.save_failed_order(app.deps, a_failed_order())

    result = await failed_orders.retry(app.deps, failed_id)

    assert result.outcome is SubmitOutcome.REJECTED
    failed = await _failed(app, failed_id)
    assert failed.retry_count == 1
    assert "max_symbol_exposure" in failed.reason
    assert broker.place_calls == 0
    again = await failed_orders.retry(app.deps, failed_id)  # a new key: not stuck on the first
    assert again.order.idempotency_key == f"retry:{failed_id}:2"
