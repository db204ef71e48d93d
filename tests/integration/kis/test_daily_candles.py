"""Daily candles (inquire-daily-itemchartprice, FHKST03010100) from the simulator over real
sockets: KIS's shape (newest first, at most 100), deterministic history, today's bar live."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hantu.adapters.clock import SystemClock
from hantu.adapters.kis.broker import KisBroker
from hantu.adapters.kis.translate import kst_date
from hantu.domain.exits import average_true_range
from hantu.domain.values import Symbol, is_on_tick
from tests.fixtures.kis_simulator import KisSimHandle

SAMSUNG = Symbol("005930")


async def test_candles_are_oldest_first_on_the_grid_and_end_with_today(
    kis_sim: KisSimHandle, broker: KisBroker
) -> None:
    kis_sim.sim.feed.set_price("005930", 71_000)
    today = kst_date(SystemClock().now())

    candles = await broker.daily_candles(SAMSUNG, today, 15)

    assert len(candles) == 15
    assert candles[-1].close == Decimal(71_000)  # today's bar: the last trade
    for candle in candles:
        assert candle.low <= candle.close <= candle.high
        assert is_on_tick(candle.high)
        assert is_on_tick(candle.low)
    atr = average_true_range(candles, 14)
    assert atr is not None
    assert atr > 0


async def test_the_same_request_answers_the_same_history(broker: KisBroker) -> None:
    day = kst_date(SystemClock().now()) - timedelta(days=1)
    first = await broker.daily_candles(SAMSUNG, day, 20)
    second = await broker.daily_candles(SAMSUNG, day, 20)
    assert first == second
    assert len(first) == 20


async def test_the_raw_answer_is_shaped_as_kis_sends_it(
    kis_sim: KisSimHandle, broker: KisBroker
) -> None:
    rest = broker._rest
    today = kst_date(SystemClock().now())
    rows = await rest.daily_bars(SAMSUNG, today - timedelta(days=400), today)
    dates = [row.stck_bsop_date for row in rows]
    assert len(rows) == 100  # one call answers at most 100 bars
    assert dates == sorted(dates, reverse=True)  # newest first
