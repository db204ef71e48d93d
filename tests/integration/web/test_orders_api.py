"""The orders API: history filters and paging, one order with its fills and failed-order
links, cancel (200 / 409 / 404 / 403) and the CSV exports — on both databases."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta

import httpx

from hantu.messages_ko import orders_page as text
from tests.inprocess_broker import Accept, Hang, Refuse
from tests.integration.web.conftest import Member, WebClient, signal


async def _order(web: WebClient, member: Member, **overrides: str) -> dict[str, object]:
    web.clock.advance(1)  # one order a second, so "newest" is this one
    response = await web.webhook(signal(member.token, **overrides))
    assert response.status_code in (200, 400, 408), response.text
    listed = await member.client.get("/api/orders", params={"limit": "1"})
    (newest,) = listed.json()["orders"]
    return dict(newest)


async def _until_filled(web: WebClient, member: Member, order_id: str) -> dict[str, object]:
    for _ in range(200):
        body = (await member.client.get(f"/api/orders/{order_id}")).json()["order"]
        if body["status"] == "FILLED":
            return dict(body)
        await asyncio.sleep(0.02)
    raise AssertionError("the order never filled")


async def test_orders_list_shows_fields_as_strings_newest_first(web: WebClient) -> None:
    member = await web.member("alice")
    first = await _order(web, member, quantity="3")
    web.clock.advance(60)
    second = await _order(web, member, symbol="000660", price="180000")

    body = (await member.client.get("/api/orders")).json()

    assert body["success"] is True
    assert [o["id"] for o in body["orders"]] == [second["id"], first["id"]]
    row = body["orders"][1]
    assert (row["symbol"], row["side"], row["order_type"]) == ("005930", "BUY", "LIMIT")
    assert (row["quantity"], row["price"], row["filled_quantity"]) == ("3", "70000", "0")
    assert row["status"] == "SENT"
    assert row["cancelable"] is True
    assert row["strategy_name"] == "alpha"
    assert row["broker_account_id"] == member.broker_account_id
    assert row["created_at_seoul"] == "2026-11-20 09:30:01"
    assert body["next_cursor"] is None


async def test_orders_filters_by_symbol_status_strategy_and_days(web: WebClient) -> None:
    member = await web.member("alice")
    today = web.clock.now()
    web.clock.set(today - timedelta(hours=10))  # 23:30 in Seoul, the day before
    samsung = await _order(web, member)
    web.broker.script(Refuse())
    refused = await _order(web, member, symbol="000660", price="180000")
    web.clock.set(today)  # 09:30 on 2026-11-20 (the session was signed in then)
    tomorrow = await _order(web, member, symbol="000660", price="180000")

    async def ids(**params: str) -> list[object]:
        response = await member.client.get("/api/orders", params=params)
        assert response.status_code == 200, response.text
        return [o["id"] for o in response.json()["orders"]]

    assert await ids(symbol="KRX:000660") == [tomorrow["id"], refused["id"]]
    assert await ids(status="ERROR") == [refused["id"]]
    assert await ids(status="sent,error") == [tomorrow["id"], refused["id"], samsung["id"]]
    assert await ids(date_from="2026-11-20") == [tomorrow["id"]]
    assert await ids(date_to="2026-11-19") == [refused["id"], samsung["id"]]
    assert await ids(strategy_id=str(member.strategy_id)) == await ids()
    assert await ids(broker_account_id=str(member.broker_account_id), symbol="005930") == [
        samsung["id"]
    ]
    assert refused["failed_order_id"] is not None


async def test_orders_bad_filters_answer_400_in_korean(web: WebClient) -> None:
    member = await web.member("alice")

    cases = {
        "date_from": "2026-13-01",
        "status": "DONE",
        "symbol": "삼성",
        "limit": "0",
        "cursor": "x",
    }
    for field, value in cases.items():
        response = await member.client.get("/api/orders", params={field: value})
        assert response.status_code == 400, (field, response.text)
        assert response.json()["field"] == field
    backwards = await member.client.get(
        "/api/orders", params={"date_from": "2026-11-21", "date_to": "2026-11-20"}
    )
    assert backwards.json()["error"] == text.FILTER_DATE_ORDER


async def test_orders_pages_follow_the_cursor_without_repeats(web: WebClient) -> None:
    member = await web.member("alice")
    for n in range(5):
        if n % 2:
            web.clock.advance(1)  # some share a created_at: the id breaks the tie
        assert (await web.webhook(signal(member.token))).status_code == 200
    made = [o["id"] for o in (await member.client.get("/api/orders")).json()["orders"]]

    seen: list[object] = []
    cursor = None
    while True:
        params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        body = (await member.client.get("/api/orders", params=params)).json()
        seen += [o["id"] for o in body["orders"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen)) == 5
    assert seen == made  # the same stable order as one big page


async def test_orders_of_another_user_are_not_found(web: WebClient) -> None:
    alice = await web.member("alice")
    bob = await web.member("bob", strategy="beta")
    order = await _order(web, alice)

    listed = (await bob.client.get("/api/orders")).json()["orders"]
    detail = await bob.client.get(f"/api/orders/{order['id']}")
    cancel = await bob.client.post(f"/api/orders/{order['id']}/cancel", headers=bob.headers())
    foreign = await bob.client.get("/api/orders", params={"strategy_id": str(alice.strategy_id)})

    assert listed == []
    assert (detail.status_code, cancel.status_code, foreign.status_code) == (404, 404, 404)
    assert web.broker.book[web.broker.placed[0].broker_order_id].state.value == "OPEN"


async def test_order_detail_has_fills_and_the_retry_links(web: WebClient) -> None:
    member = await web.member("alice")
    web.broker.script(Refuse(), Accept(fill_quantity=4, fill_price=None))
    refused = await _order(web, member, quantity="10")
    failed_id = refused["failed_order_id"]
    retried = await member.client.post(
        f"/api/failed-orders/{failed_id}/retry", headers=member.headers()
    )
    assert retried.status_code == 200, retried.text

    original = (await member.client.get(f"/api/orders/{refused['id']}")).json()["order"]
    retry_id = original["failed_order"]["retry_order_ids"][0]
    for _ in range(200):
        retry = (await member.client.get(f"/api/orders/{retry_id}")).json()["order"]
        if retry["fills"]:
            break
        await asyncio.sleep(0.02)

    assert original["failed_order"]["id"] == failed_id
    assert original["failed_order"]["order_id"] == refused["id"]
    assert retry["retry_of_failed_order_id"] == failed_id
    assert retry["failed_order"]["id"] == failed_id
    assert retry["status"] == "PARTIAL"
    (fill,) = retry["fills"]
    assert (fill["price"], fill["quantity"]) == ("70000", "4")
    assert fill["filled_at_seoul"].startswith("2026-11-20 09:30")


async def test_cancel_open_order_then_again_answers_409(web: WebClient) -> None:
    member = await web.member("alice")
    order = await _order(web, member)
    url = f"/api/orders/{order['id']}/cancel"

    first = await member.client.post(url, headers=member.headers())
    second = await member.client.post(url, headers=member.headers())

    assert first.status_code == 200, first.text
    assert first.json() == {
        "success": True,
        "message": text.CANCEL_DONE,
        "order_id": order["id"],
        "status": "CANCELED",
    }
    assert second.status_code == 409
    assert second.json()["error"] == text.CANCEL_REFUSED["CANCELED"]


async def test_cancel_filled_or_unconfirmed_order_answers_409_with_reason(
    web: WebClient,
) -> None:
    member = await web.member("alice")
    web.broker.script(Accept(fill_quantity=10))
    filled = await _order(web, member, quantity="10")
    await _until_filled(web, member, str(filled["id"]))
    web.broker.script(Hang())
    unconfirmed = await _order(web, member)
    assert unconfirmed["status"] == "UNCONFIRMED"

    answers = [
        await member.client.post(f"/api/orders/{o['id']}/cancel", headers=member.headers())
        for o in (filled, unconfirmed)
    ]

    assert [a.status_code for a in answers] == [409, 409]
    assert answers[0].json()["error"] == text.CANCEL_REFUSED["FILLED"]
    assert answers[1].json()["error"] == text.CANCEL_REFUSED["UNCONFIRMED"]


async def test_cancel_without_csrf_answers_403_and_unknown_404(web: WebClient) -> None:
    member = await web.member("alice")
    order = await _order(web, member)

    no_csrf = await member.client.post(f"/api/orders/{order['id']}/cancel")
    unknown = await member.client.post("/api/orders/o-none/cancel", headers=member.headers())
    anonymous = await web.client().get("/api/orders")

    assert (no_csrf.status_code, unknown.status_code) == (403, 404)
    assert anonymous.status_code == 401
    detail = (await member.client.get(f"/api/orders/{order['id']}")).json()["order"]
    assert detail["status"] == "SENT"


def _csv_rows(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_csv_exports_carry_bom_korean_headers_and_plain_numbers(web: WebClient) -> None:
    member = await web.member("alice")
    web.broker.script(Accept(fill_quantity=1234, fill_price=None))
    filled = await _order(web, member, quantity="1234", price="70500")
    await _until_filled(web, member, str(filled["id"]))
    await _order(web, member, symbol="000660", price="180000")

    orders = _csv_rows(await member.client.get("/api/orders.csv"))
    only = _csv_rows(await member.client.get("/api/orders.csv", params={"symbol": "000660"}))
    fills = _csv_rows(await member.client.get("/api/fills.csv"))
    bad = await member.client.get("/api/orders.csv", params={"status": "nope"})

    assert orders[0] == list(text.CSV_ORDER_HEADERS)
    assert len(orders) == 3
    row = dict(zip(orders[0], orders[2], strict=True))
    assert (row["주문ID"], row["종목코드"], row["방향"]) == (filled["id"], "005930", "매수")
    assert (row["주문수량"], row["주문가격"], row["체결수량"]) == ("1234", "70500", "1234")
    assert row["상태"] == "체결"
    assert row["주문시각(서울)"] == "2026-11-20 09:30:01"
    assert [r[4] for r in only[1:]] == ["000660"]
    assert fills[0] == list(text.CSV_FILL_HEADERS)
    fill = dict(zip(fills[0], fills[1], strict=True))
    assert (fill["주문ID"], fill["체결가격"], fill["체결수량"]) == (filled["id"], "70500", "1234")
    assert len(fills) == 2
    assert bad.status_code == 400


async def test_orders_page_renders_the_live_section_and_filter_errors(web: WebClient) -> None:
    member = await web.member("alice")
    await _order(web, member, quantity="1234")
    web.broker.script(Hang())
    await _order(web, member, symbol="000660", price="180000")

    page = await member.client.get("/orders", params={"symbol": "005930"})
    everything = await member.client.get("/orders")
    bad = await member.client.get("/orders", params={"date_from": "yesterday"})

    assert page.status_code == 200
    assert 'id="orders-section" data-live="order fill"' in page.text
    assert "1,234주" in page.text
    assert "70,000원" in page.text
    assert 'class="btn-small btn-cancel"' in page.text
    assert "/api/orders.csv?symbol=005930" in page.text
    assert "unconfirmed-hint" in everything.text
    assert bad.status_code == 400
    assert 'role="alert">' + text.FILTER_DATE.format(field="시작일") in bad.text
