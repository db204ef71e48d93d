"""Fault injection seen from raw clients: slow answers, drops, refusals, rate limits."""

from __future__ import annotations

import socket

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedError, InvalidStatus

from hantu.simulator.calendar import seoul
from hantu.simulator.server import Simulator
from tests.fakes import FakeClock
from tests.fixtures.kis_simulator import KisSimHandle, MakeKisSim
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

PRICE = f"{STOCK}/quotations/inquire-price"
PRICE_PARAMS = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}


async def test_delayed_order_times_out_client_but_executes(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url, timeout=5) as client:
        token = await issue_token(client, kis_sim)
        kis_sim.faults.delay_rest(2.0)
        with pytest.raises(httpx.ReadTimeout):
            await client.post(
                f"{STOCK}/trading/order-cash",
                headers=headers(kis_sim, token, "TTTC0012U"),
                json={
                    "CANO": kis_sim.cano,
                    "ACNT_PRDT_CD": kis_sim.acnt_prdt_cd,
                    "PDNO": "005930",
                    "ORD_DVSN": "00",
                    "ORD_QTY": "2",
                    "ORD_UNPR": "71000",
                },
                timeout=0.3,
            )
        day = seoul(kis_sim.clock.now()).strftime("%Y%m%d")
        # Inquiries are not delayed by an orders-only delay: settle the ambiguity at once.
        response = await client.get(
            f"{STOCK}/trading/inquire-daily-ccld",
            headers=headers(kis_sim, token, "TTTC0081R"),
            params=daily_params(kis_sim, day),
            timeout=1.0,
        )
    rows = response.json()["output1"]
    assert len(rows) == 1
    assert (rows[0]["pdno"], rows[0]["tot_ccld_qty"]) == ("005930", "2")


async def test_delay_all_paths_delays_inquiries_too(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        kis_sim.faults.delay_rest(2.0, orders_only=False)
        with pytest.raises(httpx.ReadTimeout):
            await client.get(
                PRICE,
                headers=headers(kis_sim, token, "FHKST01010100"),
                params=PRICE_PARAMS,
                timeout=0.3,
            )
        kis_sim.faults.delay_rest(0)
        response = await client.get(
            PRICE, headers=headers(kis_sim, token, "FHKST01010100"), params=PRICE_PARAMS
        )
    assert response.json()["rt_cd"] == "0"


async def test_drop_websockets_cuts_session_without_close_frame(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        key = await approval_key(client, kis_sim)
    async with connect(kis_sim.ws_url) as ws:
        await ws.send(sub_message(key, "H0STCNT0", "005930"))
        await recv_json(ws)
        assert kis_sim.faults.drop_websockets() == 1
        with pytest.raises(ConnectionClosedError):
            await recv_data(ws)


async def test_drop_websockets_gracefully_sends_close_1011(kis_sim: KisSimHandle) -> None:
    async with connect(kis_sim.ws_url) as ws:
        while not kis_sim.sim.ws.sessions:
            await kis_sim.clock.sleep(0.01)
        kis_sim.faults.drop_websockets(abrupt=False)
        with pytest.raises(ConnectionClosed) as caught:
            await recv_data(ws)
    assert caught.value.rcvd is not None
    assert caught.value.rcvd.code == 1011


async def test_refuse_websockets_for_seconds_then_accepts(make_kis_sim: MakeKisSim) -> None:
    clock = FakeClock()
    sim = await make_kis_sim(clock=clock)
    sim.faults.refuse_websockets(5)
    with pytest.raises(InvalidStatus) as caught:
        async with connect(sim.ws_url):
            pass
    assert caught.value.response.status_code == 503
    clock.advance(5)
    async with connect(sim.ws_url) as ws:
        assert ws.state.name == "OPEN"
    assert sim.sim.ws.connections_refused == 1


async def test_rate_limit_two_per_second_third_egw00201(make_kis_sim: MakeKisSim) -> None:
    clock = FakeClock()
    sim = await make_kis_sim(clock=clock, rate_limit=2)
    async with httpx.AsyncClient(base_url=sim.rest_url) as client:
        token = await issue_token(client, sim)
        sent = headers(sim, token, "FHKST01010100")
        answers = [await client.get(PRICE, headers=sent, params=PRICE_PARAMS) for _ in range(3)]
        clock.advance(1)
        later = await client.get(PRICE, headers=sent, params=PRICE_PARAMS)
    assert [a.status_code for a in answers] == [200, 200, 500]
    assert answers[2].json()["msg_cd"] == "EGW00201"
    assert answers[2].json()["msg1"] == "초당 거래건수를 초과하였습니다."
    assert later.status_code == 200


async def test_rate_limit_real_style_burst_of_25_refuses_5(make_kis_sim: MakeKisSim) -> None:
    sim = await make_kis_sim(rate_limit=20)
    async with httpx.AsyncClient(base_url=sim.rest_url) as client:
        token = await issue_token(client, sim)
        sent = headers(sim, token, "FHKST01010100")
        codes = [
            (await client.get(PRICE, headers=sent, params=PRICE_PARAMS)).json()["msg_cd"]
            for _ in range(25)
        ]
    assert codes.count("EGW00201") == 5
    assert sim.sim.limiter.refused == 5


async def test_set_rate_limit_none_turns_it_off(make_kis_sim: MakeKisSim) -> None:
    sim = await make_kis_sim(clock=FakeClock(), rate_limit=1)
    sim.faults.set_rate_limit(None)
    async with httpx.AsyncClient(base_url=sim.rest_url) as client:
        token = await issue_token(client, sim)
        sent = headers(sim, token, "FHKST01010100")
        statuses = [
            (await client.get(PRICE, headers=sent, params=PRICE_PARAMS)).status_code
            for _ in range(5)
        ]
    assert statuses == [200] * 5


async def test_move_price_fills_resting_order(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        placed = await place(client, kis_sim, token, "TTTC0011U", "005930", 3, 75_000)
    kis_sim.faults.move_price("005930", 75_000)
    order = kis_sim.engine.order(placed["output"]["ODNO"])
    assert order is not None
    assert order.filled_qty == 3


async def test_simulator_stop_then_start_same_ports_keeps_state(kis_sim: KisSimHandle) -> None:
    rest_url, ws_url = kis_sim.rest_url, kis_sim.ws_url
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        placed = await place(client, kis_sim, token, "TTTC0012U", "005930", 1, 69_000)
    await kis_sim.sim.stop()
    with pytest.raises(OSError):
        async with connect(ws_url):
            pass
    await kis_sim.sim.start()
    assert (kis_sim.rest_url, kis_sim.ws_url) == (rest_url, ws_url)
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        day = seoul(kis_sim.clock.now()).strftime("%Y%m%d")
        response = await client.get(
            f"{STOCK}/trading/inquire-daily-ccld",
            headers=headers(kis_sim, token, "TTTC0081R"),
            params=daily_params(kis_sim, day),
        )
    assert [r["odno"] for r in response.json()["output1"]] == [placed["output"]["ODNO"]]


async def test_simulator_ws_port_taken_raises_and_releases_rest_port() -> None:
    taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        sim = Simulator(ws_port=taken.getsockname()[1])
        with pytest.raises(OSError):
            await sim.start()
        with pytest.raises(httpx.ConnectError):
            async with httpx.AsyncClient() as client:
                await client.get(f"{sim.rest_url}/oauth2/tokenP")
    finally:
        taken.close()
