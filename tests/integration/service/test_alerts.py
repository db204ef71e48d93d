"""ALERT mode through the service on both databases, orders through the real pipeline."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal

from sqlalchemy import func, select

from hantu.adapters.db import tables as t
from hantu.adapters.db.alerts_repository import SqlAlertStore
from hantu.bootstrap import App
from hantu.domain.alerts import Alert, AlertStatus
from hantu.domain.enums import OrderType, Side
from hantu.domain.events import Event
from hantu.domain.values import Price, Quantity, Symbol
from hantu.entrypoints.web.service_pipeline import ServicePipeline
from hantu.service_layer import alerts
from hantu.service_layer.alerts import AlertActor, AlertDeps, DecisionOutcome
from hantu.service_layer.webhooks import AccountResult, WebhookSignal
from tests.fakes import FakeClock
from tests.inprocess_broker import Hang, InProcessBroker
from tests.integration.service.conftest import MakeApp

OWNER = AlertActor(user_id=1, via="telegram")


def _deps(app: App, published: list[Event] | None = None) -> AlertDeps:
    sink = published if published is not None else []
    return AlertDeps(
        store=SqlAlertStore(app.db),
        clock=app.clock,
        submit=ServicePipeline(app.deps).submit,
        quote=alerts.broker_quote(app.brokers),
        publish=sink.extend,
    )


def _signal(delivery: str | None = "d-1", price: int = 70_000) -> WebhookSignal:
    return WebhookSignal(
        symbol=Symbol("005930"),
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=Quantity(10),
        price=Price(price),
        delivery_id=delivery,
    )


async def _alert(deps: AlertDeps, delivery: str | None = "d-1") -> Alert:
    return await alerts.create_alert(
        deps,
        user_id=1,
        strategy_id=7,
        account_ids=[1],
        signal=_signal(delivery),
        payload={"token": "secret-token", "symbol": "005930", "id": delivery},
    )


async def _orders(app: App) -> int:
    async with app.db.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(t.orders))).scalar_one())


async def test_a_repeated_delivery_returns_the_same_alert_without_its_token(
    make_app: MakeApp,
) -> None:
    app = await make_app()
    published: list[Event] = []
    deps = _deps(app, published)

    first = await _alert(deps)
    again = await _alert(deps)

    assert again.id == first.id
    assert "token" not in again.signal
    assert [e.name for e in published] == ["AlertCreated"]
    assert [a.id for a in await alerts.pending_for(deps, 1)] == [first.id]


async def test_approve_places_one_order_with_the_alert_key(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    app = await make_app()
    deps = _deps(app)
    alert = await _alert(deps)

    decision = await alerts.approve(deps, alert.id, OWNER)
    again = await alerts.approve(deps, alert.id, OWNER)

    assert decision.outcome is DecisionOutcome.EXECUTED
    assert decision.alert is not None
    assert decision.alert.status is AlertStatus.EXECUTED
    assert decision.alert.decided_via == "telegram"
    assert again.outcome is DecisionOutcome.ALREADY_HANDLED
    assert await _orders(app) == 1
    assert len(broker.placed) == 1


async def test_a_foreign_user_sees_not_found_and_nothing_is_placed(make_app: MakeApp) -> None:
    app = await make_app()
    deps = _deps(app)
    alert = await _alert(deps)

    decision = await alerts.approve(deps, alert.id, AlertActor(user_id=2, via="web"))

    assert decision.outcome is DecisionOutcome.NOT_FOUND
    assert await alerts.get_for(deps, 2, alert.id) is None
    assert await _orders(app) == 0


async def test_reject_then_approve_is_already_handled(make_app: MakeApp) -> None:
    app = await make_app()
    deps = _deps(app)
    alert = await _alert(deps)

    rejected = await alerts.reject(deps, alert.id, OWNER)
    late = await alerts.approve(deps, alert.id, OWNER)

    assert rejected.outcome is DecisionOutcome.REJECTED
    assert late.outcome is DecisionOutcome.ALREADY_HANDLED
    assert [a.status for a in await alerts.decided_for(deps, 1, 10)] == [AlertStatus.REJECTED]
    assert await _orders(app) == 0


async def test_expired_alerts_are_swept_once_and_cannot_be_approved(
    make_app: MakeApp, clock: FakeClock
) -> None:
    app = await make_app(alert_sweep_seconds=0)  # this test sweeps by hand
    deps = _deps(app)
    alert = await _alert(deps)
    clock.advance(301)

    swept = await alerts.expire_due(deps)
    again = await alerts.expire_due(deps)
    decision = await alerts.approve(deps, alert.id, OWNER)

    assert [a.id for a in swept] == [alert.id]
    assert again == []
    assert decision.outcome is DecisionOutcome.EXPIRED
    assert "5분" in decision.message_ko
    assert await _orders(app) == 0


async def test_price_moved_asks_again_and_the_confirmed_price_executes(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    app = await make_app()
    deps = _deps(app)
    alert = await _alert(deps)
    broker.prices[Symbol("005930")] = Price(71_500)  # +2.1% > 1%

    moved = await alerts.approve(deps, alert.id, OWNER)
    confirmed = await alerts.approve(deps, alert.id, OWNER, confirmed_price=moved.new_price)

    assert moved.outcome is DecisionOutcome.PRICE_MOVED
    assert moved.new_price == Decimal(71_500)
    assert confirmed.outcome is DecisionOutcome.EXECUTED
    assert await _orders(app) == 1


async def test_a_broker_timeout_leaves_the_order_unconfirmed_never_resent(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    app = await make_app()
    deps = _deps(app)
    alert = await _alert(deps)
    broker.script(Hang())

    decision = await alerts.approve(deps, alert.id, OWNER)
    again = await alerts.approve(deps, alert.id, OWNER)

    assert decision.outcome is DecisionOutcome.UNCONFIRMED
    assert "미확인" in decision.message_ko
    assert again.outcome is DecisionOutcome.ALREADY_HANDLED
    assert await _orders(app) == 1


async def test_100_alerts_50_concurrent_presses_each_place_exactly_100_orders(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    app = await make_app(order_timeout_seconds=10)
    deps = _deps(app)
    made = [await _alert(deps, f"d-{n}") for n in range(100)]

    async def press(alert: Alert) -> list[DecisionOutcome]:
        answers = await asyncio.gather(*(alerts.approve(deps, alert.id, OWNER) for _ in range(50)))
        return [a.outcome for a in answers]

    results = await asyncio.gather(*(press(a) for a in made))

    assert all(r.count(DecisionOutcome.EXECUTED) == 1 for r in results)
    assert await _orders(app) == 100
    assert len(broker.placed) == 100


async def test_presses_racing_the_sweeper_at_the_deadline_execute_at_most_once(
    make_app: MakeApp, broker: InProcessBroker, clock: FakeClock
) -> None:
    app = await make_app(order_timeout_seconds=10, alert_sweep_seconds=0)
    deps = _deps(app)
    made = [await _alert(deps, f"d-{n}") for n in range(20)]
    clock.advance(300 - 0.001)  # a hair before the deadline: presses may still win

    async def race(alert: Alert) -> list[DecisionOutcome]:
        async def late_press() -> DecisionOutcome:
            clock.advance(0.0001)
            return (await alerts.approve(deps, alert.id, OWNER)).outcome

        answers = await asyncio.gather(late_press(), alerts.expire_due(deps), late_press())
        return [answers[0], answers[2]]

    results = await asyncio.gather(*(race(a) for a in made))
    stored = [await alerts.get_for(deps, 1, a.id) for a in made]

    executed = sum(r.count(DecisionOutcome.EXECUTED) for r in results)
    assert all(r.count(DecisionOutcome.EXECUTED) <= 1 for r in results)
    assert await _orders(app) == executed
    assert all(
        s is not None and s.status in {AlertStatus.EXECUTED, AlertStatus.EXPIRED} for s in stored
    )


async def test_a_submission_that_raises_leaves_the_alert_unconfirmed_not_approving(
    make_app: MakeApp,
) -> None:
    # An unforeseen error may come after the order was stored and sent: it is unknown (settled
    # like any unconfirmed order), never shown as a failure the user might answer by resending.
    app = await make_app()

    async def broken(_request: object, _webhook_id: str | None) -> AccountResult:
        raise RuntimeError("our side failed")

    deps = replace(_deps(app), submit=broken)
    alert = await _alert(deps)

    decision = await alerts.approve(deps, alert.id, OWNER)
    stored = await alerts.get_for(deps, 1, alert.id)

    assert decision.outcome is DecisionOutcome.UNCONFIRMED
    assert "미확인" in decision.message_ko
    assert stored is not None
    assert stored.status is AlertStatus.EXECUTED
