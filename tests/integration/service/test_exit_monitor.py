"""The exit monitor on embedded defaults: the real bootstrap, the KIS simulator over real
sockets, scripted prices. A buy fills → its symbol is watched → a price path through a level
sells the whole position once, with the exit reason on the order; VI holds the sell back
until it ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hantu.bootstrap import App
from hantu.domain.enums import OrderStatus
from hantu.domain.values import Symbol
from tests.fakes_remote.telegram_server import FakeTelegram
from tests.integration.service.monitor_support import (
    ACCOUNT,
    Sell,
    buy_and_watch,
    running,
    sells,
    simulator,
    until,
)

CODE = "005930"
SYMBOL = Symbol(CODE)


@pytest.fixture
async def app(database_url: str, tmp_path: Path) -> AsyncIterator[App]:
    async with running(database_url, tmp_path) as application:
        yield application


async def _position_closed(app: App) -> None:
    async def closed() -> bool:
        assert app.monitor is not None
        return (ACCOUNT, SYMBOL) not in app.monitor.watched()

    await until(closed)


async def _one_filled_sell(app: App) -> Sell:
    async def filled() -> bool:
        placed = await sells(app)
        return len(placed) == 1 and placed[0].status is OrderStatus.FILLED

    await until(filled)
    (sell,) = await sells(app)
    return sell


async def _one_sell_placed(app: App) -> None:
    async def placed() -> bool:
        placed = await sells(app)
        return len(placed) == 1 and placed[0].status is not OrderStatus.NEW

    await until(placed)


async def test_a_price_path_through_the_stop_sells_the_whole_position_once(app: App) -> None:
    await buy_and_watch(app)
    feed = simulator(app).feed
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
    assert len(await sells(app)) == 1


async def test_a_price_path_through_the_target_takes_the_profit(app: App) -> None:
    await buy_and_watch(app)
    feed = simulator(app).feed
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
    async with running(database_url, tmp_path, **telegram) as app:
        await buy_and_watch(app)
        for price in (72_000, 73_500):  # target: 73,500원
            simulator(app).feed.set_price(CODE, price)
        await _one_filled_sell(app)

        async def told() -> bool:
            return any("익절 체결" in m["text"] for m in telegram_server.sent(chat))

        await until(told)
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
    await buy_and_watch(app)
    feed = simulator(app).feed
    assert app.monitor is not None
    feed.set_price(CODE, 68_500)
    if pause == "vi":
        feed.trigger_vi(CODE)
    else:
        feed.halt(CODE)

    async def paused() -> bool:
        assert app.monitor is not None
        return app.monitor.paused(SYMBOL)

    await until(paused)
    for price in (67_800, 67_700, 67_600):  # through the stop while VI lasts
        feed.set_price(CODE, price)
    await asyncio.sleep(0.5)
    assert await sells(app) == []
    assert (ACCOUNT, SYMBOL) in app.monitor.watched()  # still watched, still protected

    feed.resume(CODE)
    sell = await _one_filled_sell(app)

    assert sell.source == "monitor:stop_loss"
    assert sell.price == 67_600  # the last price seen, still through the stop


async def test_a_crossing_during_vi_that_recovers_before_it_ends_sells_nothing(app: App) -> None:
    await buy_and_watch(app)
    feed = simulator(app).feed
    assert app.monitor is not None
    feed.trigger_vi(CODE)

    async def paused() -> bool:
        assert app.monitor is not None
        return app.monitor.paused(SYMBOL)

    await until(paused)
    for price in (67_700, 68_200):  # through the stop, then back above it
        feed.set_price(CODE, price)
    feed.resume(CODE)

    async def resumed() -> bool:
        assert app.monitor is not None
        return not app.monitor.paused(SYMBOL)

    await until(resumed)
    await asyncio.sleep(0.3)

    assert await sells(app) == []
    assert (ACCOUNT, SYMBOL) in app.monitor.watched()
