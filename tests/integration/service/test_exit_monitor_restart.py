"""The exit monitor on the real pipeline and database, fed ticks by hand: repeated ticks and
a restarted monitor that evaluates the same crossing again place one sell; the exit's fill
closes the position, stops the watch and tells the 손절 notice."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from sqlalchemy import text

from hantu.adapters.db.monitor_positions import SqlMonitorPositions
from hantu.bootstrap import App
from hantu.domain.enums import Side
from hantu.domain.events import OrderFilled
from hantu.domain.exits import ExitRules
from hantu.domain.values import BrokerOrderId, Price, Quantity, StrategyAccountId, Symbol
from hantu.service_layer import queries
from hantu.service_layer.exit_monitor import ExitMonitor
from hantu.service_layer.fills import process_fill
from hantu.service_layer.monitor_ports import MonitorOptions
from hantu.service_layer.orders import submit
from hantu.service_layer.ports import Tick
from hantu.service_layer.queries import OrderView
from tests.builders import an_order_request
from tests.fakes import FakeClock
from tests.inprocess_broker import InProcessBroker
from tests.integration.service.conftest import MakeApp

SYMBOL = Symbol("005930")
ACCOUNT = StrategyAccountId(1)
RULES = ExitRules(stop_loss_pct=Decimal(3), take_profit_pct=Decimal(5))


class RecordingWatch:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int, str]] = []

    async def watch(
        self, account: StrategyAccountId, symbol: Symbol, *, order_book: bool = False
    ) -> None:
        self.calls.append(("watch", int(account), symbol.code))

    async def unwatch(self, account: StrategyAccountId, symbol: Symbol) -> None:
        self.calls.append(("unwatch", int(account), symbol.code))


class RecordingNotifier:
    def __init__(self) -> None:
        self.told: list[tuple[str, str, str, str]] = []

    async def exit_filled(self, order_id: str, kind: str, title: str, body: str) -> None:
        self.told.append((order_id, kind, title, body))


def _tick(clock: FakeClock, price: int) -> Tick:
    return Tick(SYMBOL, Price(price), Quantity(1), clock.now())


async def test_exit_monitor_one_sell_across_repeats_and_a_restart_then_told_and_unwatched(
    make_app: MakeApp, broker: InProcessBroker, clock: FakeClock
) -> None:
    app = await make_app(monitor_enabled=False)
    watch, notifier = RecordingWatch(), RecordingNotifier()
    positions = SqlMonitorPositions(app.db)
    monitor = ExitMonitor(app.deps, positions, watch, notifier, RULES)
    app.bus.subscribe(OrderFilled, monitor.on_filled)
    await monitor.start()
    buy = await submit(app.deps, an_order_request(idempotency_key="buy"))
    await process_fill(app.deps, broker.fill(BrokerOrderId(buy.order.broker_order_id or ""), 10))
    await app.bus.drain()
    assert watch.calls == [("watch", 1, "005930")]  # the buy's fill started the watch

    monitor.on_tick(_tick(clock, 68_000))  # above the stop (67,900원): nothing
    for price in (67_800, 67_800, 67_700):
        monitor.on_tick(_tick(clock, price))
    await monitor.drain()
    told_after_restart = RecordingNotifier()
    restarted = ExitMonitor(app.deps, positions, RecordingWatch(), told_after_restart, RULES)
    app.bus.subscribe(OrderFilled, restarted.on_filled)
    await restarted.start()  # the sell rests unfilled: the position is still open
    restarted.on_tick(_tick(clock, 67_600))
    await restarted.drain()

    sells = [o for o in broker.placed if o.side is Side.SELL]
    assert [(s.quantity, s.price) for s in sells] == [(10, 67_800)]
    assert (ACCOUNT, SYMBOL) in restarted.watched()

    await process_fill(app.deps, broker.fill(sells[0].broker_order_id, 10, Decimal(67_800)))
    await app.bus.drain()

    assert watch.calls[-1] == ("unwatch", 1, "005930")
    assert monitor.watched() == {}
    ((_, kind, title, body),) = notifier.told
    assert kind == "stop_loss"
    assert title == "📉 손절 체결"
    assert "67,800원" in body
    assert "70,000원" in body
    assert "-22,000원" in body  # (67,800 − 70,000) × 10
    assert [t[2:] for t in told_after_restart.told] == [(title, body)]  # told from the DB
    async with app.db.connect() as connection:
        query = text("SELECT source, idempotency_key FROM orders WHERE side = 'SELL'")
        ((source, key),) = (await connection.execute(query)).all()
    assert source == "monitor:stop_loss"
    assert key.startswith("exit:1:005930:stop_loss:")


async def test_exit_monitor_market_pricing_from_settings_sells_at_market(
    make_app: MakeApp, broker: InProcessBroker, clock: FakeClock
) -> None:
    app = await make_app(exit_pricing="market", exit_take_profit_pct=2)
    assert app.monitor is not None
    buy = await submit(app.deps, an_order_request(idempotency_key="buy"))
    await process_fill(app.deps, broker.fill(BrokerOrderId(buy.order.broker_order_id or ""), 10))
    await app.bus.drain()
    assert (ACCOUNT, SYMBOL) in app.monitor.watched()

    app.monitor.on_tick(_tick(clock, 71_400))  # the target: 71,400원 (+2 %)
    await app.monitor.drain()

    sells = [o for o in broker.placed if o.side is Side.SELL]
    assert [(s.quantity, s.order_type.value, s.price) for s in sells] == [(10, "MARKET", None)]


async def test_exit_monitor_logs_late_ticks_once_a_minute_per_symbol(
    make_app: MakeApp, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    app = await make_app()
    assert app.monitor is not None
    caplog.set_level(logging.WARNING, logger="hantu.service_layer.exit_monitor")
    at = clock.now()

    clock.advance(2)
    app.monitor.on_tick(Tick(SYMBOL, Price(70_000), Quantity(1), at))
    app.monitor.on_tick(Tick(SYMBOL, Price(70_000), Quantity(1), at))  # within the minute
    clock.advance(65)
    app.monitor.on_tick(Tick(SYMBOL, Price(70_000), Quantity(1), at))
    app.monitor.on_tick(Tick(SYMBOL, Price(70_000), Quantity(1), clock.now()))  # on time

    late = [(r.levelno, r.getMessage()) for r in caplog.records if "late" in r.getMessage()]
    assert late == [
        (logging.WARNING, "tick of 005930 arrived 2.0 s late"),
        (logging.ERROR, "tick of 005930 arrived 67.0 s late"),
    ]


class RecordingWarnings:
    def __init__(self) -> None:
        self.told: list[tuple[str, str, str]] = []

    async def exit_unfilled(self, order_id: str, title: str, body: str) -> None:
        self.told.append((order_id, title, body))


async def test_a_restarted_monitor_awaits_the_resting_exit_and_reorders_it_after_the_wait(
    make_app: MakeApp, broker: InProcessBroker, clock: FakeClock
) -> None:
    app = await make_app(monitor_enabled=False)
    positions = SqlMonitorPositions(app.db)
    monitor = ExitMonitor(app.deps, positions, RecordingWatch(), RecordingNotifier(), RULES)
    app.bus.subscribe(OrderFilled, monitor.on_filled)
    await monitor.start()
    buy = await submit(app.deps, an_order_request(idempotency_key="buy"))
    await process_fill(app.deps, broker.fill(BrokerOrderId(buy.order.broker_order_id or ""), 10))
    await app.bus.drain()
    monitor.on_tick(_tick(clock, 67_800))  # through the stop: a limit sell that rests
    await monitor.drain()
    assert len(monitor.fill_wait.pending()) == 1

    warnings = RecordingWarnings()
    options = MonitorOptions(fill_wait_seconds=60)
    restarted = ExitMonitor(
        app.deps, positions, RecordingWatch(), RecordingNotifier(), RULES,
        warnings=warnings, options=options,
    )  # fmt: skip
    await restarted.start()
    (pending,) = restarted.fill_wait.pending()
    assert pending.attempt == 0
    assert pending.trigger.idempotency_key.startswith("exit:1:005930:stop_loss:")
    clock.advance(30)
    assert await restarted.fill_wait.check_due() == []  # within the minute: nothing yet
    restarted.on_tick(_tick(clock, 67_500))  # the last price, for the re-order
    await restarted.drain()
    clock.advance(31)
    assert await restarted.fill_wait.check_due() == [pending.order_id]

    sells = [o for o in broker.placed if o.side is Side.SELL]
    assert [(s.quantity, s.price) for s in sells] == [(10, 67_800), (10, 67_500)]
    assert [s.status.value for s in await _orders(app)] == ["CANCELED", "SENT"]
    ((order_id, title, body),) = warnings.told
    assert order_id == pending.order_id
    assert title == "⚠️ 체결 미확인"
    assert "손절 매도 10주 중 10주 미체결 (60초 경과)" in body
    assert "잔여 10주 재주문: 67,500원" in body
    (again,) = restarted.fill_wait.pending()
    assert again.attempt == 1
    clock.advance(61)
    assert await restarted.fill_wait.check_due() == [again.order_id]
    assert len([o for o in broker.placed if o.side is Side.SELL]) == 2  # at most one re-order
    assert "자동 재주문 없음" in warnings.told[-1][2]


async def _orders(app: App) -> list[OrderView]:
    async with app.db.connect() as connection:
        query = text("SELECT id FROM orders WHERE side = 'SELL' ORDER BY created_at, id")
        ids = [row[0] for row in (await connection.execute(query)).all()]
    views = [await queries.get_order(app.deps, order_id) for order_id in ids]
    return [v for v in views if v is not None]
