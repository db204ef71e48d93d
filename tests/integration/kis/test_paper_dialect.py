"""Contract: the PAPER dialect (V… TR IDs, H0STCNI9 notices) against the simulator.

The simulator accepts both dialects, so pointing the PAPER profile at its URLs checks the
environment table end to end: paper order TR IDs, paper notices, real-only TRs refused.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest

from hantu.adapters.clock import SystemClock
from hantu.adapters.kis.auth import KisCredentials
from hantu.adapters.kis.broker import KisConnection, build_kis_broker
from hantu.adapters.kis.realtime_types import Subscription
from hantu.adapters.kis.transport import KisHttp
from hantu.config import KisEnvironment
from hantu.domain.enums import OrderType, Side
from hantu.domain.values import Price, Quantity, Symbol
from hantu.errors import ConfigError
from hantu.service_layer.ports import BrokerOrder
from hantu.simulator.accounts import Holding
from tests.fixtures.kis_simulator import KisSimHandle

from .waiting import eventually


async def test_paper_profile_orders_and_notices_work(kis_sim: KisSimHandle, tmp_path: Path) -> None:
    seen_tr_ids: list[str] = []

    async def record(
        _session: aiohttp.ClientSession, _context: object, sent: aiohttp.TraceRequestStartParams
    ) -> None:
        seen_tr_ids.append(sent.headers.get("tr_id", ""))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(record)
    connection = _paper_connection(kis_sim, tmp_path)
    http = KisHttp(timeout=1.0, trust_env=False, trace_configs=[trace])
    broker = build_kis_broker(connection, http, SystemClock())
    fills = broker.fill_notices()
    broker.start()
    try:
        realtime = broker.realtime
        assert realtime is not None
        await eventually(lambda: Subscription("H0STCNI9", kis_sim.hts_id) in realtime.acknowledged)
        kis_sim.feed.set_price("005930", 71000)

        odno = await broker.place_order(
            BrokerOrder(Symbol("005930"), Side.BUY, OrderType.MARKET, Quantity(2), None)
        )
        fill = await asyncio.wait_for(fills.__anext__(), 5)
        reports = await broker.orders_of_day()
        with pytest.raises(ConfigError):
            await broker.rest.cancellable_orders()  # TTTC0084R is real only
    finally:
        await broker.aclose()
        await http.aclose()

    assert fill.broker_order_id == odno
    assert [r.broker_order_id for r in reports] == [odno]
    assert "VTTC0012U" in seen_tr_ids
    assert "VTTC0081R" in seen_tr_ids
    assert not any(t.startswith("TTTC") for t in seen_tr_ids)


async def test_paper_watch_streams_trades_without_market_status(
    kis_sim: KisSimHandle, http: KisHttp, tmp_path: Path
) -> None:
    connection = KisConnection(
        environment=KisEnvironment.PAPER,
        credentials=KisCredentials(
            kis_sim.app_key, kis_sim.app_secret, kis_sim.account, kis_sim.hts_id
        ),
        rest_base_url=kis_sim.rest_url,
        ws_url=kis_sim.ws_url,
        subscribe_interval=0.01,
        token_cache_dir=tmp_path,
    )
    broker = build_kis_broker(connection, http, SystemClock())
    realtime = broker.realtime
    assert realtime is not None
    broker.start()
    try:
        broker.watch(Symbol("005930"), order_book=True)
        await eventually(lambda: len(realtime.acknowledged) == 3)
        acknowledged = {sub.tr_id for sub in realtime.acknowledged}
    finally:
        await broker.aclose()

    assert acknowledged == {"H0STCNI9", "H0STCNT0", "H0STASP0"}  # no H0STMKO0 on paper


def _paper_connection(sim: KisSimHandle, tmp_path: Path) -> KisConnection:
    return KisConnection(
        environment=KisEnvironment.PAPER,
        credentials=KisCredentials(sim.app_key, sim.app_secret, sim.account, sim.hts_id),
        rest_base_url=sim.rest_url,
        ws_url=sim.ws_url,
        requests_per_second=20,
        subscribe_interval=0.01,
        token_cache_dir=tmp_path,
    )


async def test_paper_profile_reads_across_paper_sized_pages(
    kis_sim: KisSimHandle, http: KisHttp, tmp_path: Path
) -> None:
    """Paper pages daily orders at 15 rows and the balance at 20; nothing is lost between."""
    for i in range(22):
        kis_sim.account_obj.holdings[f"9{i:05d}"] = Holding(1, Decimal(1000))
    broker = build_kis_broker(_paper_connection(kis_sim, tmp_path), http, SystemClock())
    try:
        resting = BrokerOrder(Symbol("005930"), Side.BUY, OrderType.LIMIT, Quantity(1), None)
        placed = [
            await broker.place_order(replace(resting, price=Price(60000 + 100 * i)))
            for i in range(16)
        ]
        reports = await broker.orders_of_day()
        balance = await broker.balance()
    finally:
        await broker.aclose()

    assert sorted(r.broker_order_id for r in reports) == sorted(placed)
    assert len({h.symbol.code for h in balance.holdings}) == 25
