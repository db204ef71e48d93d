"""Contract: the balance's summary figures and the buying power, as the KIS adapter reads
them from the simulator (inquire-balance output2, inquire-psbl-order ord_psbl_cash)."""

from __future__ import annotations

from decimal import Decimal

from hantu.adapters.kis.broker import KisBroker
from hantu.domain.enums import OrderType, Side
from hantu.domain.values import Price, Quantity, Symbol
from hantu.service_layer.ports import BrokerOrder
from tests.fixtures.kis_simulator import KisSimHandle

SAMSUNG = Symbol("005930")


async def test_balance_reads_deposit_and_totals_and_each_holdings_price(
    broker: KisBroker, kis_sim: KisSimHandle
) -> None:
    found = await broker.balance()

    held = {h.symbol.code: h for h in found.holdings}
    stocks = sum((Decimal(h.quantity) * (h.current_price or 0) for h in found.holdings), Decimal(0))
    assert found.deposit == kis_sim.account_obj.cash
    assert found.stock_value == stocks
    assert found.total_value == kis_sim.account_obj.cash + stocks
    samsung = kis_sim.sim.feed.get("005930")
    assert samsung is not None
    assert held["005930"].current_price == samsung.last
    assert found.evaluation_pnl is not None


async def test_buying_power_is_the_cash_no_open_buy_holds(
    broker: KisBroker, kis_sim: KisSimHandle
) -> None:
    before = await broker.buying_power()
    await broker.place_order(
        BrokerOrder(SAMSUNG, Side.BUY, OrderType.LIMIT, Quantity(10), Price(60_000))
    )

    after = await broker.buying_power()

    assert before == kis_sim.account_obj.cash
    assert before - after >= 600_000  # the resting buy holds its price (and fees) back
