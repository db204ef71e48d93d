"""End-to-end smoke over raw sockets: token, order, daily orders, a trade frame."""

from __future__ import annotations

import httpx
from websockets.asyncio.client import connect

from hantu.simulator.calendar import seoul
from tests.fixtures.kis_simulator import KisSimHandle
from tests.simulator.helpers import (
    STOCK,
    approval_key,
    daily_params,
    headers,
    issue_token,
    place,
    recv_data,
    recv_json,
    sub_message,
)


async def test_simulator_order_then_daily_ccld_lists_it(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        placed = await place(client, kis_sim, token, "TTTC0012U", "005930", 3, 71_000)
        assert placed["rt_cd"] == "0", placed
        odno = placed["output"]["ODNO"]
        day = seoul(kis_sim.clock.now()).strftime("%Y%m%d")
        response = await client.get(
            f"{STOCK}/trading/inquire-daily-ccld",
            headers=headers(kis_sim, token, "TTTC0081R"),
            params=daily_params(kis_sim, day),
        )
    body = response.json()
    assert body["rt_cd"] == "0"
    rows = body["output1"]
    assert [r["odno"] for r in rows] == [odno]
    assert rows[0]["tot_ccld_qty"] == "3"


async def test_simulator_trade_frame_reaches_subscriber(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        key = await approval_key(client, kis_sim)
    async with connect(f"{kis_sim.ws_url}/tryitout") as ws:
        await ws.send(sub_message(key, "H0STCNT0", "005930"))
        ack = await recv_json(ws)
        assert ack["body"]["msg1"] == "SUBSCRIBE SUCCESS"
        kis_sim.feed.set_price("005930", 71_100, qty=7)
        frame = await recv_data(ws)
    enc, tr_id, count, payload = frame.split("|", 3)
    fields = payload.split("^")
    assert (enc, tr_id, count) == ("0", "H0STCNT0", "001")
    assert len(fields) == 46
    assert fields[0] == "005930"
    assert fields[2] == "71100"
    assert fields[12] == "7"
