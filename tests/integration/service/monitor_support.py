"""Helpers of the exit monitor's simulator tests: the embedded app, buys that end watched,
the SELL orders as stored."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hantu.adapters.clock import SystemClock
from hantu.adapters.db import tables
from hantu.adapters.db.monitor_positions import SqlMonitorPositions
from hantu.adapters.kis.broker import KisBroker
from hantu.adapters.kis.realtime_types import Subscription
from hantu.adapters.passwords import PasswordHashing
from hantu.bootstrap import App, build
from hantu.bootstrap.monitor import BrokerWatch, ServiceNotifier, exit_rules, hear, monitor_options
from hantu.bootstrap.monitor_control import BrokerFeeds
from hantu.config import Settings
from hantu.domain.enums import OrderStatus, Side
from hantu.domain.values import Price, Quantity, StrategyAccountId, Symbol
from hantu.service_layer import queries
from hantu.service_layer.exit_monitor import ExitMonitor
from hantu.service_layer.monitor_control import MonitorControl
from hantu.service_layer.orders import submit
from hantu.service_layer.ports import Clock
from hantu.simulator.server import Simulator
from tests.builders import an_order_request
from tests.fakes_remote.telegram_server import FakeTelegram

ACCOUNT = StrategyAccountId(1)  # the demo's strategy account


class HurriedClock(SystemClock):
    """Real time; waits of a second or more (back-off, sleep retry) take a tenth, so the
    realtime client's 1-2-4-8-16 s reconnects and its sleep state fit in a test."""

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds / 10 if seconds >= 1 else seconds)


async def until(predicate: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


@asynccontextmanager
async def running(
    database_url: str, tmp_path: Path, clock: Clock | None = None, **extra: Any
) -> AsyncIterator[App]:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "settle_interval_seconds": 0,  # fills come through the notice stream only
        "simulator_walk_seconds": 0,  # prices move only as the test scripts them
        "exit_stop_loss_pct": 3,
        "exit_take_profit_pct": 5,
    }
    values.update(extra)
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    hasher = PasswordHashing(time_cost=1, memory_cost=8)
    application = build(settings, clock=clock, hasher=hasher)
    async with application:
        yield application


def telegram_to(server: FakeTelegram, chat: int) -> dict[str, Any]:
    """Settings that send every notice to `chat` of the fake Telegram server `server`."""
    return {
        "telegram_bot_token": server.token,
        "telegram_api_url": server.base_url,
        "telegram_chat_id": chat,
    }


@asynccontextmanager
async def budgeted_monitor(
    app: App, registrations: int
) -> AsyncIterator[tuple[ExitMonitor, MonitorControl]]:
    """The app's monitor wiring (run with `monitor_enabled=False`) on a smaller WebSocket
    budget, started, its REST poller and fill waits running."""
    watch = BrokerWatch(app.deps.brokers)
    monitor = ExitMonitor(
        app.deps,
        SqlMonitorPositions(app.db),
        watch,
        ServiceNotifier(None),
        exit_rules(app.settings),
        stream=watch,
        options=replace(monitor_options(app.settings), registrations=registrations),
    )
    hear(monitor, app.bus, app.realtime)
    positions = SqlMonitorPositions(app.db)
    control = MonitorControl(monitor, BrokerFeeds(app.deps.brokers), positions, app.clock)
    await control.start()
    loops = asyncio.create_task(monitor.loops())
    try:
        yield monitor, control
    finally:
        loops.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loops


def simulator(app: App) -> Simulator:
    assert app.simulator is not None
    return app.simulator


async def kis_broker(app: App) -> KisBroker:
    broker = await app.deps.brokers.broker_for(int(ACCOUNT))
    assert isinstance(broker, KisBroker)
    assert broker.realtime is not None
    return broker


async def buy(app: App, code: str, quantity: int = 10, price: int = 70_000) -> None:
    """Buy at `price` and wait for the fill."""
    simulator(app).feed.set_price(code, price)
    request = an_order_request(
        symbol=Symbol(code),
        quantity=Quantity(quantity),
        price=Price(price),
        idempotency_key=f"buy-{code}",
    )
    result = await submit(app.deps, request)

    async def filled() -> bool:
        order = await queries.get_order(app.deps, str(result.order.id))
        return order is not None and order.status is OrderStatus.FILLED

    try:
        await until(filled)
    except AssertionError:
        order = await queries.get_order(app.deps, str(result.order.id))
        raise AssertionError(f"the buy of {code} did not fill: {order}") from None


async def buy_and_watch(app: App, quantity: int = 10, code: str = "005930") -> None:
    """Buy at 70,000원; wait for the fill and for the symbol's trades and status streams."""
    await buy(app, code, quantity)
    realtime = (await kis_broker(app)).realtime
    assert realtime is not None

    async def watching() -> bool:
        assert app.monitor is not None
        subscribed = {Subscription("H0STCNT0", code), Subscription("H0STMKO0", code)}
        watched = (ACCOUNT, Symbol(code)) in app.monitor.watched()
        return watched and subscribed <= realtime.acknowledged

    await until(watching)


@dataclass(frozen=True)
class Sell:
    idempotency_key: str
    source: str
    status: OrderStatus
    quantity: Decimal
    price: Decimal | None
    filled: Decimal


async def sells(app: App) -> list[Sell]:
    """The SELL orders as stored (oldest first), with the source the views do not show."""
    o = tables.orders.c
    query = (
        select(o.idempotency_key, o.source, o.status, o.quantity, o.price, o.filled_quantity)
        .where(o.side == Side.SELL.value)
        .order_by(o.created_at)
    )
    async with app.db.connect() as connection:
        rows = (await connection.execute(query)).all()
    return [Sell(k, s, OrderStatus(st), Decimal(q), p, Decimal(f)) for k, s, st, q, p, f in rows]
