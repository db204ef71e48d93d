"""Approved alerts over the real `KisBroker` and the KIS simulator's faults, both databases:
refused credentials, an order the broker refuses, and an order whose answer never comes each
end as spec 000 §5.1 says, and the simulator never holds an order twice."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest

from hantu.adapters.clock import SystemClock
from hantu.adapters.db.alerts_repository import SqlAlertStore
from hantu.adapters.kis.broker import KisBroker, build_kis_broker
from hantu.adapters.kis.transport import KisHttp
from hantu.bootstrap import App, build
from hantu.bootstrap.alerts import pipeline_submit
from hantu.config import Settings
from hantu.domain.alerts import Alert
from hantu.domain.enums import OrderType, Side
from hantu.domain.values import Price, Quantity, Symbol
from hantu.messages_ko import alerts as ko
from hantu.service_layer import alerts
from hantu.service_layer.alerts import AlertActor, AlertDeps, DecisionOutcome
from hantu.service_layer.webhooks import WebhookSignal
from tests.fixtures.kis_simulator import KisSimHandle

from .conftest import MakeBroker, connection_for

OWNER = AlertActor(user_id=1, via="telegram")
AlertApp = Callable[..., Awaitable[tuple[AlertDeps, KisSimHandle]]]


@pytest.fixture
async def alert_app(
    database_url: str, tmp_path: Path, kis_sim: KisSimHandle, make_broker: MakeBroker
) -> AsyncIterator[AlertApp]:
    apps: list[App] = []

    async def make(broker: KisBroker | None = None) -> tuple[AlertDeps, KisSimHandle]:
        kis_sim.feed.set_price("005930", 70000)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=database_url,
            data_dir=tmp_path,
            order_timeout_seconds=0.5,
            order_queue_seconds=0.5,
            settle_interval_seconds=0,
            alert_sweep_seconds=0,
        )
        app = build(settings, brokers=broker or make_broker(kis_sim))
        await app.start()
        apps.append(app)
        deps = AlertDeps(
            store=SqlAlertStore(app.db),
            clock=app.clock,
            submit=pipeline_submit(app.deps),
            quote=alerts.broker_quote(app.brokers),
        )
        return deps, kis_sim

    yield make
    for app in apps:
        await app.close()


async def _alert(deps: AlertDeps) -> Alert:
    signal = WebhookSignal(
        symbol=Symbol("005930"),
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=Quantity(1),
        price=Price(70000),
        delivery_id="d-1",
    )
    return await alerts.create_alert(
        deps, user_id=1, strategy_id=7, account_ids=[1], signal=signal, payload={}
    )


async def test_refused_credentials_answer_the_auth_outcome(
    alert_app: AlertApp, kis_sim: KisSimHandle, http: KisHttp, tmp_path: Path
) -> None:
    connection = connection_for(kis_sim, tmp_path / "bad-cache")
    wrong = replace(
        connection, credentials=replace(connection.credentials, app_secret="wrong-secret")
    )
    broker = build_kis_broker(wrong, http, SystemClock())
    try:
        deps, sim = await alert_app(broker)
        alert = await _alert(deps)
        decision = await alerts.approve(deps, alert.id, OWNER)
    finally:
        await broker.aclose()

    assert decision.outcome is DecisionOutcome.BROKER_AUTH
    assert decision.message_ko == ko.BROKER_AUTH
    assert sim.engine.orders_of(sim.account_obj) == []


async def test_an_order_the_broker_refuses_shows_its_message(alert_app: AlertApp) -> None:
    deps, sim = await alert_app()
    alert = await _alert(deps)
    sim.faults.reject_next_order("APBK0952", "주문가능금액을 초과 했습니다")

    decision = await alerts.approve(deps, alert.id, OWNER)

    assert decision.outcome is DecisionOutcome.FAILED
    assert decision.message_ko == ko.failed("주문가능금액을 초과 했습니다")
    assert sim.engine.orders_of(sim.account_obj) == []


async def test_an_order_whose_answer_never_comes_is_unconfirmed_and_placed_once(
    alert_app: AlertApp,
) -> None:
    deps, sim = await alert_app()
    alert = await _alert(deps)
    sim.faults.delay_rest(3.0)  # the order is placed; its answer comes too late

    decision = await alerts.approve(deps, alert.id, OWNER)
    again = await alerts.approve(deps, alert.id, OWNER)
    sim.faults.delay_rest(0)

    assert decision.outcome is DecisionOutcome.UNCONFIRMED
    assert decision.message_ko == ko.UNCONFIRMED
    assert again.outcome is DecisionOutcome.ALREADY_HANDLED
    assert len(sim.engine.orders_of(sim.account_obj)) == 1
