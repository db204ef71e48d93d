"""A sell above the position is refused before sending; a fill that cannot apply is kept."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from hantu.bootstrap import App
from hantu.domain.enums import OrderStatus, OrderType, Side
from hantu.domain.order import OrderRequest
from hantu.domain.values import BrokerOrderId, FillId, Price, Quantity, StrategyAccountId, Symbol
from hantu.entrypoints.web.outcomes import http_status
from hantu.service_layer import queries
from hantu.service_layer.fills import FillOutcome, process_fill
from hantu.service_layer.orders import SubmitOutcome, submit
from hantu.service_layer.ports import BrokerOrder
from tests.builders import a_fill_notice, a_sent_order, an_order_request
from tests.inprocess_broker import InProcessBroker
from tests.integration.service.support import add_sent, count_rows, events_named, hold


def _sell(key: str, quantity: int) -> OrderRequest:
    return an_order_request(idempotency_key=key, side=Side.SELL, quantity=Quantity(quantity))


async def test_submit_sell_above_the_position_is_refused_before_sending(
    app: App, broker: InProcessBroker
) -> None:
    await hold(app, 1)

    result = await submit(app.deps, _sell("s5", 5))

    assert result.outcome is SubmitOutcome.REJECTED
    assert http_status(result) == 400
    assert result.order.status is OrderStatus.REJECTED
    assert broker.place_calls == 0
    assert result.error == (
        "보유 수량보다 많이 매도할 수 없습니다: 005930 보유 1주, 미체결 매도 0주, 매도 요청 5주"
    )
    [violated] = await events_named(app, "RiskViolated")
    assert violated["rule"] == "sell_above_position"


async def test_submit_second_sell_of_the_only_share_is_refused_while_the_first_is_open(
    app: App, broker: InProcessBroker
) -> None:
    await hold(app, 1)

    first = await submit(app.deps, _sell("s1", 1))
    second = await submit(app.deps, _sell("s2", 1))

    assert first.outcome is SubmitOutcome.ACCEPTED
    assert second.outcome is SubmitOutcome.REJECTED
    assert second.error is not None
    assert "미체결 매도 1주" in second.error
    assert broker.place_calls == 1


async def test_submit_sell_after_the_first_sell_filled_counts_only_what_is_left(
    app: App, broker: InProcessBroker
) -> None:
    await hold(app, 3)
    first = await submit(app.deps, _sell("s1", 2))
    await process_fill(app.deps, broker.fill(BrokerOrderId(first.order.broker_order_id or ""), 2))

    last = await submit(app.deps, _sell("s2", 1))
    too_many = await submit(app.deps, _sell("s3", 1))

    assert last.outcome is SubmitOutcome.ACCEPTED
    assert too_many.outcome is SubmitOutcome.REJECTED


async def test_submit_sell_without_adoption_setting_never_asks_the_broker_balance(
    app: App, broker: InProcessBroker
) -> None:
    # The in-process broker holds 100 shares hantu never bought; without the strategy's
    # switch (no strategy row here means off) they are not hantu's to sell.
    placed = await broker.place_order(_broker_buy(100))
    broker.fill(placed, 100, notify=False)

    result = await submit(app.deps, _sell("s1", 5))

    assert result.outcome is SubmitOutcome.REJECTED
    assert broker.place_calls == 1  # only the test's own buy


def _broker_buy(quantity: int) -> BrokerOrder:
    return BrokerOrder(
        Symbol("005930"), Side.BUY, OrderType.LIMIT, Quantity(quantity), Price(65_000)
    )


async def test_process_fill_above_the_order_is_stored_flagged_logged_and_raised(
    app: App, broker: InProcessBroker, caplog: pytest.LogCaptureFixture
) -> None:
    sent = await submit(app.deps, an_order_request(quantity=Quantity(2)))
    broker_id = BrokerOrderId(sent.order.broker_order_id or "")
    await process_fill(app.deps, broker.fill(broker_id, 2))
    extra = a_fill_notice(broker_order_id=broker_id, fill_id=FillId("extra-3"))

    with caplog.at_level(logging.ERROR, logger="hantu.service_layer.fills"):
        outcome = await process_fill(app.deps, extra)
    again = await process_fill(app.deps, extra)

    assert (outcome, again) == (FillOutcome.NOT_APPLIED, FillOutcome.DUPLICATE)
    assert await count_rows(app, "fills") == 2
    [problem] = await queries.fills_to_check(app.deps, [1])
    assert problem.fill_id == "extra-3"
    assert problem.order_id == sent.order.id
    assert problem.problem.startswith("주문 수량을 넘는 체결입니다: 주문 2주 중 2주 체결 후 1주")
    assert [r.levelname for r in caplog.records] == ["ERROR"]
    assert "extra-3" in caplog.records[0].getMessage()
    [event] = await events_named(app, "FillNotApplied")
    assert event["fill_id"] == "extra-3"
    order = await queries.get_order(app.deps, sent.order.id)
    assert order is not None
    assert order.filled_quantity == Decimal(2)


async def test_process_fill_sell_above_the_position_is_stored_and_flagged(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    # A sell sent before this rule (or settled from the broker's day list) that sells more
    # than the position: the order takes the fill, the position cannot, a human must look.
    order = a_sent_order(broker_order_id="0000077777", side=Side.SELL, quantity=Quantity(5))
    await add_sent(app, order)
    await hold(app, 1)
    notice = a_fill_notice(
        broker_order_id=BrokerOrderId("0000077777"),
        fill_id=FillId("0000077777-1"),
        side=Side.SELL,
        quantity=Quantity(5),
    )

    with caplog.at_level(logging.ERROR, logger="hantu.service_layer.fills"):
        outcome = await process_fill(app.deps, notice)

    assert outcome is FillOutcome.NOT_APPLIED
    [problem] = await queries.fills_to_check(app.deps, [1])
    assert problem.problem.startswith("보유 수량보다 많은 매도 체결입니다: 보유 1주, 체결 5주")
    assert len(caplog.records) == 1
    async with app.uow(read_only=True) as uow:
        position = await uow.positions.get(StrategyAccountId(1), Symbol("005930"))
    assert position is not None
    assert (position.quantity, position.realized_pnl) == (Decimal(1), Decimal(0))
    assert len(await events_named(app, "FillNotApplied")) == 1


async def test_fills_to_check_lists_only_the_accounts_asked_for(app: App) -> None:
    order = a_sent_order(broker_order_id="0000088888", side=Side.SELL, quantity=Quantity(5))
    await add_sent(app, order)
    notice = a_fill_notice(
        broker_order_id=BrokerOrderId("0000088888"), side=Side.SELL, quantity=Quantity(5)
    )
    await process_fill(app.deps, notice)

    assert await queries.fills_to_check(app.deps, [2]) == []
    assert len(await queries.fills_to_check(app.deps, [1, 2])) == 1
