"""`POST /api/webhook` on both databases: 200 / 400 / 401 / 408, validation, idempotency."""

from __future__ import annotations

import asyncio
import json
import re
from decimal import Decimal

import pytest

from hantu import messages_ko as ko
from hantu.domain.values import Price, Symbol
from hantu.errors import NotSentRateLimited
from tests.inprocess_broker import Fail, Hang, Refuse
from tests.integration.web.conftest import WebClient, signal


async def test_webhook_accepted_answers_200_with_broker_order_id(web: WebClient) -> None:
    member = await web.member("alice")

    response = await web.webhook(signal(member.token, id="sig-1"))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    assert body["order_id"] == web.broker.placed[0].broker_order_id
    assert await web.count("orders") == 1


async def test_webhook_text_plain_body_is_parsed_as_json(web: WebClient) -> None:
    member = await web.member("alice")
    await web.hold(member.strategy_account_id, 10)
    raw = json.dumps(signal(member.token, symbol="KRX:005930", side="sell"))

    response = await web.webhook(raw, content_type="text/plain")

    assert response.status_code == 200, response.text
    placed = web.broker.placed[0]
    assert (placed.symbol.code, placed.side.value) == ("005930", "SELL")


async def test_webhook_broker_refusal_answers_400_and_saves_failed_order(web: WebClient) -> None:
    member = await web.member("alice")
    web.broker.script(Refuse(message="주문가능금액을 초과 했습니다 appkey=ABCDEFGHIJKLMNOP"))

    response = await web.webhook(signal(member.token))

    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert "주문가능금액" in body["error"]
    assert "ABCDEFGHIJKLMNOP" not in response.text
    listed = await member.client.get("/api/failed-orders")
    assert [o["id"] for o in listed.json()["orders"]] == [body["failed_order_id"]]


async def test_webhook_refusal_failed_order_keeps_the_delivery_id(web: WebClient) -> None:
    member = await web.member("alice")
    web.broker.script(Refuse(message="주문가능금액을 초과 했습니다"))

    response = await web.webhook(signal(member.token, id="tv-alert-42"))

    assert response.status_code == 400
    listed = await member.client.get("/api/failed-orders")
    (failed,) = listed.json()["orders"]
    assert failed["webhook_id"] == "tv-alert-42"


async def test_webhook_unknown_symbol_answers_400_naming_it_and_writes_nothing(
    web: WebClient,
) -> None:
    member = await web.member("alice")
    web.broker.unlisted.add(Symbol("999999"))

    response = await web.webhook(signal(member.token, symbol="999999"))

    assert response.status_code == 400
    assert response.json()["field"] == "symbol"
    assert "999999" in response.json()["error"]
    assert web.broker.place_calls == 0
    assert await web.count("orders") == 0
    assert await web.count("failed_orders") == 0


async def test_webhook_etf_price_on_its_own_tick_is_accepted(web: WebClient) -> None:
    member = await web.member("alice")
    etf = Symbol("069500")
    web.broker.prices[etf] = Price(35_000)
    web.broker.ticks[etf] = Price(5)  # KIS aspr_unit: 5 won, where the stock table says 50

    accepted = await web.webhook(signal(member.token, symbol="069500", price="35005"))
    refused = await web.webhook(signal(member.token, symbol="069500", price="35003"))

    assert accepted.status_code == 200, accepted.text
    assert refused.status_code == 400
    assert refused.json()["field"] == "price"
    assert web.broker.place_calls == 1


async def test_webhook_listed_symbol_is_asked_about_once_a_day(web: WebClient) -> None:
    member = await web.member("alice")

    for delivery in ("d1", "d2", "d3"):
        response = await web.webhook(signal(member.token, id=delivery))
        assert response.status_code == 200

    assert web.broker.quote_calls == 1
    assert web.broker.place_calls == 3


async def test_webhook_broker_timeout_answers_408_unconfirmed(web: WebClient) -> None:
    member = await web.member("alice")
    web.broker.script(Hang())

    response = await web.webhook(signal(member.token))

    assert response.status_code == 408
    body = response.json()
    assert body["status"] == "unconfirmed"
    assert body["error"] == ko.WEBHOOK_UNCONFIRMED
    assert await web.count("failed_orders") == 0
    status = await web.scalar("SELECT status FROM orders")
    assert status == "UNCONFIRMED"


async def test_webhook_order_held_back_by_the_rate_limit_answers_400_not_sent(
    web: WebClient,
) -> None:
    member = await web.member("alice")
    not_sent = NotSentRateLimited("not sent: queue full (2 requests per second)", per_second=2)
    web.broker.script(Fail(not_sent))

    response = await web.webhook(signal(member.token, id="tv-burst-7"))

    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "refused"
    assert body["error"] == ko.REASON_NOT_SENT_RATE_LIMITED.format(per_second=2)
    assert await web.scalar("SELECT status FROM orders") == "ERROR"
    retry = f"/api/failed-orders/{body['failed_order_id']}/retry"
    again = await member.client.post(retry, headers=member.headers())  # accepted this time
    assert again.status_code == 200, again.text
    listed = await member.client.get("/api/failed-orders", params={"status": "resolved"})
    assert [o["retry_count"] for o in listed.json()["orders"]] == [1]


async def test_webhook_retry_held_back_again_uses_no_retry(web: WebClient) -> None:
    member = await web.member("alice")
    not_sent = NotSentRateLimited("not sent: queue full (2 requests per second)", per_second=2)
    web.broker.script(Fail(not_sent), Fail(not_sent), Fail(not_sent))
    response = await web.webhook(signal(member.token))
    retry = f"/api/failed-orders/{response.json()['failed_order_id']}/retry"

    for _ in range(2):
        again = await member.client.post(retry, headers=member.headers())
        assert again.status_code == 400
    placed = await member.client.post(retry, headers=member.headers())

    assert placed.status_code == 200, placed.text
    assert web.broker.place_calls == 4
    assert len(web.broker.placed) == 1
    assert await web.count("orders") == 4  # every attempt kept, each under its own key


@pytest.mark.parametrize(
    "token",
    [None, "", "whk_not-a-real-token", "x" * 300, 12345],
)
async def test_webhook_unknown_token_answers_401_without_detail(
    web: WebClient, token: object
) -> None:
    await web.member("alice")

    response = await web.webhook({**signal("placeholder"), "token": token})

    assert response.status_code == 401
    assert response.json() == {"success": False, "error": ko.WEBHOOK_BAD_TOKEN}
    assert await web.count("orders") == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"symbol": "99999"}, "symbol"),
        ({"symbol": "NASDAQ:AAPL"}, "symbol"),
        ({"symbol": None}, "symbol"),
        ({"side": "HOLD"}, "side"),
        ({"order_type": "STOP"}, "order_type"),
        ({"quantity": "-5"}, "quantity"),
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "1.5"}, "quantity"),
        ({"quantity": "1_000"}, "quantity"),
        ({"quantity": "１０"}, "quantity"),  # full-width digits
        ({"price": "٧٠٠٠٠"}, "price"),
        ({"quantity": True}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"price": None}, "price"),
        ({"price": "70001"}, "price"),
        ({"price": "abc"}, "price"),
        ({"price": "-100"}, "price"),
        ({"id": "x" * 101}, "id"),
    ],
)
async def test_webhook_bad_field_answers_400_naming_it_and_writes_nothing(
    web: WebClient, overrides: dict[str, object], field: str
) -> None:
    member = await web.member("alice")
    body = signal(member.token)
    body.update(overrides)
    body = {k: v for k, v in body.items() if v is not None}

    response = await web.webhook(body)

    assert response.status_code == 400, response.text
    assert response.json()["field"] == field
    assert field in response.json()["error"]
    if overrides[field] is None:  # the field is left out
        assert response.json()["error"] == ko.WEBHOOK_FIELD_MISSING.format(field=field)
    else:
        detail = response.json()["error"].split(": ", 1)[1]
        assert re.search("[가-힣]", detail), detail  # said in Korean,
        assert not re.search(r"\b[a-z]{3,}\b", detail), detail  # not half in English
    assert await web.count("orders") == 0
    assert await web.count("failed_orders") == 0
    assert web.broker.place_calls == 0


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json at all", b"[1, 2, 3]", b'"just a string"', b"\xff\xfe\x00", b'{"a": NaN}'],
)
async def test_webhook_body_not_a_json_object_answers_400(web: WebClient, raw: bytes) -> None:
    response = await web.webhook(raw, content_type="text/plain")

    assert response.status_code == 400
    assert response.json()["field"] == "body"


async def test_webhook_missing_field_answers_400_saying_it_is_missing(web: WebClient) -> None:
    member = await web.member("alice")
    body = signal(member.token)
    del body["quantity"]

    response = await web.webhook(body)

    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": ko.WEBHOOK_FIELD_MISSING.format(field="quantity"),
        "field": "quantity",
    }


async def test_webhook_body_over_64kb_answers_400(web: WebClient) -> None:
    member = await web.member("alice")
    body = signal(member.token, padding="x" * (64 * 1024))

    response = await web.webhook(body)

    assert response.status_code == 400
    assert response.json()["error"] == ko.WEBHOOK_TOO_LARGE
    assert await web.count("orders") == 0


async def test_webhook_market_order_ignores_price(web: WebClient) -> None:
    member = await web.member("alice")

    response = await web.webhook(signal(member.token, order_type="market", price="12345.67"))

    assert response.status_code == 200, response.text
    assert web.broker.placed[0].price is None


async def test_webhook_repeated_id_returns_first_answer_and_places_nothing(
    web: WebClient,
) -> None:
    member = await web.member("alice")
    first = await web.webhook(signal(member.token, id="tv-42"))

    second = await web.webhook(signal(member.token, id="tv-42"))

    assert second.status_code == first.status_code == 200
    assert second.json()["order_id"] == first.json()["order_id"]
    assert web.broker.place_calls == 1


async def test_webhook_20_concurrent_duplicates_make_one_order(web: WebClient) -> None:
    member = await web.member("alice")
    body = signal(member.token, id="burst-1")

    answers = await asyncio.gather(*(web.webhook(body) for _ in range(20)))

    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["order_id"] for a in answers}) == 1
    assert web.broker.place_calls == 1
    assert await web.count("orders") == 1


async def test_webhook_duplicate_racing_its_first_delivery_answers_alike(web: WebClient) -> None:
    member = await web.member("alice")
    web.broker.script(Hang())
    body = signal(member.token, id="tv-race")
    first = asyncio.create_task(web.webhook(body))
    for _ in range(1000):
        if web.broker.place_calls:
            break
        await asyncio.sleep(0.005)

    second = asyncio.create_task(web.webhook(body))
    await asyncio.sleep(0.05)
    assert not second.done()  # waits inside submit for the first delivery's answer
    web.broker.release()
    answers = [await first, await second]

    assert [a.status_code for a in answers] == [200, 200]
    assert answers[1].json() == answers[0].json()
    assert web.clock.slept == []  # woken by the first submit: nobody polled
    assert web.broker.place_calls == 1


async def test_webhook_strategy_without_accounts_answers_400(web: WebClient) -> None:
    member = await web.member("alice")
    created = await member.client.post(
        "/api/strategies", json={"name": "empty"}, headers=member.headers()
    )
    token = created.json()["strategy"]["token"]

    response = await web.webhook(signal(token))

    assert response.status_code == 400
    assert response.json()["error"] == ko.WEBHOOK_NO_ACCOUNTS


async def test_webhook_several_accounts_answer_per_account(web: WebClient) -> None:
    member = await web.member("alice")
    second = await member.client.post(
        "/api/broker-accounts",
        json={
            "name": "second",
            "environment": "PAPER",
            "app_key": "a" * 36,
            "app_secret": "b" * 180,
            "account_number": "5099999901",
            "hts_id": "hts2",
        },
        headers=member.headers(),
    )
    assert second.status_code == 201, second.text
    linked = await member.client.post(
        f"/api/strategies/{member.strategy_id}/accounts",
        json={"broker_account_id": second.json()["broker_account"]["id"]},
        headers=member.headers(),
    )
    assert linked.status_code == 201, linked.text

    response = await web.webhook(signal(member.token, id="multi"))

    assert response.status_code == 200, response.text
    orders = response.json()["orders"]
    assert len(orders) == 2
    assert all(order["success"] for order in orders)
    assert web.broker.place_calls == 2


async def test_webhook_408_order_is_settled_in_the_background(web_settling: WebClient) -> None:
    web = web_settling
    member = await web.member("alice")
    web.broker.script(Hang())
    response = await web.webhook(signal(member.token))
    assert response.status_code == 408

    for _ in range(200):
        if await web.scalar("SELECT status FROM orders") == "SENT":
            break
        await asyncio.sleep(0.02)

    assert await web.scalar("SELECT status FROM orders") == "SENT"
    assert await web.scalar("SELECT broker_order_id FROM orders") == (
        web.broker.placed[0].broker_order_id
    )
    assert await web.count("failed_orders") == 0


async def test_background_sync_recovers_a_fill_whose_notice_was_lost(
    web_settling: WebClient,
) -> None:
    web = web_settling
    member = await web.member("alice")
    response = await web.webhook(signal(member.token, quantity="10"))
    assert response.status_code == 200
    broker_id = web.broker.placed[0].broker_order_id
    web.broker.fill(broker_id, 10, notify=False)  # the notice never arrives

    await asyncio.sleep(0.2)  # a few ticks: the gap is seen, but has not lasted yet
    assert await web.scalar("SELECT status FROM orders") == "SENT"
    web.clock.advance(31)
    for _ in range(200):
        if await web.scalar("SELECT status FROM orders") == "FILLED":
            break
        await asyncio.sleep(0.02)

    assert await web.scalar("SELECT status FROM orders") == "FILLED"
    assert Decimal(str(await web.scalar("SELECT quantity FROM positions"))) == 10


async def test_webhook_tradingview_template_rendered_by_tradingview_is_accepted(
    web: WebClient,
) -> None:
    member = await web.member("alice")
    strategies = (await member.client.get("/api/strategies")).json()["strategies"]
    template = strategies[0]["message_template"]
    rendered = (
        template.replace("{{ticker}}", "005930")
        .replace("{{strategy.order.action}}", "buy")
        .replace("{{strategy.order.contracts}}", "3")
        .replace("{{close}}", "70100.0")
        .replace("{{strategy.order.id}}", "Long")
        .replace("{{timenow}}", "2026-11-20T00:30:00Z")
    )

    response = await web.webhook(rendered, content_type="text/plain")

    assert response.status_code == 200, response.text
    placed = web.broker.placed[0]
    assert (placed.side.value, int(placed.quantity), placed.price) == ("BUY", 3, 70100)


async def test_webhook_repeated_refused_delivery_returns_the_same_failed_order(
    web: WebClient,
) -> None:
    member = await web.member("alice")
    web.broker.script(Refuse())
    first = await web.webhook(signal(member.token, id="tv-refused"))

    second = await web.webhook(signal(member.token, id="tv-refused"))

    assert second.status_code == first.status_code == 400
    assert second.json()["failed_order_id"] == first.json()["failed_order_id"]
    assert await web.count("failed_orders") == 1
    assert web.broker.place_calls == 1
