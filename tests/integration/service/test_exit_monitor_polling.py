"""Never blind, against the simulator over real sockets: while the WebSocket is dropped and
refused, a crossing is sold from REST polling and its fill (whose notice was lost) lands by
the broker check of the fill wait; a symbol beyond the WebSocket budget is polled from the
start and shown so."""

from __future__ import annotations

from pathlib import Path

from hantu.adapters.kis.realtime_types import State, Subscription
from hantu.domain.enums import OrderStatus
from hantu.domain.values import Symbol
from hantu.domain.watch_budget import WatchPath
from hantu.service_layer.exit_monitor import ExitMonitor
from tests.integration.service.monitor_support import (
    ACCOUNT,
    HurriedClock,
    budgeted_monitor,
    buy,
    buy_and_watch,
    kis_broker,
    running,
    sells,
    simulator,
    until,
)

CODE = "005930"
SYMBOL = Symbol(CODE)


async def test_a_crossing_while_the_websocket_is_down_is_sold_from_rest_polling_and_settled(
    database_url: str, tmp_path: Path
) -> None:
    async with running(database_url, tmp_path, exit_fill_wait_seconds=1) as app:
        assert app.monitor is not None
        monitor = app.monitor
        await buy_and_watch(app)
        broker = await kis_broker(app)
        sim = simulator(app)
        assert monitor.watch_paths()[SYMBOL].path is WatchPath.TRADES_AND_BOOK
        sim.faults.refuse_websockets(6)
        sim.faults.drop_websockets()

        async def polled() -> bool:
            return monitor.watch_paths()[SYMBOL].path is WatchPath.REST_POLLING

        await until(polled)
        sim.feed.set_price(CODE, 67_800)  # through the stop (67,900원) with no stream

        async def placed() -> bool:
            return any(s.status is not OrderStatus.NEW for s in await sells(app))

        await until(placed, 3)
        assert not broker.stream_up()  # sold while the WebSocket was still refused
        assert monitor.poller is not None
        assert monitor.poller.polls > 0

        async def closed() -> bool:  # the notice was lost; the fill wait's sync lands it
            return (ACCOUNT, SYMBOL) not in monitor.watched()

        await until(closed, 5)
        assert not broker.stream_up()
        (sell,) = await sells(app)

    assert sell.source == "monitor:stop_loss"
    assert (sell.status, sell.quantity, sell.price) == (OrderStatus.FILLED, 10, 67_800)


async def test_a_symbol_beyond_the_websocket_budget_is_polled_and_its_crossing_sold(
    database_url: str, tmp_path: Path
) -> None:
    async with (
        running(database_url, tmp_path, monitor_enabled=False) as app,
        budgeted_monitor(app, registrations=3) as (monitor, _),  # notices + 1 symbol
    ):
        await buy(app, CODE)
        await buy(app, "000660", 5, 180_000)
        await until(lambda: _watched(monitor, 2))
        realtime = (await kis_broker(app)).realtime
        assert realtime is not None

        async def streamed() -> bool:  # the status follows within one poll interval
            acked = Subscription("H0STCNT0", CODE) in realtime.acknowledged
            return acked and monitor.watch_paths()[SYMBOL].path is WatchPath.TRADES_ONLY

        await until(streamed)
        assert monitor.watch_paths()[Symbol("000660")].path is WatchPath.REST_POLLING
        notices = simulator(app).accounts[0].hts_id  # the one other registration
        assert {s.tr_key for s in realtime.subscriptions} == {CODE, notices}

        simulator(app).feed.set_price("000660", 189_000)  # the target: +5 %

        async def sold() -> bool:
            return len(await sells(app)) == 1

        await until(sold, 5)
        await monitor.drain()
        (sell,) = await sells(app)

    assert sell.source == "monitor:take_profit"
    assert (sell.quantity, sell.price) == (5, 189_000)
    assert sell.idempotency_key.startswith("exit:1:000660:take_profit:")


async def _watched(monitor: ExitMonitor, count: int) -> bool:
    return len(monitor.watched()) == count


async def test_in_the_sleep_mode_rest_polling_still_protects_the_positions(
    database_url: str, tmp_path: Path
) -> None:
    extra = {"exit_fill_wait_seconds": 0.5, "settle_interval_seconds": 0.2}
    async with running(database_url, tmp_path, HurriedClock(), **extra) as app:
        assert app.monitor is not None
        monitor = app.monitor
        await buy_and_watch(app)
        broker = await kis_broker(app)
        realtime = broker.realtime
        assert realtime is not None
        sim = simulator(app)
        sim.faults.refuse_websockets(3600)
        sim.faults.drop_websockets()

        async def asleep() -> bool:  # five refused reconnects (hurried): the sleep state
            return realtime.state is State.SLEEPING

        await until(asleep, 15)
        sim.feed.set_price(CODE, 73_500)  # the target (+5 %), the stream asleep

        async def closed() -> bool:
            return (ACCOUNT, SYMBOL) not in monitor.watched()

        await until(closed, 5)
        still_asleep = realtime.state is State.SLEEPING
        (sell,) = await sells(app)

    assert still_asleep
    assert sell.source == "monitor:take_profit"
    assert (sell.status, sell.quantity, sell.price) == (OrderStatus.FILLED, 10, 73_500)
