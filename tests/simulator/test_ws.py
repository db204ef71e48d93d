"""The WebSocket protocol with a raw `websockets` client: acks, limits, frames, notices."""

from __future__ import annotations

import asyncio
import itertools
import json
from decimal import Decimal

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from hantu.domain.enums import Side
from hantu.simulator.feed import DEFAULT_SYMBOLS
from hantu.simulator.ws_frames import decrypt
from tests.fixtures.kis_simulator import KisSimHandle, MakeKisSim
from tests.simulator.helpers import (
    approval_key,
    issue_token,
    place,
    recv_data,
    recv_json,
    sub_message,
)


@pytest.fixture
async def key(kis_sim: KisSimHandle) -> str:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        return await approval_key(client, kis_sim)


async def subscribe(ws: ClientConnection, key: str, tr_id: str, tr_key: str) -> dict[str, object]:
    await ws.send(sub_message(key, tr_id, tr_key))
    return await recv_json(ws)


async def test_subscribe_ack_carries_aes_key_and_iv(kis_sim: KisSimHandle, key: str) -> None:
    async with connect(kis_sim.ws_url) as ws:
        ack = await subscribe(ws, key, "H0STCNI0", kis_sim.hts_id)
    assert ack["header"] == {"tr_id": "H0STCNI0", "tr_key": kis_sim.hts_id, "encrypt": "Y"}
    body = ack["body"]
    assert isinstance(body, dict)
    assert (body["rt_cd"], body["msg_cd"], body["msg1"]) == ("0", "OPSP0000", "SUBSCRIBE SUCCESS")
    assert len(body["output"]["key"]) == 32
    assert len(body["output"]["iv"]) == 16


async def test_notices_acceptance_then_fill_decrypt_to_26_fields(
    kis_sim: KisSimHandle, key: str
) -> None:
    async with (
        httpx.AsyncClient(base_url=kis_sim.rest_url) as client,
        connect(f"{kis_sim.ws_url}/tryitout/H0STCNI0") as ws,
    ):
        ack = await subscribe(ws, key, "H0STCNI0", kis_sim.hts_id)
        aes = ack["body"]["output"]  # type: ignore[index]
        token = await issue_token(client, kis_sim)
        placed = await place(client, kis_sim, token, "TTTC0012U", "005930", 4, 69_000)
        accepted = await recv_data(ws)
        kis_sim.feed.set_price("005930", 69_000)
        filled = await recv_data(ws)
    records = []
    for frame in (accepted, filled):
        enc, tr_id, count, payload = frame.split("|", 3)
        assert (enc, tr_id, count) == ("1", "H0STCNI0", "001")
        records.append(decrypt(payload, aes["key"], aes["iv"]).split("^"))
    odno = placed["output"]["ODNO"]
    for record in records:
        assert len(record) == 26
        assert (record[0], record[2], record[4], record[8]) == (
            kis_sim.hts_id,
            odno,
            "02",
            "005930",
        )
        assert record[1] == kis_sim.cano + kis_sim.acnt_prdt_cd
    assert (records[0][13], records[0][9], records[0][12]) == ("1", "4", "0")
    assert (records[1][13], records[1][9], records[1][10]) == ("2", "4", "69000")


async def test_notice_paper_tr_id_frames_as_h0stcni9(kis_sim: KisSimHandle, key: str) -> None:
    async with connect(kis_sim.ws_url) as ws:
        await subscribe(ws, key, "H0STCNI9", kis_sim.hts_id)
        kis_sim.engine.place(kis_sim.account_obj, "005930", Side.BUY, "00", 1, Decimal(69_000))
        frame = await recv_data(ws)
    assert frame.startswith("1|H0STCNI9|001|")


async def test_notice_wrong_hts_id_refused_opsp8992(kis_sim: KisSimHandle, key: str) -> None:
    async with connect(kis_sim.ws_url) as ws:
        ack = await subscribe(ws, key, "H0STCNI0", "someoneelse")
    assert ack["body"]["msg_cd"] == "OPSP8992"  # type: ignore[index]


async def test_requests_are_recorded_in_order_refused_ones_too(
    kis_sim: KisSimHandle, key: str
) -> None:
    async with connect(kis_sim.ws_url) as ws:
        await subscribe(ws, key, "H0STCNT0", "005930")
        await subscribe(ws, key, "H0STCNI0", "someoneelse")
        await ws.send(sub_message(key, "H0STCNT0", "005930", tr_type="2"))
        await recv_json(ws)

    assert list(kis_sim.sim.ws.requests) == [
        ("1", "H0STCNT0", "005930"),
        ("1", "H0STCNI0", "someoneelse"),
        ("2", "H0STCNT0", "005930"),
    ]


async def test_subscribe_42nd_registration_opsp0008(kis_sim: KisSimHandle, key: str) -> None:
    codes = [f"9{i:05d}" for i in range(42)]
    async with connect(kis_sim.ws_url) as ws:
        answers = [await subscribe(ws, key, "H0STCNT0", code) for code in codes]
    msg_codes = [a["body"]["msg_cd"] for a in answers]  # type: ignore[index]
    assert msg_codes[:41] == ["OPSP0000"] * 41
    assert msg_codes[41] == "OPSP0008"


async def test_refused_subscription_answers_opsp0007_and_takes_no_registration(
    kis_sim: KisSimHandle, key: str
) -> None:
    kis_sim.faults.refuse_subscriptions(["005930"], count=1)
    async with connect(kis_sim.ws_url) as ws:
        refused = await subscribe(ws, key, "H0STCNT0", "005930")
        next_one = await subscribe(ws, key, "H0STCNT0", "000660")  # the one of `count`
        again = await subscribe(ws, key, "H0STCNT0", "000660")
        codes = [f"9{i:05d}" for i in range(40)]  # 41 in all still fit beside it
        answers = [await subscribe(ws, key, "H0STCNT0", code) for code in codes]
    assert refused["header"] == {"tr_id": "H0STCNT0", "tr_key": "005930", "encrypt": "N"}
    body = refused["body"]
    assert isinstance(body, dict)
    assert (body["rt_cd"], body["msg_cd"], body["msg1"]) == (
        "1",
        "OPSP0007",
        "SUBSCRIBE INTERNAL ERROR",
    )
    assert next_one["body"]["msg_cd"] == "OPSP0007"  # type: ignore[index]
    assert again["body"]["msg_cd"] == "OPSP0000"  # type: ignore[index]
    assert [a["body"]["msg_cd"] for a in answers] == ["OPSP0000"] * 40  # type: ignore[index]


async def test_subscribe_twice_already_in_subscribe(kis_sim: KisSimHandle, key: str) -> None:
    async with connect(kis_sim.ws_url) as ws:
        await subscribe(ws, key, "H0STCNT0", "005930")
        again = await subscribe(ws, key, "H0STCNT0", "005930")
    assert again["body"]["msg_cd"] == "OPSP0002"  # type: ignore[index]


async def test_unsubscribe_stops_frames(kis_sim: KisSimHandle, key: str) -> None:
    async with connect(kis_sim.ws_url) as ws:
        await subscribe(ws, key, "H0STCNT0", "005930")
        await ws.send(sub_message(key, "H0STCNT0", "005930", tr_type="2"))
        ack = await recv_json(ws)
        await ws.send(sub_message(key, "H0STCNT0", "005930", tr_type="2"))
        missing = await recv_json(ws)
        kis_sim.feed.set_price("005930", 71_100)
        with pytest.raises(TimeoutError):
            await recv_data(ws, wait=0.2)
    assert ack["body"]["msg1"] == "UNSUBSCRIBE SUCCESS"
    assert missing["body"]["msg_cd"] == "OPSP0003"


async def test_second_session_same_app_key_opsp8996_and_closed(
    kis_sim: KisSimHandle, key: str
) -> None:
    async with connect(kis_sim.ws_url) as first:
        await subscribe(first, key, "H0STCNT0", "005930")
        async with connect(kis_sim.ws_url) as second:
            await second.send(sub_message(key, "H0STCNT0", "000660"))
            refusal = json.loads(await second.recv())
            with pytest.raises(ConnectionClosed):
                await second.recv()
        kis_sim.feed.set_price("005930", 71_100)
        still = await recv_data(first)
    assert refusal["body"]["msg_cd"] == "OPSP8996"
    assert refusal["header"]["tr_id"] == "(null)"
    assert still.startswith("0|H0STCNT0|001|005930^")


async def test_session_closed_then_new_session_same_key_accepted(
    kis_sim: KisSimHandle, key: str
) -> None:
    async with connect(kis_sim.ws_url) as first:
        await subscribe(first, key, "H0STCNT0", "005930")
    for _ in range(100):
        if not kis_sim.sim.ws.sessions:
            break
        await asyncio.sleep(0.01)
    async with connect(kis_sim.ws_url) as second:
        ack = await subscribe(second, key, "H0STCNT0", "005930")
    assert ack["body"]["msg_cd"] == "OPSP0000"  # type: ignore[index]


async def test_unknown_approval_key_opsp0011(kis_sim: KisSimHandle) -> None:
    async with connect(kis_sim.ws_url) as ws:
        ack = await subscribe(ws, "0" * 36, "H0STCNT0", "005930")
    assert ack["body"]["msg_cd"] == "OPSP0011"  # type: ignore[index]


async def test_invalid_json_answers_parsing_error(kis_sim: KisSimHandle) -> None:
    async with connect(kis_sim.ws_url) as ws:
        await ws.send("{not json")
        answer = await recv_json(ws)
    assert answer["body"]["msg_cd"] == "OPSP9999"


async def test_unknown_tr_id_opsp8991(kis_sim: KisSimHandle, key: str) -> None:
    async with connect(kis_sim.ws_url) as ws:
        ack = await subscribe(ws, key, "H0XXXXX0", "005930")
    assert ack["body"]["msg_cd"] == "OPSP8991"  # type: ignore[index]


async def test_trades_of_one_symbol_in_one_go_share_one_multi_record_frame(
    kis_sim: KisSimHandle, key: str
) -> None:
    async with connect(kis_sim.ws_url) as ws:
        await subscribe(ws, key, "H0STCNT0", "005930")
        for price in (71_100, 71_200, 71_000):
            kis_sim.feed.set_price("005930", price, qty=3)
        frame = await recv_data(ws)
    _, tr_id, count, payload = frame.split("|", 3)
    fields = payload.split("^")
    assert (tr_id, count, len(fields)) == ("H0STCNT0", "003", 3 * 46)
    assert [fields[46 * i + 2] for i in range(3)] == ["71100", "71200", "71000"]
    assert [fields[46 * i + 13] for i in range(3)] == ["3", "6", "9"]  # ACML_VOL


async def test_two_symbols_moved_together_get_a_frame_each(kis_sim: KisSimHandle, key: str) -> None:
    async with connect(kis_sim.ws_url) as ws:
        await subscribe(ws, key, "H0STCNT0", "005930")
        await subscribe(ws, key, "H0STCNT0", "000660")
        kis_sim.feed.set_prices({"005930": 71_100, "000660": 181_000})
        frames = [await recv_data(ws), await recv_data(ws)]
    assert [f[:22] for f in frames] == ["0|H0STCNT0|001|005930^", "0|H0STCNT0|001|000660^"]


async def test_send_interval_gathers_trades_sent_apart_into_one_frame(
    make_kis_sim: MakeKisSim,
) -> None:
    sim = await make_kis_sim(send_interval=0.3)
    async with httpx.AsyncClient(base_url=sim.rest_url) as client:
        key = await approval_key(client, sim)
    async with connect(sim.ws_url) as ws:
        await subscribe(ws, key, "H0STCNT0", "005930")
        for price in (71_100, 71_200):
            sim.feed.set_price("005930", price)
            await asyncio.sleep(0.05)
        frame = await recv_data(ws)
    assert frame.startswith("0|H0STCNT0|002|005930^")


async def test_batching_off_sends_one_record_per_frame(make_kis_sim: MakeKisSim) -> None:
    sim = await make_kis_sim(batch_records=False)
    async with httpx.AsyncClient(base_url=sim.rest_url) as client:
        key = await approval_key(client, sim)
    async with connect(sim.ws_url) as ws:
        await subscribe(ws, key, "H0STCNT0", "005930")
        sim.feed.set_price("005930", 71_100)
        sim.feed.set_price("005930", 71_200)
        frames = [await recv_data(ws), await recv_data(ws)]
    assert [f[:22] for f in frames] == ["0|H0STCNT0|001|005930^"] * 2


async def test_order_book_frame_has_59_fields_on_tick_grid(kis_sim: KisSimHandle, key: str) -> None:
    async with connect(kis_sim.ws_url) as ws:
        await subscribe(ws, key, "H0STASP0", "005930")
        kis_sim.feed.set_price("005930", 71_000)
        frame = await recv_data(ws)
    fields = frame.split("|", 3)[3].split("^")
    assert len(fields) == 59
    asks, bids = fields[3:13], fields[13:23]
    assert asks[0] == "71100"
    assert bids[0] == "71000"
    assert all(int(a) < int(b) for a, b in itertools.pairwise(asks))
    assert all(int(a) > int(b) for a, b in itertools.pairwise(bids))
    assert int(asks[9]) > int(asks[0]) > int(bids[0]) > int(bids[9])


async def test_halt_publishes_h0stmko0(kis_sim: KisSimHandle, key: str) -> None:
    async with connect(kis_sim.ws_url) as ws:
        await subscribe(ws, key, "H0STMKO0", "005930")
        kis_sim.faults.halt("005930")
        halted = await recv_data(ws)
        kis_sim.faults.trigger_vi("005930", "1")
        vi = await recv_data(ws)
    halted_fields = halted.split("|", 3)[3].split("^")
    vi_fields = vi.split("|", 3)[3].split("^")
    assert len(halted_fields) == 11
    assert (halted_fields[0], halted_fields[1]) == ("005930", "Y")
    assert vi_fields[8] == "1"


async def test_pingpong_sent_and_echo_keeps_strict_session(make_kis_sim: MakeKisSim) -> None:
    sim = await make_kis_sim(pingpong_interval=0.05, pingpong_strict=True)
    async with connect(sim.ws_url) as ws:
        for _ in range(6):
            raw = await asyncio.wait_for(ws.recv(), 1)
            assert json.loads(raw)["header"]["tr_id"] == "PINGPONG"
            await ws.send(raw)
        assert ws.state.name == "OPEN"


async def drain(ws: ClientConnection) -> None:
    while True:
        await asyncio.wait_for(ws.recv(), 2)


async def test_pingpong_unanswered_strict_session_closed(make_kis_sim: MakeKisSim) -> None:
    sim = await make_kis_sim(pingpong_interval=0.05, pingpong_strict=True)
    async with connect(sim.ws_url, ping_interval=None) as ws:
        with pytest.raises(ConnectionClosed):
            await drain(ws)


@pytest.mark.parametrize("answer", ["pong", "ping"])
async def test_pingpong_answered_with_control_frame_keeps_session(
    make_kis_sim: MakeKisSim, answer: str
) -> None:
    sim = await make_kis_sim(pingpong_interval=0.05, pingpong_timeout=0.04)
    async with connect(sim.ws_url, ping_interval=None) as ws:
        for _ in range(6):
            await asyncio.wait_for(ws.recv(), 1)
            await getattr(ws, answer)(b"PINGPONG")
        assert ws.state.name == "OPEN"


async def test_pingpong_other_traffic_is_no_answer_session_cut(make_kis_sim: MakeKisSim) -> None:
    # A client busy subscribing but deaf to PINGPONG is still dropped.
    sim = await make_kis_sim(pingpong_interval=0.05, pingpong_timeout=0.1)
    async with httpx.AsyncClient(base_url=sim.rest_url) as client:
        key = await approval_key(client, sim)
    async with connect(sim.ws_url, ping_interval=None) as ws:
        with pytest.raises(ConnectionClosed):
            await keep_subscribing(ws, key)
    assert ws.close_reason == "PINGPONG not answered"


async def keep_subscribing(ws: ClientConnection, key: str) -> None:
    for code in itertools.cycle(["005930", "000660"]):
        await ws.send(sub_message(key, "H0STCNT0", code))
        await asyncio.wait_for(ws.recv(), 2)
        await asyncio.sleep(0.02)


async def test_strict_pingpong_switched_on_at_runtime_cuts_silent_client(
    make_kis_sim: MakeKisSim,
) -> None:
    sim = await make_kis_sim(pingpong_interval=0.05)
    async with connect(sim.ws_url, ping_interval=None) as ws:
        for _ in range(3):  # lenient: unanswered PINGPONGs keep coming
            raw = await asyncio.wait_for(ws.recv(), 1)
            assert json.loads(raw)["header"]["tr_id"] == "PINGPONG"
        sim.faults.strict_pingpong(0.05)
        with pytest.raises(ConnectionClosed):
            await drain(ws)
    assert sim.faults.active()["pingpong_timeout"] == 0.05


def test_default_symbols_fit_one_session() -> None:
    assert 2 * len(DEFAULT_SYMBOLS) + 1 <= 41


@pytest.mark.parametrize(
    "raw", ['{"header": "x"}', "[1, 2]", '{"header": {}, "body": []}', '"text"']
)
async def test_malformed_requests_answered_session_survives(
    kis_sim: KisSimHandle, key: str, raw: str
) -> None:
    async with connect(kis_sim.ws_url) as ws:
        await ws.send(raw)
        answer = await recv_json(ws)
        ack = await subscribe(ws, key, "H0STCNT0", "005930")
    assert answer["body"]["rt_cd"] == "1"
    assert ack["body"]["msg_cd"] == "OPSP0000"  # type: ignore[index]


async def test_exchange_reject_notice_rfus_yn_1_and_daily_rjct_qty(
    kis_sim: KisSimHandle, key: str
) -> None:
    async with (
        httpx.AsyncClient(base_url=kis_sim.rest_url) as client,
        connect(kis_sim.ws_url) as ws,
    ):
        ack = await subscribe(ws, key, "H0STCNI0", kis_sim.hts_id)
        aes = ack["body"]["output"]  # type: ignore[index]
        token = await issue_token(client, kis_sim)
        kis_sim.faults.reject_at_exchange_next()
        placed = await place(client, kis_sim, token, "TTTC0012U", "005930", 4, 71_000)
        frame = await recv_data(ws)
    assert placed["rt_cd"] == "0"  # the gateway said yes
    record = decrypt(frame.split("|", 3)[3], aes["key"], aes["iv"]).split("^")
    assert (record[2], record[12], record[13]) == (placed["output"]["ODNO"], "1", "1")
    order = kis_sim.engine.order(placed["output"]["ODNO"])
    assert order is not None
    assert (order.rejected_qty, order.filled_qty) == (4, 0)


@pytest.mark.parametrize("tr_id", ["H0GSCNI0", "H0GSCNI9"])
async def test_overseas_notice_subscription_acknowledged_with_key_iv(
    kis_sim: KisSimHandle, key: str, tr_id: str
) -> None:
    async with connect(kis_sim.ws_url) as ws:
        ack = await subscribe(ws, key, tr_id, kis_sim.hts_id)
        domestic = await subscribe(ws, key, "H0STCNI0", kis_sim.hts_id)
    body = ack["body"]
    assert isinstance(body, dict)
    assert ack["header"] == {"tr_id": tr_id, "tr_key": kis_sim.hts_id, "encrypt": "Y"}
    assert (body["rt_cd"], body["msg_cd"], body["msg1"]) == ("0", "OPSP0000", "SUBSCRIBE SUCCESS")
    assert (len(body["output"]["key"]), len(body["output"]["iv"])) == (32, 16)
    assert domestic["body"]["msg_cd"] == "OPSP0000"  # type: ignore[index]


async def test_overseas_notice_wrong_hts_id_refused_opsp8992(
    kis_sim: KisSimHandle, key: str
) -> None:
    async with connect(kis_sim.ws_url) as ws:
        ack = await subscribe(ws, key, "H0GSCNI0", "someoneelse")
    assert ack["body"]["msg_cd"] == "OPSP8992"  # type: ignore[index]
