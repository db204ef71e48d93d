"""A subscription KIS refuses, against the simulator over real sockets: after its retries the
symbol is polled over REST (its stop-loss still sells), its registrations go to the next
symbol in watch order, the status shows the path with KIS's answer, and the next session
tries it again."""

from __future__ import annotations

from pathlib import Path

from hantu.adapters.kis.realtime_types import Subscription
from hantu.adapters.kis.websocket import KisRealtimeClient
from hantu.bootstrap import App
from hantu.domain.monitor_status import Protection
from hantu.domain.values import Symbol
from hantu.domain.watch_budget import WatchPath
from tests.integration.service.monitor_support import (
    Sell,
    budgeted_monitor,
    buy,
    kis_broker,
    running,
    sells,
    simulator,
    until,
)

REFUSED, NEXT = Symbol("005930"), Symbol("000660")


async def refused_first(app: App) -> KisRealtimeClient:
    """KIS refuses the first symbol in watch order; both bought, so both watched."""
    simulator(app).faults.refuse_subscriptions([REFUSED.code])
    realtime = (await kis_broker(app)).realtime
    assert realtime is not None
    await buy(app, REFUSED.code)  # first in watch order: it would get the one stream
    await buy(app, NEXT.code, 5, 180_000)
    return realtime


async def test_a_refused_symbol_is_polled_sold_and_its_slots_go_to_the_next_symbol(
    database_url: str, tmp_path: Path
) -> None:
    async with (
        running(database_url, tmp_path, monitor_enabled=False) as app,
        budgeted_monitor(app, registrations=3) as (monitor, control),  # notices + 1 symbol
    ):
        sim = simulator(app)
        realtime = await refused_first(app)

        async def moved() -> bool:
            paths = monitor.watch_paths()
            return (
                Subscription("H0STCNT0", NEXT.code) in realtime.acknowledged
                and REFUSED in paths
                and paths[REFUSED].path is WatchPath.REST_POLLING
                and paths[NEXT].path is WatchPath.TRADES_ONLY
            )

        await until(moved, 15)
        status = {p.symbol: p for p in (await control.status()).positions}
        refused = monitor.watch_paths()[REFUSED].refused
        tried = sum(1 for r in sim.ws.requests if r == ("1", "H0STCNT0", REFUSED.code))
        wanted = {(s.tr_id, s.tr_key) for s in realtime.subscriptions}

        sim.feed.set_price(REFUSED.code, 67_800)  # through its stop (67,900원), by REST only

        async def sold() -> bool:
            return any(s.source == "monitor:stop_loss" for s in await sells(app))

        await until(sold, 5)
        await monitor.drain()
        (sell,) = await sells_of(app, REFUSED)

    assert tried == 4  # the first request and three retries, then skipped
    assert refused == "[OPSP0007] SUBSCRIBE INTERNAL ERROR"
    assert status[REFUSED.code].protection is Protection.REST_POLLING
    assert status[REFUSED.code].refused == "[OPSP0007] SUBSCRIBE INTERNAL ERROR"
    assert status[NEXT.code].protection is Protection.WEBSOCKET
    assert status[NEXT.code].refused is None
    assert not {key for _, key in wanted} & {REFUSED.code}  # none of its slots kept
    assert (sell.quantity, sell.price) == (10, 67_800)


async def test_a_refused_symbol_is_tried_again_on_the_next_session(
    database_url: str, tmp_path: Path
) -> None:
    async with (
        running(database_url, tmp_path, monitor_enabled=False) as app,
        budgeted_monitor(app, registrations=3) as (monitor, _),
    ):
        sim = simulator(app)
        realtime = await refused_first(app)

        async def polled() -> bool:
            paths = monitor.watch_paths()
            return REFUSED in paths and paths[REFUSED].refused is not None

        await until(polled, 15)
        sim.faults.refuse_subscriptions()  # KIS takes it again
        sim.faults.drop_websockets()

        async def streamed_again() -> bool:
            paths = monitor.watch_paths()
            return (
                Subscription("H0STCNT0", REFUSED.code) in realtime.acknowledged
                and paths[REFUSED].path is WatchPath.TRADES_ONLY
            )

        await until(streamed_again, 15)
        paths = monitor.watch_paths()
        await monitor.drain()

    assert paths[REFUSED].refused is None
    assert paths[NEXT].path is WatchPath.REST_POLLING  # back behind it in watch order
    assert Subscription("H0STCNT0", NEXT.code) not in realtime.subscriptions


async def sells_of(app: App, symbol: Symbol) -> list[Sell]:
    return [s for s in await sells(app) if symbol.code in s.idempotency_key]
