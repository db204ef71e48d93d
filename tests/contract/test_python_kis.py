"""Contract: python-kis (a third-party KIS client) works against the simulator by changing
its URLs alone (issue 8).

Only python-kis's own module-level URL constants are replaced; nothing of ours is patched.
python-kis resolves every stock through search-info and parses every field it declares, so
this fails on a missing endpoint or field. Not covered, because the simulator is a
domestic-stock KIS: python-kis's combined balance/order lists also ask the overseas TRs,
so the calls here pass `country="KR"`; in paper mode python-kis itself refuses pending
orders and modifications, so those run in real mode only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import pykis.kis
import pytest
from pykis import PyKis

from hantu.simulator.accounts import demo_account
from tests.fixtures.kis_simulator import KisSimHandle, MakeKisSim

T = TypeVar("T")


@pytest.fixture
async def sim(make_kis_sim: MakeKisSim, monkeypatch: pytest.MonkeyPatch) -> KisSimHandle:
    """A simulator with a 'real' and a 'paper' account, python-kis pointed at it."""
    handle = await make_kis_sim(accounts=[demo_account(0), demo_account(1)])
    monkeypatch.setattr(pykis.kis, "REAL_DOMAIN", handle.rest_url)
    monkeypatch.setattr(pykis.kis, "VIRTUAL_DOMAIN", handle.rest_url)
    handle.feed.set_price("005930", 71_000)
    return handle


def client(sim: KisSimHandle, *, virtual: bool) -> PyKis:
    """python-kis as a user builds it; paper mode takes a second app key, as at KIS."""
    real, paper = sim.sim.accounts
    options: dict[str, Any] = {"keep_token": False, "use_websocket": False}
    if virtual:
        options |= {
            "virtual_id": paper.hts_id,
            "virtual_appkey": paper.app_key,
            "virtual_secretkey": paper.app_secret,
        }
    account = paper if virtual else real
    return PyKis(
        id=real.hts_id,
        account=account.number,
        appkey=real.app_key,
        secretkey=real.app_secret,
        **options,
    )


async def off_loop(call: Callable[[], T]) -> T:
    """python-kis is blocking; the simulator answers on this test's event loop."""
    return await asyncio.to_thread(call)


async def test_python_kis_resolves_quotes_and_reads_the_balance(sim: KisSimHandle) -> None:
    kis = client(sim, virtual=False)
    stock = await off_loop(lambda: kis.stock("005930"))
    quote = await off_loop(stock.quote)
    balance = await off_loop(lambda: kis.account().balance(country="KR"))

    assert (stock.symbol, stock.name, stock.market) == ("005930", "삼성전자", "KRX")
    assert quote.price == Decimal(71_000)
    assert quote.high_limit == sim.feed["005930"].upper
    assert quote.market_cap > 0
    assert quote.indicator.per > 0
    held = {h.symbol: h.qty for h in balance.stocks}
    assert held == {"005930": 100, "000660": 20, "035420": 30}
    assert balance.deposits["KRW"].amount == sim.account_obj.cash


async def test_python_kis_places_modifies_and_cancels(sim: KisSimHandle) -> None:
    kis = client(sim, virtual=False)
    stock = await off_loop(lambda: kis.stock("005930"))
    order = await off_loop(lambda: stock.buy(qty=1, price=60_000))
    pending = await off_loop(lambda: kis.account().pending_orders(country="KR"))
    modified = await off_loop(lambda: order.modify(price=61_000))
    await off_loop(modified.cancel)
    daily = await off_loop(
        lambda: kis.account().daily_orders(start=date.today(), country="KR")  # noqa: DTZ011
    )

    assert [p.order_number.number for p in pending.orders] == [order.number]
    rows = sim.engine.orders_of(sim.account_obj)
    assert (rows[0].action, rows[0].odno) == ("new", order.number)
    assert [r.action for r in rows] == ["new", "modify", "cancel"]
    assert not any(r.is_open for r in rows)
    assert len(daily.orders) == 3


async def test_python_kis_paper_mode_orders_on_the_paper_account(sim: KisSimHandle) -> None:
    kis = client(sim, virtual=True)
    stock = await off_loop(lambda: kis.stock("005930"))
    balance = await off_loop(lambda: kis.account().balance(country="KR"))
    order = await off_loop(lambda: stock.buy(qty=2, price=None))

    paper = sim.sim.accounts[1]
    assert balance.account_number.number == paper.cano
    placed = sim.engine.orders_of(paper)
    assert [(o.odno, o.qty, o.filled_qty) for o in placed] == [(order.number, 2, 2)]
    assert paper.holdings["005930"].qty == 102
