"""The exit monitor on embedded defaults: the real bootstrap, the KIS simulator over real
sockets, scripted prices. A buy fills → its symbol is watched → a price path through a level
sells the whole position once, with the exit reason on the order; VI holds the sell back
until it ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hantu.adapters.db import tables
from hantu.adapters.kis.broker import KisBroker
from hantu.adapters.kis.realtime_types import Subscription
from hantu.adapters.passwords import PasswordHashing
from hantu.bootstrap import App, build
from hantu.config import Settings
from hantu.domain.enums import OrderStatus, Side
from hantu.domain.values import Quantity, StrategyAccountId, Symbol
from hantu.service_layer import queries
from hantu.service_layer.orders import submit
from hantu.simulator.server import Simulator
from tests.builders import an_order_request
from tests.fakes_remote.telegram_server import FakeTelegram

CODE = "005930"
SYMBOL = Symbol(CODE)
ACCOUNT = StrategyAccountId(1)  # the demo's strategy account


async def _until(predicate: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


@asynccontextmanager
async def _running(database_url: str, tmp_path: Path, **extra: Any) -> AsyncIterator[App]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path / "data",
        database_url=database_url,
        settle_interval_seconds=0,  # fills come through the notice stream only
        simulator_walk_seconds=0,  # prices move only as the test scripts them
        exit_stop_loss_pct=3,
        exit_take_profit_pct=5,
        **extra,
    )
    application = build(settings, hasher=PasswordHashing(time_cost=1, memory_cost=8))
    async with application:
        yield application


@pytest.fixture
async def app(database_url: str, tmp_path: Path) -> AsyncIterator[App]:
    async with _running(database_url, tmp_path) as application:
        yield application


def _simulator(app: App) -> Simulator:
    assert app.simulator is not None
    return app.simulator


async def _buy_and_watch(app: App, quantity: int = 10) -> None:
    """Buy at 70,000원; wait for the fill and for the symbol's trades and status streams."""
    simulator = _simulator(app)
    simulator.feed.set_price(CODE, 70_000)
    result = await submit(app.deps, an_order_request(quantity=Quantity(quantity)))

    async def filled() -> bool:
        order = await queries.get_order(app.deps, str(result.order.id))
        return order is not None and order.status is OrderStatus.FILLED

    await _until(filled)
    broker = await app.deps.brokers.broker_for(int(ACCOUNT))
    assert isinstance(broker, KisBroker)
    assert broker.realtime is not None
    realtime = broker.realtime

    async def watching() -> bool:
        assert app.monitor is not None
        subscribed = {Subscription("H0STCNT0", CODE), Subscription("H0STMKO0", CODE)}
        return (ACCOUNT, SYMBOL) in app.monitor.watched() and subscribed <= realtime.acknowledged

    await _until(watching)


@dataclass(frozen=True)
class _Sell:
    idempotency_key: str
    source: str
    status: OrderStatus
    quantity: Decimal
    price: Decimal | None


async def _sells(app: App) -> list[_Sell]:
    """The SELL orders as stored, with the source the views do not show."""
    o = tables.orders.c
    query = select(o.idempotency_key, o.source, o.status, o.quantity, o.price).where(
        o.side == Side.SELL.value
    )
    async with app.db.connect() as connection:
        rows = (await connection.execute(query)).all()
    return [_Sell(k, s, OrderStatus(st), Decimal(q), p) for k, s, st, q, p in rows]


async def _position_closed(app: App) -> None:
    async def closed() -> bool:
        assert app.monitor is not None
        return (ACCOUNT, SYMBOL) not in app.monitor.watched()

    await _until(closed)


async def _one_filled_sell(app: App) -> _Sell:
    async def filled() -> bool:
        sells = await _sells(app)
        return len(sells) == 1 and sells[0].status is OrderStatus.FILLED

    await _until(filled)
    (sell,) = await _sells(app)
    return sell


async def _one_sell_placed(app: App) -> None:
    async def placed() -> bool:
        sells = await _sells(app)
        return len(sells) == 1 and sells[0].status is not OrderStatus.NEW

    await _until(placed)


async def test_a_price_path_through_the_stop_sells_the_whole_position_once(app: App) -> None:
    await _buy_and_watch(app)
    feed = _simulator(app).feed
    for price in (69_500, 68_800, 68_000, 67_800):  # stop: 67,900원; crossed at 67,800원
        feed.set_price(CODE, price)
        await asyncio.sleep(0.02)
    for price in (67_700, 67_600, 67_700):  # more ticks below the stop: no second order
        feed.set_price(CODE, price)
    await _one_sell_placed(app)
    feed.set_price(CODE, 67_800)  # back up to the limit: the resting sell fills

    sell = await _one_filled_sell(app)
    await _position_closed(app)
    for price in (67_600, 67_500):  # the position is gone: nothing more is sold
        feed.set_price(CODE, price)
    await asyncio.sleep(0.3)

    assert sell.source == "monitor:stop_loss"
    assert sell.idempotency_key.startswith("exit:1:005930:stop_loss:")
    assert sell.quantity == 10
    assert sell.price == 67_800  # a limit at the crossing tick's price
    assert len(await _sells(app)) == 1


async def test_a_price_path_through_the_target_takes_the_profit(app: App) -> None:
    await _buy_and_watch(app)
    feed = _simulator(app).feed
    for price in (71_000, 72_500, 73_500, 73_600, 73_700):  # target: 73,500원
        feed.set_price(CODE, price)
        await asyncio.sleep(0.02)

    sell = await _one_filled_sell(app)
    await _position_closed(app)

    assert sell.source == "monitor:take_profit"
    assert sell.price == 73_500
    assert sell.quantity == 10


async def test_a_take_profit_fill_is_told_once_as_the_take_profit_notice(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    chat = 424242  # the operator's chat: the demo user linked none
    telegram = {
        "telegram_bot_token": telegram_server.token,
        "telegram_api_url": telegram_server.base_url,
        "telegram_chat_id": chat,
    }
    async with _running(database_url, tmp_path, **telegram) as app:
        await _buy_and_watch(app)
        for price in (72_000, 73_500):  # target: 73,500원
            _simulator(app).feed.set_price(CODE, price)
        await _one_filled_sell(app)

        async def told() -> bool:
            return any("익절 체결" in m["text"] for m in telegram_server.sent(chat))

        await _until(told)
        await asyncio.sleep(0.3)  # a generic fill notice for the sell would be out by now
        texts = [m["text"] for m in telegram_server.sent(chat)]

    (notice,) = [t for t in texts if "익절 체결" in t]
    assert "매도가: 73,500원" in notice
    assert "매수가: 70,000원" in notice
    assert "35,000원" in notice  # (73,500 − 70,000) × 10
    assert len([t for t in texts if "주문 체결" in t]) == 1  # the buy's, not the sell's


@pytest.mark.parametrize("pause", ["vi", "halt"])
async def test_vi_or_halt_holds_the_exit_back_until_it_ends_then_sells_if_still_crossed(
    app: App, pause: str
) -> None:
    await _buy_and_watch(app)
    simulator = _simulator(app)
    feed = simulator.feed
    assert app.monitor is not None
    feed.set_price(CODE, 68_500)
    if pause == "vi":
        feed.trigger_vi(CODE)
    else:
        feed.halt(CODE)

    async def paused() -> bool:
        assert app.monitor is not None
        return app.monitor.paused(SYMBOL)

    await _until(paused)
    for price in (67_800, 67_700, 67_600):  # through the stop while VI lasts
        feed.set_price(CODE, price)
    await asyncio.sleep(0.5)
    assert await _sells(app) == []
    assert (ACCOUNT, SYMBOL) in app.monitor.watched()  # still watched, still protected

    feed.resume(CODE)
    sell = await _one_filled_sell(app)

    assert sell.source == "monitor:stop_loss"
    assert sell.price == 67_600  # the last price seen, still through the stop


async def test_a_crossing_during_vi_that_recovers_before_it_ends_sells_nothing(app: App) -> None:
    await _buy_and_watch(app)
    feed = _simulator(app).feed
    assert app.monitor is not None
    feed.trigger_vi(CODE)

    async def paused() -> bool:
        assert app.monitor is not None
        return app.monitor.paused(SYMBOL)

    await _until(paused)
    for price in (67_700, 68_200):  # through the stop, then back above it
        feed.set_price(CODE, price)
    feed.resume(CODE)

    async def resumed() -> bool:
        assert app.monitor is not None
        return not app.monitor.paused(SYMBOL)

    await _until(resumed)
    await asyncio.sleep(0.3)

    assert await _sells(app) == []
    assert (ACCOUNT, SYMBOL) in app.monitor.watched()
