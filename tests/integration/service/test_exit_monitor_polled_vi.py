"""Polled prices honour VI and halts, against the simulator over real sockets: with the
WebSocket down, only inquire-price's `vi_cls_code` / `temp_stop_yn` say trading is
suspended, so a polled crossing during it waits; when it is lifted the crossing is sold
once."""

from __future__ import annotations

from pathlib import Path

import pytest

from hantu.domain.values import Symbol
from hantu.domain.watch_budget import WatchPath
from tests.integration.service.monitor_support import (
    buy_and_watch,
    kis_broker,
    running,
    sells,
    simulator,
    until,
)

CODE = "005930"
SYMBOL = Symbol(CODE)


@pytest.mark.parametrize("pause", ["vi", "halt"])
async def test_a_polled_crossing_during_a_vi_waits_and_is_sold_once_when_it_is_lifted(
    database_url: str, tmp_path: Path, pause: str
) -> None:
    async with running(database_url, tmp_path, exit_fill_wait_seconds=30) as app:
        assert app.monitor is not None
        monitor = app.monitor
        assert monitor.poller is not None
        poller = monitor.poller
        await buy_and_watch(app)
        broker = await kis_broker(app)
        sim = simulator(app)
        sim.faults.refuse_websockets(1_000)
        sim.faults.drop_websockets()

        async def polled() -> bool:
            return monitor.watch_paths()[SYMBOL].path is WatchPath.REST_POLLING

        await until(polled)
        if pause == "vi":
            sim.faults.trigger_vi(CODE)
        else:
            sim.faults.halt(CODE)

        async def paused() -> bool:
            return monitor.paused(SYMBOL)

        await until(paused)
        sim.feed.set_price(CODE, 67_800)  # through the stop (67,900원) during the VI
        seen = poller.polls

        async def polled_thrice() -> bool:
            return poller.polls >= seen + 3

        await until(polled_thrice, 5)
        await monitor.drain()
        assert await sells(app) == []
        assert monitor.paused(SYMBOL)

        sim.faults.resume(CODE)

        async def placed() -> bool:
            return len(await sells(app)) == 1

        await until(placed, 5)
        await monitor.drain()
        seen = poller.polls
        await until(polled_thrice, 5)  # more polls at the crossed price sell nothing more
        await monitor.drain()
        assert not broker.stream_up()
        (sell,) = await sells(app)
        assert not monitor.paused(SYMBOL)

    assert sell.source == "monitor:stop_loss"
    assert (sell.quantity, sell.price) == (10, 67_800)
