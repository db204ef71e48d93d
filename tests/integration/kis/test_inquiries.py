"""Contract: inquiries with pagination, buying power, holidays, against the simulator."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import aiohttp

from hantu.adapters.clock import SystemClock
from hantu.adapters.kis.broker import KisBroker, build_kis_broker
from hantu.adapters.kis.translate import kst_date
from hantu.adapters.kis.transport import KisHttp
from hantu.domain.enums import OrderType, Side
from hantu.domain.values import Price, Quantity, Symbol
from hantu.service_layer.ports import BrokerOrder
from hantu.simulator.rest_common import PageSizes
from tests.fixtures.kis_simulator import KisSimHandle, MakeKisSim

from .conftest import MakeBroker, connection_for

SAMSUNG = Symbol("005930")


def _resting_buy(qty: int = 1) -> BrokerOrder:
    return BrokerOrder(SAMSUNG, Side.BUY, OrderType.LIMIT, Quantity(qty), Price(60000))


async def test_daily_orders_are_read_across_pages(
    make_kis_sim: MakeKisSim, make_broker: MakeBroker
) -> None:
    sim = await make_kis_sim(pages=PageSizes(daily_ccld=2))
    broker = make_broker(sim)
    placed = [await broker.place_order(_resting_buy(n)) for n in range(1, 6)]

    reports = await broker.orders_of_day()

    assert sorted(r.broker_order_id for r in reports) == sorted(placed)
    assert {r.broker_order_id: r.quantity for r in reports} == {
        odno: n for n, odno in enumerate(placed, start=1)
    }


async def test_daily_orders_of_another_day_are_empty(broker: KisBroker) -> None:
    await broker.place_order(_resting_buy())

    assert await broker.orders_of_day(date(2020, 1, 2)) == []


async def test_balance_is_read_across_pages(
    make_kis_sim: MakeKisSim, make_broker: MakeBroker
) -> None:
    sim = await make_kis_sim(pages=PageSizes(balance=1))
    broker = make_broker(sim)

    balance = await broker.balance()

    held = {h.symbol.code: h.quantity for h in balance.holdings}
    expected = {code: h.qty for code, h in sim.account_obj.holdings.items() if h.qty > 0}
    assert held == expected
    assert len(held) >= 3
    assert balance.cash == sim.account_obj.cash


async def test_balance_cash_drops_after_a_market_buy(
    broker: KisBroker, kis_sim: KisSimHandle
) -> None:
    kis_sim.feed.set_price("005930", 70000)
    before = await broker.balance()

    await broker.place_order(BrokerOrder(SAMSUNG, Side.BUY, OrderType.MARKET, Quantity(2), None))

    after = await broker.balance()
    assert before.cash - after.cash == 140000


async def test_cancellable_orders_are_read_across_pages(
    make_kis_sim: MakeKisSim, make_broker: MakeBroker
) -> None:
    sim = await make_kis_sim(pages=PageSizes(psbl_rvsecncl=1))
    broker = make_broker(sim)
    placed = {await broker.place_order(_resting_buy()) for _ in range(3)}

    rows = await broker.rest.cancellable_orders()

    assert {row.odno for row in rows} == placed
    assert all(row.psbl_qty == "1" for row in rows)


async def test_buying_power_is_positive(broker: KisBroker) -> None:
    answer = await broker.rest.buyable(SAMSUNG, Price(70000))

    assert int(answer.nrcvb_buy_qty) > 0


async def test_holiday_check_asks_kis_at_most_once_a_day(
    kis_sim: KisSimHandle, tmp_path: Path
) -> None:
    asked: list[str] = []

    async def count(
        _session: aiohttp.ClientSession, _context: object, sent: aiohttp.TraceRequestStartParams
    ) -> None:
        if sent.url.path.endswith("chk-holiday"):
            asked.append(sent.url.query["BASS_DT"])

    clock = SystemClock()
    today = kst_date(clock.now())
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(count)
    async with KisHttp(timeout=5, trust_env=False, trace_configs=[trace]) as http:
        broker = build_kis_broker(connection_for(kis_sim, tmp_path), http, clock)
        first = await broker.rest.is_trading_day(today)
        again = await broker.rest.is_trading_day(today)
        weekend = await broker.rest.is_trading_day(saturday)

    assert first == again
    assert weekend is False
    assert asked == [today.strftime("%Y%m%d")]
