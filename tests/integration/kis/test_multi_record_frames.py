"""Multi-record frames from the simulator, read by our adapter's parser over a real socket.

KIS packs several trades of one symbol that fall in one send interval into one frame
(`0|H0STCNT0|003|rec1^rec2^rec3`, reference §6.2); every record must come out as a tick.
"""

from __future__ import annotations

from decimal import Decimal

import httpx
from websockets.asyncio.client import connect

from hantu.adapters.kis.realtime import parse_order_books, split_frame
from hantu.adapters.kis.realtime_types import RealtimeHandlers, Subscription
from hantu.adapters.kis.trade_records import TradeParser
from hantu.service_layer.ports import Tick
from tests.fakes import FakeClock
from tests.fixtures.kis_simulator import KisSimHandle, MakeKisSim
from tests.simulator.helpers import approval_key, recv_data, recv_json, sub_message

from .conftest import MakeBroker
from .waiting import eventually


async def test_parser_yields_every_record_of_a_simulator_multi_record_frame(
    kis_sim: KisSimHandle,
) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        key = await approval_key(client, kis_sim)
    async with connect(kis_sim.ws_url) as ws:
        for tr_id in ("H0STCNT0", "H0STASP0"):
            await ws.send(sub_message(key, tr_id, "005930"))
            await recv_json(ws)
        for price, qty in ((71_100, 4), (71_200, 5), (70_900, 6)):
            kis_sim.feed.set_price("005930", price, qty)
        trades, books = split_frame(await recv_data(ws)), split_frame(await recv_data(ws))

    assert (trades.tr_id, trades.count, books.tr_id, books.count) == (
        "H0STCNT0",
        3,
        "H0STASP0",
        3,
    )
    ticks = TradeParser().parse(trades.payload, trades.count)
    assert [(t.price, t.volume, t.cumulative_volume) for t in ticks] == [
        (Decimal(71_100), 4, 4),
        (Decimal(71_200), 5, 9),
        (Decimal(70_900), 6, 15),
    ]
    assert [b.bids[0].price for b in parse_order_books(books.payload, books.count)] == [
        Decimal(71_100),
        Decimal(71_200),
        Decimal(70_900),
    ]


async def test_client_gets_every_trade_of_bursts_sent_in_multi_record_frames(
    make_kis_sim: MakeKisSim, make_broker: MakeBroker
) -> None:
    sim = await make_kis_sim(send_interval=0.05, seed=5)
    ticks: list[Tick] = []
    broker = make_broker(sim, FakeClock(), handlers=RealtimeHandlers(on_tick=ticks.append))
    client = broker.realtime
    assert client is not None
    client.subscribe("H0STCNT0", "005930")
    broker.start()
    await eventually(lambda: Subscription("H0STCNT0", "005930") in client.acknowledged)
    sim.feed.walk(["005930"])

    traded = [t for _ in range(20) for t in sim.feed.step(burst=5)]

    await eventually(lambda: len(ticks) >= len(traded))
    assert len(traded) > 20  # the bursts did put several trades in one interval
    assert [(t.price, t.volume) for t in ticks] == [(t.price, t.qty) for t in traded]
