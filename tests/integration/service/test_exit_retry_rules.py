"""The rules of re-placing a refused exit, on the real pipeline and database with the in-process
broker and a fake clock: the retry waits out a halt, then sells what is still held; a stopped
monitor places nothing more; a refusal no retry can cure (our auth) is told once and never
re-placed."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from sqlalchemy import text

from hantu.adapters.db.monitor_positions import SqlMonitorPositions
from hantu.bootstrap import App
from hantu.domain.enums import Side
from hantu.domain.events import OrderFilled
from hantu.domain.exits import ExitRules
from hantu.domain.monitor_state import MonitorState
from hantu.domain.monitor_status import derive_state
from hantu.domain.values import BrokerOrderId, Price, Quantity, StrategyAccountId, Symbol
from hantu.errors import BrokerAuthError
from hantu.service_layer.exit_monitor import ExitMonitor
from hantu.service_layer.fills import process_fill
from hantu.service_layer.monitor_ports import MonitorOptions
from hantu.service_layer.orders import submit
from hantu.service_layer.ports import Tick
from tests.builders import an_order_request
from tests.fakes import FakeClock
from tests.inprocess_broker import Fail, InProcessBroker, Refuse
from tests.integration.service.conftest import MakeApp

SYMBOL = Symbol("005930")
RULES = ExitRules(stop_loss_pct=Decimal(3), take_profit_pct=Decimal(5))  # stop: 67,900원


class Unwatched:
    async def watch(
        self, account: StrategyAccountId, symbol: Symbol, *, order_book: bool = False
    ) -> None:
        return None

    async def unwatch(self, account: StrategyAccountId, symbol: Symbol) -> None:
        return None


class Told:
    def __init__(self) -> None:
        self.fills: list[str] = []
        self.unprotected: list[tuple[str, str, str]] = []

    async def exit_filled(self, order_id: str, kind: str, title: str, body: str) -> None:
        self.fills.append(order_id)

    async def exit_unprotected(self, order_id: str, title: str, body: str) -> None:
        self.unprotected.append((order_id, title, body))


async def _protected(
    make_app: MakeApp, broker: InProcessBroker, told: Told
) -> tuple[App, ExitMonitor]:
    app = await make_app(monitor_enabled=False)
    options = MonitorOptions(retry_attempts=3, retry_backoff_seconds=1.0)
    monitor = ExitMonitor(
        app.deps, SqlMonitorPositions(app.db), Unwatched(), told, RULES,
        options=options, unprotected=told,
    )  # fmt: skip
    app.bus.subscribe(OrderFilled, monitor.on_filled)
    await monitor.start()
    buy = await submit(app.deps, an_order_request(idempotency_key="buy"))
    await process_fill(app.deps, broker.fill(BrokerOrderId(buy.order.broker_order_id or ""), 10))
    await app.bus.drain()
    return app, monitor


def _cross(monitor: ExitMonitor, clock: FakeClock) -> None:
    monitor.on_tick(Tick(SYMBOL, Price(67_800), Quantity(1), clock.now()))


def _sells(broker: InProcessBroker) -> list[tuple[int, Decimal | None]]:
    return [(int(o.quantity), o.price) for o in broker.placed if o.side is Side.SELL]


async def test_a_refused_exit_waits_out_a_halt_then_sells_what_is_still_held(
    make_app: MakeApp, broker: InProcessBroker, clock: FakeClock
) -> None:
    told = Told()
    app, monitor = await _protected(make_app, broker, told)
    broker.script(Refuse())  # the exit; the re-placement is accepted
    _cross(monitor, clock)
    monitor.on_market_status(True, SYMBOL)  # VI, while the first refusal is being answered
    await asyncio.sleep(0.2)  # the fake clock runs far past every backoff meanwhile
    assert _sells(broker) == []  # refused, and nothing placed while halted
    halted = monitor.snapshot()
    assert halted.placing == 0  # the retry waits out the halt: not 주문 실행
    state = derive_state(True, [], halted.placing, len(halted.paused), halted.awaiting_fill)
    assert state is MonitorState.HALTED

    manual = an_order_request(idempotency_key="manual", side=Side.SELL, quantity=Quantity(4))
    sold = await submit(app.deps, manual)  # a person sells 4 of the 10 meanwhile
    await process_fill(app.deps, broker.fill(BrokerOrderId(sold.order.broker_order_id or ""), 4))
    await app.bus.drain()
    monitor.on_tick(Tick(SYMBOL, Price(67_700), Quantity(1), clock.now()))  # a newer price
    monitor.on_market_status(False, SYMBOL)
    await monitor.drain()

    assert _sells(broker) == [(4, Decimal(70_000)), (6, Decimal(67_700))]
    assert told.unprotected == []
    async with app.db.connect() as connection:
        query = text("SELECT idempotency_key FROM orders WHERE side = 'SELL' ORDER BY created_at")
        keys = [row[0] for row in (await connection.execute(query)).all()]
    assert keys[0].startswith("exit:1:005930:stop_loss:")
    assert keys[1:] == ["manual", f"{keys[0]}:x1"]


async def test_a_stopped_monitor_does_not_re_place_a_refused_exit(
    make_app: MakeApp, broker: InProcessBroker, clock: FakeClock
) -> None:
    _, monitor = await _protected(make_app, broker, Told())
    broker.script(Refuse())
    _cross(monitor, clock)
    monitor.on_market_status(True, SYMBOL)
    await asyncio.sleep(0.1)
    await monitor.stop()  # the close, or a person
    await monitor.drain()

    assert _sells(broker) == []
    assert broker.place_calls == 2  # the buy and the refused exit, nothing after


async def test_an_auth_refusal_is_told_once_and_never_re_placed(
    make_app: MakeApp, broker: InProcessBroker, clock: FakeClock
) -> None:
    told = Told()
    _, monitor = await _protected(make_app, broker, told)
    broker.script(Fail(BrokerAuthError("token refused")))
    _cross(monitor, clock)
    await monitor.drain()

    assert broker.place_calls == 2
    ((_, title, body),) = told.unprotected
    assert title == "🚨 긴급: 손절 매도 실패 - 포지션 보호 안 됨"
    assert "재주문하지 않습니다" in body
