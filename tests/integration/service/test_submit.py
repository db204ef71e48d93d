"""submit(): idempotency, risk, persist-before-send, and the three broker answers."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from hantu.bootstrap import App
from hantu.domain.enums import OrderStatus, OrderType, Side
from hantu.domain.order import OrderRequest
from hantu.domain.values import BrokerOrderId, Price, Quantity, Symbol
from hantu.entrypoints.web.outcomes import http_status
from hantu.errors import BrokerUnavailable, ConfigError
from hantu.service_layer import queries
from hantu.service_layer.fills import FillOutcome, process_fill
from hantu.service_layer.orders import SubmitOutcome, submit
from hantu.service_layer.ports import BrokerOrder, FailedOrderFilter
from tests.builders import an_order_request
from tests.inprocess_broker import (
    Accept,
    Drop,
    Fail,
    Hang,
    InProcessBroker,
    LoseAnswer,
    Refuse,
)
from tests.integration.service.conftest import MakeApp
from tests.integration.service.support import count_rows, event_names, events_named, hold


async def test_submit_accepted_order_is_sent_with_broker_id(
    app: App, broker: InProcessBroker
) -> None:
    result = await submit(app.deps, an_order_request())

    assert result.outcome is SubmitOutcome.ACCEPTED
    assert http_status(result) == 200
    assert result.order.status is OrderStatus.SENT
    assert result.order.broker_order_id == broker.placed[0].broker_order_id
    stored = await queries.get_order(app.deps, result.order.id)
    assert stored is not None
    assert stored.status is OrderStatus.SENT
    assert stored.price == Decimal("70000")
    assert str(stored.price) == "70000"
    assert await event_names(app, result.order.id) == ["OrderCreated", "OrderSent"]


async def test_submit_same_key_twice_returns_first_order_and_sends_nothing(
    app: App, broker: InProcessBroker
) -> None:
    first = await submit(app.deps, an_order_request(idempotency_key="tv-1"))
    second = await submit(app.deps, an_order_request(idempotency_key="tv-1", quantity=Quantity(3)))

    assert second.outcome is SubmitOutcome.DUPLICATE
    assert second.order.id == first.order.id
    assert second.order.quantity == Decimal(10)
    assert http_status(second) == 200
    assert broker.place_calls == 1
    assert await count_rows(app, "orders") == 1


async def test_submit_fifty_concurrent_same_key_creates_one_order_and_one_broker_call(
    app: App, broker: InProcessBroker
) -> None:
    request = an_order_request(idempotency_key="burst")

    results = await asyncio.gather(*(submit(app.deps, request) for _ in range(50)))

    assert broker.place_calls == 1
    assert await count_rows(app, "orders") == 1
    assert {r.order.id for r in results} == {results[0].order.id}
    outcomes = [r.outcome for r in results]
    assert outcomes.count(SubmitOutcome.ACCEPTED) == 1
    assert outcomes.count(SubmitOutcome.DUPLICATE) == 49


async def test_submit_fifty_concurrent_distinct_keys_all_sent_without_lock_errors(
    app: App, broker: InProcessBroker
) -> None:
    requests = [an_order_request(idempotency_key=f"k-{i}") for i in range(50)]

    results = await asyncio.gather(*(submit(app.deps, r) for r in requests))

    assert {r.outcome for r in results} == {SubmitOutcome.ACCEPTED}
    assert broker.place_calls == 50
    assert await count_rows(app, "orders") == 50


async def test_submit_persists_new_order_before_the_broker_is_called(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    app = await make_app(order_timeout_seconds=10)  # the spy reads the database meanwhile
    seen: list[OrderStatus | None] = []

    class Spy:
        """Looks the order up in storage at the moment the broker is asked."""

        def __init__(self) -> None:
            self.inner = broker

        async def place_order(self, order: BrokerOrder) -> BrokerOrderId:
            view = await queries.get_order_by_key(app.deps, "spy")
            seen.append(None if view is None else view.status)
            return await self.inner.place_order(order)

    app.brokers.default = Spy()  # type: ignore[attr-defined]
    await submit(app.deps, an_order_request(idempotency_key="spy"))

    assert seen == [OrderStatus.NEW]


async def test_submit_over_exposure_rejects_order_and_records_risk_event(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    app = await make_app(max_symbol_exposure=Decimal(1_000_000))

    result = await submit(app.deps, an_order_request(quantity=Quantity(20)))  # 1,400,000 won

    assert result.outcome is SubmitOutcome.REJECTED
    assert http_status(result) == 400
    assert result.order.status is OrderStatus.REJECTED
    assert result.error is not None
    assert "max_symbol_exposure" in result.error
    assert "보유 금액이 1,400,000원(으)로 종목당 한도 1,000,000원을(를) 넘습니다" in result.error
    assert broker.place_calls == 0
    risk_events = await events_named(app, "RiskViolated")
    assert [e["rule"] for e in risk_events] == ["max_symbol_exposure"]
    assert "OrderRejected" in await event_names(app, result.order.id)


async def test_submit_counts_open_buy_orders_towards_exposure(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    app = await make_app(max_symbol_exposure=Decimal(1_000_000))

    first = await submit(app.deps, an_order_request(idempotency_key="a"))  # 700,000 won
    second = await submit(app.deps, an_order_request(idempotency_key="b"))  # would be 1,400,000

    assert first.outcome is SubmitOutcome.ACCEPTED
    assert second.outcome is SubmitOutcome.REJECTED


async def test_submit_max_open_positions_blocks_a_new_symbol_only(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    app = await make_app(max_open_positions=1)
    await submit(app.deps, an_order_request(idempotency_key="a"))

    same = await submit(app.deps, an_order_request(idempotency_key="b"))
    other = await submit(app.deps, an_order_request(idempotency_key="c", symbol=Symbol("000660")))

    assert same.outcome is SubmitOutcome.ACCEPTED
    assert other.outcome is SubmitOutcome.REJECTED
    assert other.error is not None
    assert "max_open_positions" in other.error


async def test_submit_sell_passes_even_past_risk_limits(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    app = await make_app(max_symbol_exposure=Decimal(1), max_open_positions=1)
    await hold(app, 10)

    result = await submit(app.deps, an_order_request(side=Side.SELL))

    assert result.outcome is SubmitOutcome.ACCEPTED


async def test_submit_broker_refusal_saves_failed_order_with_masked_error(
    app: App, broker: InProcessBroker
) -> None:
    secret = "appkey=PSabcdefghijklmnopqrstuvwxyz0123456789"
    broker.script(Refuse(code="APBK0952", message=f"주문가능금액을 초과 했습니다 {secret}"))

    result = await submit(app.deps, an_order_request(idempotency_key="wh-9"), webhook_id="hook-7")

    assert result.outcome is SubmitOutcome.REFUSED
    assert http_status(result) == 400
    assert result.order.status is OrderStatus.ERROR
    assert result.failed_order_id is not None
    assert result.error is not None
    assert "PSabcdefghijklmnop" not in result.error
    [failed] = await queries.list_failed_orders(app.deps)
    assert failed.id == result.failed_order_id
    assert failed.order_id == result.order.id
    assert failed.broker_error is not None
    assert "APBK0952" in failed.broker_error
    assert "PSabcdefghijklmnop" not in failed.broker_error
    assert "PSabcd***" in failed.broker_error
    assert len(failed.reason) <= 100
    assert failed.order_params["idempotency_key"] == "wh-9"
    assert failed.order_params["price"] == "70000"
    assert failed.webhook_id == "hook-7"
    assert "FailedOrderSaved" in await event_names(app)


async def test_submit_broker_timeout_leaves_order_unconfirmed_without_failed_order(
    app: App, broker: InProcessBroker
) -> None:
    broker.script(Hang())

    result = await submit(app.deps, an_order_request())

    assert result.outcome is SubmitOutcome.UNCONFIRMED
    assert http_status(result) == 408
    assert result.order.status is OrderStatus.UNCONFIRMED
    assert result.failed_order_id is None
    assert await count_rows(app, "failed_orders") == 0
    assert len(broker.placed) == 1  # the broker did get it: exactly why it is not "failed"


async def test_submit_connection_lost_after_sending_is_unconfirmed(
    app: App, broker: InProcessBroker
) -> None:
    broker.script(LoseAnswer())

    result = await submit(app.deps, an_order_request())

    assert result.outcome is SubmitOutcome.UNCONFIRMED
    assert await count_rows(app, "failed_orders") == 0


async def test_submit_dropped_request_is_unconfirmed_not_failed(
    app: App, broker: InProcessBroker
) -> None:
    broker.script(Drop())

    result = await submit(app.deps, an_order_request())

    assert result.order.status is OrderStatus.UNCONFIRMED
    assert broker.placed == []
    assert await count_rows(app, "failed_orders") == 0


async def test_submit_market_order_is_sent_without_price(app: App, broker: InProcessBroker) -> None:
    result = await submit(app.deps, an_order_request(order_type=OrderType.MARKET))

    assert result.order.status is OrderStatus.SENT
    assert broker.placed[0].price is None
    assert result.order.price is None


async def test_submit_immediate_partial_fill_arriving_first_is_applied(
    app: App, broker: InProcessBroker
) -> None:
    broker.script(Accept(fill_quantity=4))
    notices = broker.fill_notices()
    result = await submit(app.deps, an_order_request())
    notice = await anext(notices)
    await notices.aclose()

    assert await process_fill(app.deps, notice) is FillOutcome.APPLIED
    order = await queries.get_order(app.deps, result.order.id)
    assert order is not None
    assert order.status is OrderStatus.PARTIAL
    assert order.filled_quantity == Decimal(4)
    assert order.average_fill_price == Price(70_000)
    assert await queries.list_failed_orders(app.deps, FailedOrderFilter(status=None)) == []


async def test_submit_after_todays_loss_reaches_the_limit_rejects_buys_not_sells(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    app = await make_app(daily_loss_limit=Decimal(50_000))
    buy = await submit(app.deps, an_order_request(idempotency_key="buy", quantity=Quantity(11)))
    await process_fill(app.deps, broker.fill(BrokerOrderId(buy.order.broker_order_id or ""), 11))
    sell = await submit(
        app.deps,
        an_order_request(idempotency_key="sell", side=Side.SELL, price=Price(60_000)),
    )
    await process_fill(app.deps, broker.fill(BrokerOrderId(sell.order.broker_order_id or ""), 10))

    blocked = await submit(app.deps, an_order_request(idempotency_key="again"))
    exit_ok = await submit(
        app.deps, an_order_request(idempotency_key="exit", side=Side.SELL, quantity=Quantity(1))
    )

    assert blocked.outcome is SubmitOutcome.REJECTED
    assert blocked.error is not None
    assert "daily_loss_limit" in blocked.error
    assert "100,000원" in blocked.error
    assert "오늘 실현손실" in blocked.error
    assert exit_ok.outcome is SubmitOutcome.ACCEPTED


async def test_submit_market_buy_is_valued_at_the_upper_limit_for_exposure(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    app = await make_app(max_symbol_exposure=Decimal(1_000_000))
    broker.prices[Symbol("005930")] = Price(50_000)  # upper limit 65,000

    small = an_order_request(
        idempotency_key="m1", order_type=OrderType.MARKET, quantity=Quantity(15)
    )
    large = an_order_request(
        idempotency_key="m2", order_type=OrderType.MARKET, quantity=Quantity(16)
    )
    accepted = await submit(app.deps, small)  # 975,000 won at the upper limit
    rejected = await submit(app.deps, large)  # 1,040,000 won at the upper limit

    assert accepted.outcome is SubmitOutcome.ACCEPTED
    assert rejected.outcome is SubmitOutcome.REJECTED
    assert rejected.error is not None
    assert "max_symbol_exposure" in rejected.error
    assert broker.place_calls == 1


async def test_submit_market_buy_without_a_quote_is_rejected_under_an_exposure_limit(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    app = await make_app(max_symbol_exposure=Decimal(1_000_000))
    broker.quote_error = BrokerUnavailable("quote timed out")

    result = await submit(
        app.deps, an_order_request(order_type=OrderType.MARKET, quantity=Quantity(1))
    )

    assert result.outcome is SubmitOutcome.REJECTED
    assert result.error is not None
    assert "가격이 없어 종목당 한도를 확인할 수 없습니다" in result.error
    assert broker.place_calls == 0


async def test_submit_untranslated_send_error_leaves_the_order_unconfirmed(
    app: App, broker: InProcessBroker
) -> None:
    broker.script(Fail(KeyError("ODNO")))

    result = await submit(app.deps, an_order_request())

    assert result.outcome is SubmitOutcome.UNCONFIRMED
    assert result.order.status is OrderStatus.UNCONFIRMED
    assert http_status(result) == 408
    assert await count_rows(app, "failed_orders") == 0


async def test_submit_config_error_at_send_is_refused_with_a_failed_order(
    app: App, broker: InProcessBroker
) -> None:
    broker.script(Fail(ConfigError("EGW02004: paper key on the real domain")))

    result = await submit(app.deps, an_order_request())

    assert result.outcome is SubmitOutcome.REFUSED
    assert result.order.status is OrderStatus.ERROR
    assert result.failed_order_id is not None


async def test_submit_concurrent_buys_cannot_both_pass_the_exposure_limit(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    app = await make_app(max_symbol_exposure=Decimal(1_000_000))
    requests = [an_order_request(idempotency_key=f"c-{i}") for i in range(10)]  # 700,000 each

    results = await asyncio.gather(*(submit(app.deps, r) for r in requests))

    outcomes = [r.outcome for r in results]
    assert outcomes.count(SubmitOutcome.ACCEPTED) == 1
    assert outcomes.count(SubmitOutcome.REJECTED) == 9
    assert broker.place_calls == 1


async def test_submit_counts_open_market_buys_at_their_valuation(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    # Market buys sent before the open rest at the broker unfilled: each must count.
    app = await make_app(max_symbol_exposure=Decimal(1_000_000))
    broker.prices[Symbol("005930")] = Price(50_000)  # upper limit 65,000

    def market_buy(key: str) -> OrderRequest:
        return an_order_request(
            idempotency_key=key, order_type=OrderType.MARKET, quantity=Quantity(8)
        )

    first = await submit(app.deps, market_buy("pre-1"))  # 520,000 won, still open
    second = await submit(app.deps, market_buy("pre-2"))  # together 1,040,000 won

    assert first.outcome is SubmitOutcome.ACCEPTED
    assert first.order.status is OrderStatus.SENT
    assert second.outcome is SubmitOutcome.REJECTED
    assert second.error is not None
    assert "max_symbol_exposure" in second.error
    assert broker.place_calls == 1
