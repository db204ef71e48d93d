"""Two declared accounts on one simulator: credentials, orders and notices stay apart."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
from websockets.asyncio.client import connect

from hantu.simulator.accounts import Holding, make_account
from tests.fixtures.kis_simulator import KisSimHandle, MakeKisSim
from tests.simulator.helpers import (
    STOCK,
    approval_key,
    headers,
    issue_token,
    place,
    recv_data,
    recv_json,
    sub_message,
)


async def two_accounts(make_kis_sim: MakeKisSim) -> tuple[KisSimHandle, KisSimHandle]:
    alice = make_account("11110000-01", hts_id="alice", cash=Decimal(10_000_000))
    bob = make_account(
        "22220000-01",
        hts_id="bob",
        cash=Decimal(0),
        holdings={"005930": Holding(qty=5, avg_price=Decimal(60_000))},
    )
    sim = await make_kis_sim(accounts=[alice, bob])
    return sim, KisSimHandle(sim.sim, bob)


async def test_other_account_cannot_cancel_order(make_kis_sim: MakeKisSim) -> None:
    alice, bob = await two_accounts(make_kis_sim)
    async with httpx.AsyncClient(base_url=alice.rest_url) as client:
        alice_token = await issue_token(client, alice)
        bob_token = await issue_token(client, bob)
        placed = await place(client, alice, alice_token, "TTTC0012U", "005930", 1, 69_000)
        response = await client.post(
            f"{STOCK}/trading/order-rvsecncl",
            headers=headers(bob, bob_token, "TTTC0013U"),
            json={
                "CANO": bob.cano,
                "ACNT_PRDT_CD": bob.acnt_prdt_cd,
                "KRX_FWDG_ORD_ORGNO": "06010",
                "ORGN_ODNO": placed["output"]["ODNO"],
                "ORD_DVSN": "00",
                "RVSE_CNCL_DVSN_CD": "02",
                "ORD_QTY": "0",
                "ORD_UNPR": "0",
                "QTY_ALL_ORD_YN": "Y",
            },
        )
    assert response.json()["rt_cd"] == "1"
    order = alice.engine.order(placed["output"]["ODNO"])
    assert order is not None
    assert order.is_open


async def test_token_of_one_app_key_refused_for_another(make_kis_sim: MakeKisSim) -> None:
    alice, bob = await two_accounts(make_kis_sim)
    async with httpx.AsyncClient(base_url=alice.rest_url) as client:
        alice_token = await issue_token(client, alice)
        response = await client.get(
            f"{STOCK}/quotations/inquire-price",
            headers=headers(bob, alice_token, "FHKST01010100"),
            params={"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"},
        )
    assert response.json()["msg_cd"] == "EGW00121"


async def test_notices_reach_only_owner_and_sessions_are_per_app_key(
    make_kis_sim: MakeKisSim,
) -> None:
    alice, bob = await two_accounts(make_kis_sim)
    async with httpx.AsyncClient(base_url=alice.rest_url) as client:
        alice_key = await approval_key(client, alice)
        bob_key = await approval_key(client, bob)
        async with connect(alice.ws_url) as alice_ws, connect(alice.ws_url) as bob_ws:
            await alice_ws.send(sub_message(alice_key, "H0STCNI0", "alice"))
            await bob_ws.send(sub_message(bob_key, "H0STCNI0", "bob"))
            assert (await recv_json(alice_ws))["body"]["msg_cd"] == "OPSP0000"
            assert (await recv_json(bob_ws))["body"]["msg_cd"] == "OPSP0000"
            bob_token = await issue_token(client, bob)
            await place(client, bob, bob_token, "TTTC0011U", "005930", 5, 80_000)
            bob_frame = await recv_data(bob_ws)
            try:
                alice_frame: str | None = await recv_data(alice_ws, wait=0.2)
            except TimeoutError:
                alice_frame = None
    assert bob_frame.startswith("1|H0STCNI0|001|")
    assert alice_frame is None


async def test_walk_moves_prices_over_time(kis_sim: KisSimHandle) -> None:
    kis_sim.sim.start_walk(0.01, ["005930"])
    for _ in range(200):
        if kis_sim.feed["005930"].volume > 0:
            break
        await asyncio.sleep(0.01)
    assert kis_sim.feed["005930"].volume > 0
    assert kis_sim.feed["000660"].volume == 0
