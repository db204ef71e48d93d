"""Spec 000 §5.1 through the real pipeline on both databases: each way the broker can fail an
approved alert's order gets its own outcome and Korean line, and none is sent twice."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from hantu.adapters.db import tables as t
from hantu.adapters.db.alerts_repository import SqlAlertStore
from hantu.bootstrap import App
from hantu.domain.alerts import Alert, AlertStatus
from hantu.domain.enums import OrderType, Side
from hantu.domain.values import Price, Quantity, Symbol
from hantu.entrypoints.web.service_pipeline import ServicePipeline
from hantu.errors import BrokerAuthError, BrokerUnreachable
from hantu.messages_ko import alerts as ko
from hantu.service_layer import alerts
from hantu.service_layer.alerts import AlertActor, AlertDeps, DecisionOutcome
from hantu.service_layer.webhooks import AccountResult, WebhookSignal
from tests.inprocess_broker import Fail, Hang, InProcessBroker, Refuse
from tests.integration.service.conftest import MakeApp

OWNER = AlertActor(user_id=1, via="web")


def _deps(app: App) -> AlertDeps:
    return AlertDeps(
        store=SqlAlertStore(app.db),
        clock=app.clock,
        submit=ServicePipeline(app.deps).submit,
        quote=alerts.broker_quote(app.brokers),
    )


async def _alert(deps: AlertDeps) -> Alert:
    signal = WebhookSignal(
        symbol=Symbol("005930"),
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=Quantity(10),
        price=Price(70_000),
        delivery_id="d-1",
    )
    return await alerts.create_alert(
        deps, user_id=1, strategy_id=7, account_ids=[1], signal=signal, payload={}
    )


async def _order_statuses(app: App) -> list[str]:
    async with app.db.connect() as conn:
        return list((await conn.execute(select(t.orders.c.status))).scalars())


async def _failed_orders(app: App) -> int:
    async with app.db.connect() as conn:
        query = select(func.count()).select_from(t.failed_orders)
        return int((await conn.execute(query)).scalar_one())


async def test_broker_auth_failure_answers_its_own_outcome_and_message(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    app = await make_app()
    deps = _deps(app)
    alert = await _alert(deps)
    broker.script(Fail(BrokerAuthError("기간이 만료된 token 입니다.", code="EGW00123")))

    decision = await alerts.approve(deps, alert.id, OWNER)
    again = await alerts.approve(deps, alert.id, OWNER)
    stored = await alerts.get_for(deps, 1, alert.id)

    assert decision.outcome is DecisionOutcome.BROKER_AUTH
    assert decision.message_ko == ko.BROKER_AUTH
    assert stored is not None
    assert stored.status is AlertStatus.FAILED
    assert again.outcome is DecisionOutcome.ALREADY_HANDLED
    assert broker.place_calls == 1
    assert await _order_statuses(app) == ["ERROR"]


async def test_broker_refusal_shows_the_brokers_message(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    app = await make_app()
    deps = _deps(app)
    alert = await _alert(deps)
    broker.script(Refuse(code="APBK0919", message="주문가능금액을 초과 했습니다"))

    decision = await alerts.approve(deps, alert.id, OWNER)
    stored = await alerts.get_for(deps, 1, alert.id)

    assert decision.outcome is DecisionOutcome.FAILED
    assert decision.message_ko == "❌ 주문 실행 실패: 주문가능금액을 초과 했습니다"
    assert stored is not None
    assert stored.failure_reason == "주문가능금액을 초과 했습니다"
    assert await _failed_orders(app) == 1


async def test_an_unreachable_broker_is_a_network_failure_with_nothing_placed(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    app = await make_app()
    deps = _deps(app)
    alert = await _alert(deps)
    broker.script(Fail(BrokerUnreachable("could not connect to KIS (ConnectError)")))

    decision = await alerts.approve(deps, alert.id, OWNER)

    assert decision.outcome is DecisionOutcome.NETWORK
    assert decision.message_ko == ko.NETWORK
    assert broker.placed == []


async def test_a_timeout_shows_the_order_unconfirmed_and_it_is_never_resent(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    app = await make_app()
    deps = _deps(app)
    alert = await _alert(deps)
    broker.script(Hang())

    decision = await alerts.approve(deps, alert.id, OWNER)
    again = await alerts.approve(deps, alert.id, OWNER)
    stored = await alerts.get_for(deps, 1, alert.id)

    assert decision.outcome is DecisionOutcome.UNCONFIRMED
    assert decision.message_ko == ko.UNCONFIRMED
    assert stored is not None
    assert stored.order_id == decision.order_id
    assert again.outcome is DecisionOutcome.ALREADY_HANDLED
    assert broker.place_calls == 1
    assert await _order_statuses(app) == ["UNCONFIRMED"]


async def test_an_auth_error_raised_before_sending_is_the_auth_outcome(
    make_app: MakeApp, broker: InProcessBroker
) -> None:
    # The broker is asked before the order is built (balance, quote); a token refused there
    # raises out of the pipeline: definitive, nothing was sent.
    app = await make_app()

    async def refused(_request: object, _webhook_id: str | None) -> AccountResult:
        raise BrokerAuthError("token request refused", code="EGW00103")

    deps = replace(_deps(app), submit=refused)
    alert = await _alert(deps)

    decision = await alerts.approve(deps, alert.id, OWNER)

    assert decision.outcome is DecisionOutcome.BROKER_AUTH
    assert decision.message_ko == ko.BROKER_AUTH
    assert broker.place_calls == 0
