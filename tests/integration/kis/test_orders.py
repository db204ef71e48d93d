"""Contract: orders through `KisBroker` against the simulator (order-cash, rvsecncl, ccld)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hantu.adapters.clock import SystemClock
from hantu.adapters.kis.broker import KisBroker
from hantu.adapters.kis.errors import KisRejected, RejectReason
from hantu.adapters.kis.translate import kst_date
from hantu.domain.enums import OrderType, Side
from hantu.domain.reports import BrokerOrderReport, BrokerOrderState
from hantu.domain.values import BrokerOrderId, Price, Quantity, Symbol
from hantu.errors import BrokerRejected, UnknownSymbol
from hantu.service_layer.ports import BrokerOrder
from tests.fixtures.kis_simulator import KisSimHandle

from .conftest import MakeBroker

SAMSUNG = Symbol("005930")


def _order(side: Side, qty: int, price: int | None = None, symbol: Symbol = SAMSUNG) -> BrokerOrder:
    kind = OrderType.MARKET if price is None else OrderType.LIMIT
    return BrokerOrder(symbol, side, kind, Quantity(qty), Price(price) if price else None)


async def _report(broker: KisBroker, odno: BrokerOrderId) -> BrokerOrderReport:
    reports = {r.broker_order_id: r for r in await broker.orders_of_day()}
    return reports[odno]


async def test_limit_buy_below_market_rests_open(broker: KisBroker, kis_sim: KisSimHandle) -> None:
    kis_sim.feed.set_price("005930", 71000)

    odno = await broker.place_order(_order(Side.BUY, 10, 70000))

    report = await _report(broker, odno)
    assert report.state is BrokerOrderState.OPEN
    assert report.side is Side.BUY
    assert report.order_type is OrderType.LIMIT
    assert report.quantity == 10
    assert report.price == Decimal(70000)
    assert report.filled_quantity == 0


async def test_market_buy_fills_at_last_price(broker: KisBroker, kis_sim: KisSimHandle) -> None:
    kis_sim.feed.set_price("005930", 71000)

    odno = await broker.place_order(_order(Side.BUY, 5))

    report = await _report(broker, odno)
    assert report.state is BrokerOrderState.FILLED
    assert report.order_type is OrderType.MARKET
    assert report.filled_quantity == 5
    assert report.average_fill_price == Decimal(71000)


async def test_limit_sell_fills_when_price_reaches_it(
    broker: KisBroker, kis_sim: KisSimHandle
) -> None:
    kis_sim.feed.set_price("005930", 71000)
    odno = await broker.place_order(_order(Side.SELL, 10, 72000))

    kis_sim.feed.set_price("005930", 72000)

    report = await _report(broker, odno)
    assert report.state is BrokerOrderState.FILLED
    assert report.side is Side.SELL
    assert report.average_fill_price == Decimal(72000)


async def test_market_sell_reduces_holding(broker: KisBroker, kis_sim: KisSimHandle) -> None:
    before = {h.symbol: h.quantity for h in (await broker.balance()).holdings}

    await broker.place_order(_order(Side.SELL, 10))

    after = {h.symbol: h.quantity for h in (await broker.balance()).holdings}
    assert after[SAMSUNG] == before[SAMSUNG] - 10


async def test_partial_fills_accumulate(broker: KisBroker, kis_sim: KisSimHandle) -> None:
    kis_sim.feed.set_price("005930", 71000)
    kis_sim.feed.set_liquidity("005930", 3)
    odno = await broker.place_order(_order(Side.BUY, 10, 70000))

    kis_sim.feed.set_price("005930", 70000)
    partial = await _report(broker, odno)
    kis_sim.feed.set_price("005930", 70000)
    kis_sim.feed.set_price("005930", 70000)
    kis_sim.feed.set_price("005930", 70000)
    full = await _report(broker, odno)

    assert partial.state is BrokerOrderState.OPEN
    assert partial.filled_quantity == 3
    assert full.state is BrokerOrderState.FILLED
    assert full.filled_quantity == 10


async def test_cancel_open_order_gives_new_number_and_cancels(
    broker: KisBroker, kis_sim: KisSimHandle
) -> None:
    kis_sim.feed.set_price("005930", 71000)
    odno = await broker.place_order(_order(Side.BUY, 10, 70000))

    cancel_no = await broker.cancel_order(odno, SAMSUNG)

    assert cancel_no != odno
    reports = {r.broker_order_id: r for r in await broker.orders_of_day()}
    assert reports[odno].state is BrokerOrderState.CANCELED
    assert reports[cancel_no].original_broker_order_id == odno


async def test_cancel_after_partial_fill_keeps_filled_part(
    broker: KisBroker, kis_sim: KisSimHandle
) -> None:
    kis_sim.feed.set_price("005930", 71000)
    kis_sim.feed.set_liquidity("005930", 4)
    odno = await broker.place_order(_order(Side.BUY, 10, 70000))
    kis_sim.feed.set_price("005930", 70000)

    await broker.cancel_order(odno, SAMSUNG)

    report = await _report(broker, odno)
    assert report.state is BrokerOrderState.CANCELED
    assert report.filled_quantity == 4


async def test_cancel_by_a_fresh_broker_finds_the_branch_number(
    broker: KisBroker, kis_sim: KisSimHandle, make_broker: MakeBroker
) -> None:
    kis_sim.feed.set_price("005930", 71000)
    odno = await broker.place_order(_order(Side.BUY, 1, 70000))

    other = make_broker(kis_sim)
    await other.cancel_order(odno, SAMSUNG)

    assert (await _report(broker, odno)).state is BrokerOrderState.CANCELED


async def test_buy_beyond_cash_is_rejected_with_reason(broker: KisBroker) -> None:
    with pytest.raises(KisRejected) as caught:
        await broker.place_order(_order(Side.BUY, 100_000, 70000))

    assert caught.value.reason is RejectReason.INSUFFICIENT_CASH


async def test_sell_beyond_holdings_is_rejected(broker: KisBroker) -> None:
    with pytest.raises(KisRejected) as caught:
        await broker.place_order(_order(Side.SELL, 1_000_000, 71000))

    assert caught.value.reason is RejectReason.INSUFFICIENT_HOLDINGS


async def test_price_off_tick_is_rejected(broker: KisBroker, kis_sim: KisSimHandle) -> None:
    kis_sim.feed.set_price("005930", 71000)

    with pytest.raises(KisRejected) as caught:
        await broker.place_order(_order(Side.BUY, 1, 70001))

    assert caught.value.reason is RejectReason.INVALID_TICK


async def test_price_outside_band_is_rejected(broker: KisBroker, kis_sim: KisSimHandle) -> None:
    quote = await broker.quote(SAMSUNG)
    assert quote.upper_limit is not None

    with pytest.raises(KisRejected) as caught:
        await broker.place_order(_order(Side.BUY, 1, int(quote.upper_limit) + 1000))

    assert caught.value.reason is RejectReason.PRICE_OUT_OF_BAND


async def test_injected_rejection_is_definitive(broker: KisBroker, kis_sim: KisSimHandle) -> None:
    kis_sim.faults.reject_next_order("APBK0919", "장운영시간이 아닙니다.")

    with pytest.raises(KisRejected) as caught:
        await broker.place_order(_order(Side.BUY, 1))

    assert caught.value.reason is RejectReason.MARKET_CLOSED
    assert caught.value.code == "APBK0919"


async def test_quote_has_price_and_band(broker: KisBroker, kis_sim: KisSimHandle) -> None:
    kis_sim.feed.set_price("005930", 71500)

    quote = await broker.quote(SAMSUNG)

    assert quote.price == Decimal(71500)
    assert quote.lower_limit is not None
    assert quote.upper_limit is not None
    assert quote.lower_limit < quote.price < quote.upper_limit


async def test_quote_carries_the_symbols_own_tick(broker: KisBroker, kis_sim: KisSimHandle) -> None:
    kis_sim.feed.set_price("005930", 71500)

    quote = await broker.quote(SAMSUNG)

    assert quote.tick == Decimal(100)  # KRX tick of a stock between 50,000 and 200,000


async def test_quote_of_unlisted_code_is_unknown_symbol(broker: KisBroker) -> None:
    with pytest.raises(UnknownSymbol) as caught:
        await broker.quote(Symbol("999999"))

    assert "999999" in str(caught.value)
    assert isinstance(caught.value, BrokerRejected)


async def test_modify_price_gives_new_order_at_new_price(
    broker: KisBroker, kis_sim: KisSimHandle
) -> None:
    kis_sim.feed.set_price("005930", 71000)
    odno = await broker.place_order(_order(Side.BUY, 10, 60000))
    today = kst_date(SystemClock().now())
    [row] = await broker.rest.daily_orders(today, today)

    ack = await broker.rest.modify(row.ord_gno_brno, odno, OrderType.LIMIT, Price(65000))

    reports: dict[str, BrokerOrderReport] = {
        r.broker_order_id: r for r in await broker.orders_of_day()
    }
    assert ack.odno != odno
    assert reports[ack.odno].price == Decimal(65000)
    assert reports[ack.odno].original_broker_order_id == odno
    assert reports[ack.odno].state is BrokerOrderState.OPEN
    assert reports[odno].state is BrokerOrderState.CANCELED  # its rest moved to the modify
