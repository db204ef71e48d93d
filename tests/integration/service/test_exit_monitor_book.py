"""Exits priced from the book, over real sockets: a position on the trades-and-book path
sells at the simulator's best bid (H0STASP0) when the stop is crossed; a bid above the
tick, or a book without bids, leaves the limit at the tick's price; a bid beyond the gap cap
prices it at the cap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hantu.adapters.kis.realtime_types import Subscription
from hantu.bootstrap import App
from hantu.domain.enums import OrderStatus
from hantu.domain.exit_book_price import BOOK_FRESH
from hantu.domain.values import Symbol
from hantu.domain.watch_budget import WatchPath
from tests.integration.service.monitor_support import (
    ACCOUNT,
    buy_and_watch,
    kis_broker,
    running,
    sells,
    simulator,
    until,
)

CODE = "005930"
SYMBOL = Symbol(CODE)
PATH = (69_500, 68_800, 68_000, 67_800)  # stop: 67,900원; crossed at 67,800원


@pytest.fixture
async def app(database_url: str, tmp_path: Path) -> AsyncIterator[App]:
    async with running(database_url, tmp_path) as application:
        yield application


async def _watched_with_book(app: App) -> None:
    await buy_and_watch(app)
    realtime = (await kis_broker(app)).realtime
    assert realtime is not None
    assert app.monitor is not None
    assert app.monitor.watch_paths()[SYMBOL].path is WatchPath.TRADES_AND_BOOK

    async def book_acked() -> bool:
        return Subscription("H0STASP0", CODE) in realtime.acknowledged

    await until(book_acked)


async def _cross_the_stop(app: App) -> None:
    for price in PATH:
        simulator(app).feed.set_price(CODE, price)
        await asyncio.sleep(0.05)

    async def placed() -> bool:
        found = await sells(app)
        return len(found) == 1 and found[0].status is not OrderStatus.NEW

    await until(placed)


async def test_a_stop_crossed_with_a_fresh_book_sells_at_the_best_bid(app: App) -> None:
    await _watched_with_book(app)
    simulator(app).feed.set_best_bid(CODE, 67_500)  # buyers rest 3 ticks below the stop

    await _cross_the_stop(app)

    (sell,) = await sells(app)
    assert sell.source == "monitor:stop_loss"
    assert sell.price == 67_500  # the best bid, not the tick's 67,800원
    assert sell.quantity == 10


async def test_the_best_bid_is_kept_while_watched_and_dropped_when_the_position_closes(
    app: App,
) -> None:
    await _watched_with_book(app)
    assert app.monitor is not None
    bids = app.monitor.best_bids
    simulator(app).feed.set_best_bid(CODE, 67_500)
    simulator(app).feed.set_price(CODE, 69_000)

    async def bid_kept() -> bool:
        kept = bids.get(SYMBOL)
        return kept is not None and kept.price == 67_500

    await until(bid_kept)
    assert len(bids) == 1  # one entry per watched symbol, however many books came
    await _cross_the_stop(app)  # a marketable sell: it fills and closes the position

    async def closed() -> bool:
        assert app.monitor is not None
        return (ACCOUNT, SYMBOL) not in app.monitor.watched()

    await until(closed)
    assert len(bids) == 0
    simulator(app).feed.set_price(CODE, 67_700)  # books of an unwatched symbol: not kept
    await asyncio.sleep(0.2)
    assert len(bids) == 0


@pytest.mark.parametrize("best_bid", [68_500, 0], ids=["bid-above-tick", "no-bids"])
async def test_a_bid_above_the_tick_or_no_bid_sells_at_the_tick_price(
    app: App, best_bid: int
) -> None:
    await _watched_with_book(app)
    simulator(app).feed.set_best_bid(CODE, best_bid)

    await _cross_the_stop(app)

    (sell,) = await sells(app)
    assert sell.source == "monitor:stop_loss"
    assert sell.price == 67_800  # the crossing tick's price, as without a book


async def test_a_book_that_stopped_coming_is_stale_and_the_tick_prices_the_sell(
    app: App,
) -> None:
    await _watched_with_book(app)
    feed = simulator(app).feed
    feed.set_best_bid(CODE, 67_500)
    feed.set_price(CODE, 69_000)  # one book with the bid arrives...
    realtime = (await kis_broker(app)).realtime
    assert realtime is not None
    realtime.unsubscribe("H0STASP0", CODE)  # ...then the book stream stops

    async def book_gone() -> bool:
        return Subscription("H0STASP0", CODE) not in realtime.acknowledged

    await until(book_gone)
    await asyncio.sleep(BOOK_FRESH.total_seconds() + 0.3)

    await _cross_the_stop(app)

    (sell,) = await sells(app)
    assert sell.price == 67_800  # the last book is older than BOOK_FRESH: the tick's price


async def test_a_bid_beyond_the_configured_gap_prices_the_sell_at_the_cap(
    database_url: str, tmp_path: Path
) -> None:
    async with running(database_url, tmp_path, exit_max_bid_gap_ticks=2) as app:
        await _watched_with_book(app)
        simulator(app).feed.set_best_bid(CODE, 67_500)  # 3 ticks below the crossing tick

        await _cross_the_stop(app)

        (sell,) = await sells(app)
    assert sell.price == 67_600  # 67,800원 less the cap's 2 ticks, not the bid
