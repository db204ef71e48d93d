"""MonitorControl over the real exit monitor (the simulator over real sockets, both
databases): stopped, it unsubscribes and a crossing sells nothing, and the panel says the
position is unprotected; started again, it subscribes and the next crossing tick sells."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hantu.adapters.kis.broker import KisBroker
from hantu.adapters.kis.realtime_types import Subscription
from hantu.bootstrap import App
from hantu.domain.monitor_state import MonitorState
from hantu.domain.monitor_status import Protection
from tests.integration.service.monitor_support import (
    ACCOUNT,
    buy_and_watch,
    running,
    sells,
    simulator,
    until,
)
from tests.integration.service.test_exit_monitor import CODE, _one_filled_sell

TRADES = Subscription("H0STCNT0", CODE)


@pytest.fixture
async def app(database_url: str, tmp_path: Path) -> AsyncIterator[App]:
    async with running(database_url, tmp_path) as application:
        yield application


async def test_stop_unsubscribes_and_sells_nothing_start_protects_again(app: App) -> None:
    assert app.monitor_runtime is not None
    control = app.monitor_runtime.control
    await buy_and_watch(app)
    broker = await app.deps.brokers.broker_for(int(ACCOUNT))
    assert isinstance(broker, KisBroker)
    assert broker.realtime is not None
    realtime = broker.realtime

    async def monitoring() -> bool:
        return (await control.status()).state is MonitorState.MONITORING

    await until(monitoring)
    (position,) = (await control.status()).positions
    assert position.protection is Protection.WEBSOCKET

    stopped = await control.stop()
    assert stopped.state is MonitorState.IDLE
    assert [p.protection for p in stopped.positions] == [Protection.NONE]
    assert TRADES not in realtime.subscriptions  # unsubscribed at once
    feed = simulator(app).feed
    for price in (68_000, 67_500):  # through the stop (67,900원) while stopped
        feed.set_price(CODE, price)
    await asyncio.sleep(0.3)
    assert await sells(app) == []

    await control.start()

    async def streamed() -> bool:
        status = await control.status()
        return [p.protection for p in status.positions] == [Protection.WEBSOCKET]

    await until(streamed)
    feed.set_price(CODE, 67_400)  # the next tick below the stop sells
    await asyncio.sleep(0.05)
    feed.set_price(CODE, 67_400)
    sell = await _one_filled_sell(app)
    assert sell.source == "monitor:stop_loss"
    assert sell.quantity == 10


async def test_status_says_awaiting_fill_while_the_exit_rests_then_monitoring(app: App) -> None:
    assert app.monitor_runtime is not None
    control = app.monitor_runtime.control
    await buy_and_watch(app)
    feed = simulator(app).feed
    feed.set_price(CODE, 68_000)
    await asyncio.sleep(0.02)
    for price in (67_800, 67_600, 67_500):  # crossed at 67,800원; the limit rests below it
        feed.set_price(CODE, price)

    async def awaiting() -> bool:
        return (await control.status()).state is MonitorState.AWAITING_FILL

    await until(awaiting)
    feed.set_price(CODE, 67_800)  # back up to the limit: the resting sell fills
    await _one_filled_sell(app)

    async def monitoring() -> bool:
        status = await control.status()
        return status.state is MonitorState.MONITORING and status.positions == ()

    await until(monitoring)
