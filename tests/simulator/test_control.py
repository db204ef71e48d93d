"""The control API (`/__sim__/...`) over real HTTP: every fault has a visible effect."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from hantu.domain.enums import Side
from hantu.simulator.calendar import seoul
from hantu.simulator.rest import build_rest_app
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

PRICE = f"{STOCK}/quotations/inquire-price"


async def control(
    client: httpx.AsyncClient, fault: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    """POST one fault to the control API."""
    return await client.post(f"/__sim__/{fault}", json=body or {})


async def quote(client: httpx.AsyncClient, sim: KisSimHandle, token: str) -> dict[str, Any]:
    """inquire-price output for 005930."""
    response = await client.get(
        PRICE,
        headers=headers(sim, token, "FHKST01010100"),
        params={"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"},
    )
    return dict(response.json()["output"])


async def daily_rows(
    client: httpx.AsyncClient, sim: KisSimHandle, token: str
) -> list[dict[str, str]]:
    """Today's rows of inquire-daily-ccld."""
    day = seoul(sim.clock.now()).strftime("%Y%m%d")
    response = await client.get(
        f"{STOCK}/trading/inquire-daily-ccld",
        headers=headers(sim, token, "TTTC0081R"),
        params=daily_params(sim, day),
    )
    return list(response.json()["output1"])


async def test_control_delay_orders_order_times_out_yet_appears_in_daily(
    kis_sim: KisSimHandle,
) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        answer = await control(client, "delay-orders", {"seconds": 3})
        assert answer.status_code == 200, answer.text
        assert answer.json()["scope"] == "orders"
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
        rows = await daily_rows(client, kis_sim, token)
        off = await control(client, "delay-orders", {"seconds": 0})
    assert [(r["pdno"], r["ord_qty"]) for r in rows] == [("005930", "2")]
    assert off.json()["seconds"] == 0
    assert kis_sim.faults.delay_for(f"{STOCK}/trading/order-cash") == 0


async def test_control_price_moves_inquire_price(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        answer = await control(client, "price", {"symbol": "005930", "to": "65000", "qty": 7})
        output = await quote(client, kis_sim, token)
    assert answer.status_code == 200, answer.text
    assert answer.json()["price"] == "65000"
    assert output["stck_prpr"] == "65000"
    assert output["acml_vol"] == "7"


async def test_control_halt_then_resume_shows_in_inquire_price(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        await control(client, "halt", {"symbol": "005930"})
        halted = await quote(client, kis_sim, token)
        await control(client, "resume", {"symbol": "005930"})
        resumed = await quote(client, kis_sim, token)
    assert (halted["temp_stop_yn"], resumed["temp_stop_yn"]) == ("Y", "N")


async def test_control_vi_publishes_kind_on_inquire_price(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        answer = await control(client, "vi", {"symbol": "005930", "kind": "1"})
        output = await quote(client, kis_sim, token)
    assert answer.json()["kind"] == "1"
    assert output["vi_cls_code"] == "1"


async def test_control_reject_next_rejects_one_order_with_code(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        await control(client, "reject-next", {"code": "APBK1234", "message": "테스트 거부"})
        first = await place(client, kis_sim, token, "TTTC0012U", "005930", 1, 69_000)
        second = await place(client, kis_sim, token, "TTTC0012U", "005930", 1, 69_000)
    assert (first["rt_cd"], first["msg_cd"], first["msg1"]) == ("1", "APBK1234", "테스트 거부")
    assert second["rt_cd"] == "0"


async def test_control_reject_exchange_accepts_then_refuses(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        await control(client, "reject-exchange")
        placed = await place(client, kis_sim, token, "TTTC0012U", "005930", 4, 69_000)
        rows = await daily_rows(client, kis_sim, token)
    assert placed["rt_cd"] == "0"
    assert rows[0]["rjct_qty"] == "4"


async def test_control_drop_ws_cuts_open_session(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        key = await approval_key(client, kis_sim)
        async with connect(kis_sim.ws_url) as ws:
            await ws.send(sub_message(key, "H0STCNT0", "005930"))
            await recv_json(ws)
            answer = await control(client, "drop-ws")
            with pytest.raises(ConnectionClosedError):
                await recv_data(ws)
    assert answer.json()["dropped"] == 1


async def test_control_refuse_ws_answers_handshake_503(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        await control(client, "refuse-ws", {"seconds": 30})
        with pytest.raises(InvalidStatus) as caught:
            async with connect(kis_sim.ws_url):
                pass
        await control(client, "refuse-ws", {"seconds": 0})
        async with connect(kis_sim.ws_url) as ws:
            assert ws.state.name == "OPEN"
    assert caught.value.response.status_code == 503


async def test_control_fail_rest_answers_every_kis_path_with_the_status(
    kis_sim: KisSimHandle,
) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        sent = headers(kis_sim, token, "FHKST01010100")
        params = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}
        await control(client, "fail-rest", {"seconds": 30, "status": 502})
        failed = await client.get(PRICE, headers=sent, params=params)
        await control(client, "fail-rest", {"seconds": 0})  # the control paths still answer
        again = await client.get(PRICE, headers=sent, params=params)
    assert failed.status_code == 502
    assert again.status_code == 200


async def test_control_rate_limit_then_off(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        await control(client, "rate-limit", {"per_second": 1})
        sent = headers(kis_sim, token, "FHKST01010100")
        params = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}
        limited = [(await client.get(PRICE, headers=sent, params=params)) for _ in range(2)]
        await control(client, "rate-limit", {"per_second": None})
        free = [(await client.get(PRICE, headers=sent, params=params)) for _ in range(3)]
    assert limited[1].json()["msg_cd"] == "EGW00201"
    assert [r.status_code for r in free] == [200, 200, 200]


async def test_control_expire_tokens_next_call_egw00123(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        token = await issue_token(client, kis_sim)
        await control(client, "expire-tokens")
        response = await client.get(
            PRICE,
            headers=headers(kis_sim, token, "FHKST01010100"),
            params={"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"},
        )
    assert response.json()["msg_cd"] == "EGW00123"


async def test_control_state_lists_symbols_accounts_and_faults(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        await control(client, "halt", {"symbol": "000660"})
        await control(client, "delay-orders", {"seconds": 6, "all_paths": True})
        await control(client, "reject-next", {"code": "APBK0919"})
        response = await client.get("/__sim__/state")
    state = response.json()
    symbols = {s["symbol"]: s for s in state["symbols"]}
    assert symbols["005930"]["price"] == "71000"
    assert symbols["000660"]["halted"] is True
    assert state["accounts"][0]["account"] == kis_sim.account
    assert state["accounts"][0]["holdings"]["005930"] == 100
    faults = state["faults"]
    assert (faults["delay_seconds"], faults["delay_scope"]) == (6, "all")
    assert faults["halted"] == ["000660"]
    assert [r["code"] for r in faults["pending_rejects"]] == ["APBK0919"]
    assert faults["rate_limit_per_second"] is None


@pytest.mark.parametrize(
    ("fault", "body", "status", "field"),
    [
        ("refuse-ws", {}, 400, "seconds"),
        ("refuse-ws", {"seconds": "ten"}, 400, "seconds"),
        ("delay-orders", {"seconds": -1}, 400, "seconds"),
        ("delay-orders", {"second": 5}, 400, "second"),
        ("halt", {}, 400, "symbol"),
        ("halt", {"symbol": "999999"}, 404, "symbol"),
        ("price", {"symbol": "005930", "to": 65000.5}, 400, "to"),
        ("price", {"symbol": "005930", "to": "65050"}, 422, "to"),
        ("price", {"symbol": "005930", "to": "1000000"}, 422, "to"),
        ("price", {"symbol": "005930", "to": "abc"}, 400, "to"),
        ("price", {"symbol": "005930", "to": "65000", "qty": 0}, 400, "qty"),
        ("vi", {"symbol": "005930", "kind": "9"}, 400, "kind"),
        ("rate-limit", {}, 400, "per_second"),
        ("fail-rest", {"seconds": 5, "status": 404}, 400, "status"),
        ("rate-limit", {"per_second": 0}, 400, "per_second"),
        ("reject-next", {"code": "APBK 0919"}, 400, "code"),
        ("drop-ws", {"graceful": "yes"}, 400, "graceful"),
        ("pingpong", {}, 400, "timeout"),
        ("pingpong", {"timeout": 0}, 400, "timeout"),
        ("pingpong", {"timeout": "5"}, 400, "timeout"),
        ("liquidity", {"symbol": "005930"}, 400, "qty"),
        ("liquidity", {"symbol": "005930", "qty": 0}, 400, "qty"),
        ("liquidity", {"symbol": "999999", "qty": 2}, 404, "symbol"),
        ("script", {"symbol": "005930"}, 400, "prices"),
        ("script", {"symbol": "005930", "prices": []}, 400, "prices"),
        ("script", {"symbol": "005930", "prices": [71000.5]}, 400, "prices"),
        ("script", {"symbol": "005930", "prices": ["71000", "71050"]}, 422, "prices"),
        ("script", {"symbol": "005930", "prices": ["1000000"]}, 422, "prices"),
        ("no-such-fault", {}, 404, "fault"),
    ],
)
async def test_control_bad_input_names_field(
    kis_sim: KisSimHandle, fault: str, body: dict[str, Any], status: int, field: str
) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        response = await control(client, fault, body)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field


async def test_control_pingpong_cuts_silent_client_then_off(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        on = await control(client, "pingpong", {"timeout": 2})
        timeout_on = kis_sim.faults.pingpong_timeout
        off = await control(client, "pingpong", {"timeout": None})
    assert (on.status_code, off.status_code) == (200, 200)
    assert timeout_on == 2
    assert kis_sim.faults.pingpong_timeout is None
    assert "2 s" in on.json()["message"]


async def test_control_liquidity_caps_fills_per_trade(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        capped = await control(client, "liquidity", {"symbol": "005930", "qty": 2})
        order = kis_sim.engine.place(
            kis_sim.account_obj, "005930", Side.BUY, "00", 5, Decimal(70_000)
        )
        kis_sim.feed.set_price("005930", 70_000)
        state = (await client.get("/__sim__/state")).json()
        await control(client, "liquidity", {"symbol": "005930", "qty": None})
    assert capped.status_code == 200, capped.text
    assert order.filled_qty == 2
    assert state["faults"]["liquidity"] == {"005930": 2}
    assert kis_sim.feed["005930"].liquidity is None


async def test_control_script_plays_one_price_per_walk_step(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        queued = await control(client, "script", {"symbol": "005930", "prices": [71_100, "71200"]})
        state = (await client.get("/__sim__/state")).json()
    played = [[t.price for t in kis_sim.feed.step()] for _ in range(3)]
    assert queued.json()["queued"] == 2
    assert state["faults"]["scripted"] == {"005930": 2}
    assert played == [[Decimal(71_100)], [Decimal(71_200)], []]


async def test_control_body_not_json_refused_415_or_400(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        form = await client.post(
            "/__sim__/drop-ws", content=b"x=1", headers={"content-type": "text/plain"}
        )
        broken = await client.post(
            "/__sim__/drop-ws", content=b"{", headers={"content-type": "application/json"}
        )
        listed = await client.post("/__sim__/drop-ws", json=[1])
    assert (form.status_code, form.json()["field"]) == (415, "content-type")
    assert (broken.status_code, broken.json()["field"]) == (400, "body")
    assert (listed.status_code, listed.json()["field"]) == (400, "body")


async def test_control_wrong_method_answers_405(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        get_fault = await client.get("/__sim__/halt")
        post_state = await client.post("/__sim__/state", json={})
    assert (get_fault.status_code, post_state.status_code) == (405, 405)


async def test_control_non_loopback_peer_refused_403(kis_sim: KisSimHandle) -> None:
    transport = httpx.ASGITransport(
        build_rest_app(kis_sim.sim.context), client=("192.0.2.7", 40000)
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        halted = await control(client, "halt", {"symbol": "005930"})
        state = await client.get("/__sim__/state")
    assert (halted.status_code, halted.json()["field"]) == (403, "client")
    assert state.status_code == 403
    assert kis_sim.feed["005930"].halted is False


async def test_control_foreign_host_header_refused_403(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        response = await client.post(
            "/__sim__/halt", json={"symbol": "005930"}, headers={"host": "evil.example:9443"}
        )
    assert (response.status_code, response.json()["field"]) == (403, "host")
    assert kis_sim.feed["005930"].halted is False


async def test_control_not_subject_to_rate_limit_or_delay(kis_sim: KisSimHandle) -> None:
    kis_sim.faults.set_rate_limit(1)
    kis_sim.faults.delay_rest(5, orders_only=False)
    async with httpx.AsyncClient(base_url=kis_sim.rest_url, timeout=2) as client:
        answers = [await client.get("/__sim__/state") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"count": -1}, "count"),
        ({"count": "4"}, "count"),
        ({"count": True}, "count"),
        ({"symbols": "005930"}, "symbols"),
        ({"symbols": [5930]}, "symbols"),
    ],
)
async def test_refuse_subscribe_bad_input_400_names_the_field(
    kis_sim: KisSimHandle, body: dict[str, Any], field: str
) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        response = await control(client, "refuse-subscribe", body)
        state = (await client.get("/__sim__/state")).json()["faults"]
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert (state["refused_subscriptions"], state["refuse_next_subscriptions"]) == ([], 0)


async def test_refuse_subscribe_shows_in_state(kis_sim: KisSimHandle) -> None:
    async with httpx.AsyncClient(base_url=kis_sim.rest_url) as client:
        response = await control(client, "refuse-subscribe", {"symbols": ["005930"], "count": 4})
        state = (await client.get("/__sim__/state")).json()["faults"]
    assert response.status_code == 200
    assert (state["refused_subscriptions"], state["refuse_next_subscriptions"]) == (["005930"], 4)
