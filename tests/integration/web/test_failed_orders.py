"""The failed-orders API: list with filters, retry (at most 5), remove (both databases)."""

from __future__ import annotations

from hantu import messages_ko as ko
from tests.inprocess_broker import Hang, Refuse
from tests.integration.web.conftest import Member, WebClient, signal


async def _refused(web: WebClient, member: Member, **overrides: str) -> int:
    web.broker.script(Refuse())
    response = await web.webhook(signal(member.token, **overrides))
    assert response.status_code == 400, response.text
    return int(response.json()["failed_order_id"])


async def test_failed_orders_list_has_the_spec_shape(web: WebClient) -> None:
    member = await web.member("alice")
    failed_id = await _refused(web, member)

    response = await member.client.get("/api/failed-orders")

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    (row,) = body["orders"]
    assert row["id"] == failed_id
    assert (row["symbol"], row["side"], row["order_type"]) == ("005930", "BUY", "LIMIT")
    assert (row["quantity"], row["price"]) == ("10", "70000")
    assert row["status"] == "pending_retry"
    assert row["retry_count"] == 0
    assert row["reason"]
    assert row["exchange_error"]


async def test_failed_orders_filter_by_symbol_and_account(web: WebClient) -> None:
    member = await web.member("alice")
    samsung = await _refused(web, member, symbol="005930")
    hynix = await _refused(web, member, symbol="000660", price="180000")

    by_symbol = await member.client.get("/api/failed-orders", params={"symbol": "KRX:000660"})
    by_account = await member.client.get(
        "/api/failed-orders", params={"strategy_account_id": member.strategy_account_id}
    )
    bad_symbol = await member.client.get("/api/failed-orders", params={"symbol": "<script>"})

    assert [o["id"] for o in by_symbol.json()["orders"]] == [hynix]
    assert {o["id"] for o in by_account.json()["orders"]} == {samsung, hynix}
    assert bad_symbol.status_code == 400


async def test_failed_order_retry_accepted_resolves_it(web: WebClient) -> None:
    member = await web.member("alice")
    failed_id = await _refused(web, member)

    response = await member.client.post(
        f"/api/failed-orders/{failed_id}/retry", headers=member.headers()
    )

    assert response.status_code == 200, response.text
    assert response.json()["success"] is True
    assert response.json()["order_id"] == web.broker.placed[-1].broker_order_id
    listed = await member.client.get("/api/failed-orders")
    assert listed.json()["orders"] == []


async def test_failed_order_retry_refused_counts_and_stops_at_five(web: WebClient) -> None:
    member = await web.member("alice")
    failed_id = await _refused(web, member)
    url = f"/api/failed-orders/{failed_id}/retry"
    for attempt in range(1, 6):
        web.broker.script(Refuse())
        response = await member.client.post(url, headers=member.headers())
        assert response.status_code == 400
        listed = (await member.client.get("/api/failed-orders")).json()["orders"]
        assert listed[0]["retry_count"] == attempt

    sixth = await member.client.post(url, headers=member.headers())

    assert sixth.status_code == 400
    assert sixth.json() == {"success": False, "error": ko.RETRY_LIMIT}
    assert web.broker.place_calls == 6


async def test_failed_order_retry_while_unconfirmed_is_refused(web: WebClient) -> None:
    member = await web.member("alice")
    failed_id = await _refused(web, member)
    url = f"/api/failed-orders/{failed_id}/retry"
    web.broker.script(Hang())
    first = await member.client.post(url, headers=member.headers())

    second = await member.client.post(url, headers=member.headers())

    assert first.status_code == 408
    assert second.status_code == 400
    assert second.json()["error"] == ko.RETRY_UNCONFIRMED
    assert web.broker.place_calls == 2


async def test_failed_order_retry_without_csrf_answers_403(web: WebClient) -> None:
    member = await web.member("alice")
    failed_id = await _refused(web, member)

    response = await member.client.post(f"/api/failed-orders/{failed_id}/retry")

    assert response.status_code == 403
    assert web.broker.place_calls == 1


async def test_failed_order_remove_hides_it_but_keeps_the_row(web: WebClient) -> None:
    member = await web.member("alice")
    failed_id = await _refused(web, member)

    response = await member.client.delete(
        f"/api/failed-orders/{failed_id}", headers=member.headers()
    )

    assert response.json() == {"success": True, "message": ko.FAILED_ORDER_REMOVED}
    assert (await member.client.get("/api/failed-orders")).json()["orders"] == []
    removed = await member.client.get("/api/failed-orders", params={"status": "removed"})
    assert [o["id"] for o in removed.json()["orders"]] == [failed_id]
    assert await web.count("failed_orders") == 1


async def test_failed_order_remove_without_csrf_answers_403(web: WebClient) -> None:
    member = await web.member("alice")
    failed_id = await _refused(web, member)

    response = await member.client.delete(f"/api/failed-orders/{failed_id}")

    assert response.status_code == 403
    assert len((await member.client.get("/api/failed-orders")).json()["orders"]) == 1


async def test_failed_order_unknown_id_answers_404(web: WebClient) -> None:
    member = await web.member("alice")

    retried = await member.client.post("/api/failed-orders/999/retry", headers=member.headers())
    removed = await member.client.delete("/api/failed-orders/999", headers=member.headers())

    assert (retried.status_code, removed.status_code) == (404, 404)
