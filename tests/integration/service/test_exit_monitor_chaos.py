"""Chaos: 100 injected WebSocket drops and refusals while prices cross levels during them.

The embedded application against the simulator over real sockets; three positions, each
crossing its stop or target while the stream is down (dropped, sometimes also refused), then
bought again. Every crossing is sold exactly once (REST polling acts during the outage; the
ticks that follow, polled or streamed, find the exit already placed), no fill is missed (the
fill wait's broker check and the REST sync land the fills whose notices were lost), and at
the end our positions equal the broker's.

The realtime client backs off 1-2-4-8-16 s; a clock that hurries every wait of a second or
more (tenfold) keeps 100 outages inside a test's time while the code paths stay the real
ones. Shorter waits (pacing, the rate limit's checks) and every timestamp are real.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

from hantu.adapters.kis.broker import KisBroker
from hantu.adapters.passwords import PasswordHashing
from hantu.bootstrap import App, build
from hantu.config import Settings
from hantu.domain.enums import OrderStatus
from hantu.domain.values import Price, Quantity, Symbol
from hantu.service_layer import queries
from hantu.service_layer.orders import submit
from tests.builders import an_order_request
from tests.integration.service.monitor_support import ACCOUNT, HurriedClock, sells, simulator

EVENTS = 100
CROSS_EVERY = 4  # every fourth outage, all three positions cross a level in it
BASES = {"035720": 45_000, "005380": 250_000, "051910": 400_000}  # no demo holdings
STOP = {"035720": 43_600, "005380": 242_500, "051910": 388_000}  # 3 % below, on the grid
TARGET = {"035720": 47_250, "005380": 262_500, "051910": 420_000}  # 5 % above
QUANTITY = 3


async def _until(predicate: Callable[[], Awaitable[bool]], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def _buy(app: App, code: str, key: str) -> None:
    simulator(app).feed.set_price(code, BASES[code])
    request = an_order_request(
        idempotency_key=key,
        symbol=Symbol(code),
        quantity=Quantity(QUANTITY),
        price=Price(BASES[code]),
    )
    result = await submit(app.deps, request)
    monitor = app.monitor
    assert monitor is not None

    async def protected() -> bool:
        order = await queries.get_order(app.deps, str(result.order.id))
        filled = order is not None and order.status is OrderStatus.FILLED
        return filled and (ACCOUNT, Symbol(code)) in monitor.watched()

    try:
        await _until(protected)
    except AssertionError:
        order = await queries.get_order(app.deps, str(result.order.id))
        raise AssertionError(f"{code} not protected: {order}, {monitor.watched()}") from None


async def _closed(app: App, code: str) -> None:
    monitor = app.monitor
    assert monitor is not None

    async def gone() -> bool:
        return (ACCOUNT, Symbol(code)) not in monitor.watched()

    try:
        await _until(gone)
    except AssertionError:
        poller = monitor.poller
        assert poller is not None
        raise AssertionError(
            f"{code} still open: {monitor.watched()[(ACCOUNT, Symbol(code))]}, "
            f"{monitor.watch_paths()}, {poller.polling(Symbol(code))}, {await sells(app)}"
        ) from None


async def _connected(broker: KisBroker) -> None:
    async def up() -> bool:
        return broker.stream_up()

    await _until(up)


async def test_chaos_every_crossing_during_100_outages_is_sold_once_and_books_match(
    database_url: str, tmp_path: Path
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path / "data",
        database_url=database_url,
        simulator_walk_seconds=0,
        settle_interval_seconds=0.2,  # the REST sync lands fills whose notices were lost
        exit_fill_wait_seconds=0.5,
        exit_stop_loss_pct=3,
        exit_take_profit_pct=5,
        kis_ws_subscribe_interval=0.01,
    )
    app = build(settings, clock=HurriedClock(), hasher=PasswordHashing(time_cost=1, memory_cost=8))
    crossings = 0
    async with app:
        for code in BASES:
            await _buy(app, code, f"buy-{code}-0")
        broker = await app.deps.brokers.broker_for(int(ACCOUNT))
        assert isinstance(broker, KisBroker)
        sim = simulator(app)
        for event in range(EVENTS):
            await _connected(broker)
            if event % 5 == 4:
                sim.faults.refuse_websockets(0.15)  # the next attempt is refused as well
            assert sim.faults.drop_websockets() >= 1
            if event % CROSS_EVERY:
                continue
            for n, code in enumerate(BASES):  # through the stop or the target, no stream
                level = STOP[code] if (event + n) % 2 else TARGET[code]
                sim.feed.set_price(code, level)
                crossings += 1
            for code in BASES:
                await _closed(app, code)
            for code in BASES:
                await _buy(app, code, f"buy-{code}-{event + 1}")
        await _connected(broker)
        await asyncio.sleep(0.5)  # let late ticks and syncs arrive: still nothing more sold
        placed = await sells(app)
        balance = await broker.balance()
        async with app.deps.uow(read_only=True) as uow:
            ours = {c: await uow.positions.get(ACCOUNT, Symbol(c)) for c in BASES}
        refused = sim.ws.connections_refused

    assert crossings == EVENTS // CROSS_EVERY * len(BASES)
    assert len(placed) == crossings  # one sell per crossing, no re-order, no double
    assert len({s.idempotency_key for s in placed}) == crossings
    assert all(s.status is OrderStatus.FILLED for s in placed)  # no fill missed
    assert all(s.quantity == QUANTITY and s.filled == QUANTITY for s in placed)
    held = {h.symbol.code: Decimal(h.quantity) for h in balance.holdings}
    for code in BASES:
        position = ours[code]
        assert position is not None
        assert Decimal(position.quantity) == held.get(code, Decimal(0)) == QUANTITY
    assert refused >= 1
