"""Failed orders in bulk, by date, as CSV and as statistics (both databases)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime

from hantu.domain.enums import OrderType, Side
from hantu.domain.failed_order import FailedOrder
from hantu.domain.values import Price, Quantity, StrategyAccountId, Symbol
from hantu.messages_ko import failed_page as fko
from hantu.service_layer.failed_orders import save_failed_order
from tests.inprocess_broker import Hang, Refuse
from tests.integration.web.conftest import Member, WebClient, signal


async def _refused(
    web: WebClient, member: Member, message: str = "잔고 부족", **fields: str
) -> int:
    web.broker.script(Refuse(message=message))
    response = await web.webhook(signal(member.token, **fields))
    assert response.status_code == 400, response.text
    return int(response.json()["failed_order_id"])


async def _saved_at(web: WebClient, member: Member, when: datetime, symbol: str = "005930") -> int:
    failed = FailedOrder.record(
        strategy_account_id=StrategyAccountId(member.strategy_account_id),
        symbol=Symbol(symbol),
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=Quantity(1),
        price=Price(70_000),
        reason="잔고 부족",
        broker_error=None,
        order_params={},
        now=when,
    )
    return await save_failed_order(web.app.state.runtime.app.deps, failed)


async def _retry_refused(web: WebClient, member: Member, failed_id: int, times: int) -> None:
    for _ in range(times):
        web.broker.script(Refuse())
        url = f"/api/failed-orders/{failed_id}/retry"
        assert (await member.client.post(url, headers=member.headers())).status_code == 400


async def test_bulk_retry_mixed_ids_answers_one_result_each(web: WebClient) -> None:
    alice = await web.member("alice")
    bob = await web.member("bob", strategy="beta")
    fine = await _refused(web, alice)
    spent = await _refused(web, alice, symbol="000660", price="180000")
    await _retry_refused(web, alice, spent, 5)
    others = await _refused(web, bob)
    calls = web.broker.place_calls

    response = await alice.client.post(
        "/api/failed-orders/retry",
        json={"ids": [fine, spent, others, fine]},
        headers=alice.headers(),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    results = {r["id"]: r for r in body["results"]}
    assert [r["id"] for r in body["results"]] == [fine, spent, others]  # duplicate dropped
    assert results[fine]["success"] is True
    assert results[fine]["status"] == "accepted"
    assert results[fine]["order_id"] == web.broker.placed[-1].broker_order_id
    assert results[spent]["status"] == "not_allowed"
    assert results[spent]["message"] == "최대 재시도 횟수(5회)를 초과했습니다"
    assert results[others] == {
        "id": others,
        "success": False,
        "status": "not_found",
        "message": fko.BULK_NOT_FOUND,
        "symbol": None,
        "symbol_label": None,
        "order_id": None,
    }
    assert (body["succeeded"], body["failed"]) == (1, 2)
    assert web.broker.place_calls == calls + 1
    bobs = (await bob.client.get("/api/failed-orders")).json()["orders"]
    assert [(o["id"], o["retry_count"]) for o in bobs] == [(others, 0)]


async def test_bulk_retry_refused_counts_each_attempt(web: WebClient) -> None:
    member = await web.member("alice")
    first = await _refused(web, member)
    second = await _refused(web, member)
    web.broker.script(Refuse(message="호가 오류"), Refuse(message="호가 오류"))

    response = await member.client.post(
        "/api/failed-orders/retry", json={"ids": [first, second]}, headers=member.headers()
    )

    assert [r["status"] for r in response.json()["results"]] == ["refused", "refused"]
    assert all("호가 오류" in r["message"] for r in response.json()["results"])
    listed = (await member.client.get("/api/failed-orders")).json()["orders"]
    assert {o["id"]: o["retry_count"] for o in listed} == {first: 1, second: 1}


async def test_bulk_remove_hides_owned_ones_only(web: WebClient) -> None:
    alice = await web.member("alice")
    bob = await web.member("bob", strategy="beta")
    one = await _refused(web, alice)
    two = await _refused(web, alice)
    others = await _refused(web, bob)

    response = await alice.client.post(
        "/api/failed-orders/remove", json={"ids": [one, two, others]}, headers=alice.headers()
    )

    assert [r["status"] for r in response.json()["results"]] == ["removed", "removed", "not_found"]
    assert (await alice.client.get("/api/failed-orders")).json()["orders"] == []
    removed = await alice.client.get("/api/failed-orders", params={"status": "removed"})
    assert {o["id"] for o in removed.json()["orders"]} == {one, two}
    assert len((await bob.client.get("/api/failed-orders")).json()["orders"]) == 1
    assert await web.count("failed_orders") == 3


async def test_bulk_actions_need_csrf_and_a_bounded_list(web: WebClient) -> None:
    member = await web.member("alice")
    failed_id = await _refused(web, member)
    url = "/api/failed-orders/retry"

    no_csrf = await member.client.post(url, json={"ids": [failed_id]})
    empty = await member.client.post(url, json={"ids": []}, headers=member.headers())
    too_many = await member.client.post(
        url, json={"ids": list(range(1, 102))}, headers=member.headers()
    )
    not_ids = await member.client.post(url, json={"ids": ["x"]}, headers=member.headers())

    assert no_csrf.status_code == 403
    for refused in (empty, too_many, not_ids):
        assert refused.status_code == 422
        assert refused.json()["success"] is False
        assert "ids" in refused.json()["error"]
    assert web.broker.place_calls == 1


async def test_bulk_retry_same_id_twice_at_once_places_one_order(web: WebClient) -> None:
    member = await web.member("alice")
    failed_id = await _refused(web, member)
    web.broker.script(Hang())  # the first attempt is still at the broker when the second comes

    async def retry() -> dict[str, object]:
        response = await member.client.post(
            "/api/failed-orders/retry", json={"ids": [failed_id]}, headers=member.headers()
        )
        result: dict[str, object] = response.json()["results"][0]
        return result

    first, second = await asyncio.gather(retry(), retry())

    assert web.broker.place_calls == 2  # the webhook's, and one retry
    # The later one is refused (a retry is in flight) or, having raced it to the same attempt
    # key, answered as that attempt was: never sent again.
    assert {str(first["status"]), str(second["status"])} <= {"not_allowed", "unconfirmed"}
    assert "unconfirmed" in {first["status"], second["status"]}


async def test_bulk_retry_same_id_concurrently_accepted_places_one_order(web: WebClient) -> None:
    member = await web.member("alice")
    failed_id = await _refused(web, member)
    body = {"ids": [failed_id]}

    responses = await asyncio.gather(
        *(
            member.client.post("/api/failed-orders/retry", json=body, headers=member.headers())
            for _ in range(3)
        )
    )

    results = [r.json()["results"][0] for r in responses]
    assert len(web.broker.placed) == 1
    assert web.broker.place_calls == 2  # the webhook's, and one retry
    accepted = {r["order_id"] for r in results if r["status"] == "accepted"}
    assert accepted == {web.broker.placed[0].broker_order_id}  # a racer shares the one order
    assert {r["status"] for r in results} <= {"accepted", "not_allowed"}


async def test_failed_orders_date_range_uses_seoul_days(web: WebClient) -> None:
    member = await web.member("alice")
    late = await _saved_at(web, member, datetime(2026, 11, 20, 14, 59, 59, tzinfo=UTC))  # 23:59 KST
    next_day = await _saved_at(web, member, datetime(2026, 11, 20, 15, 0, tzinfo=UTC))  # 00:00 KST

    on_20th = await member.client.get(
        "/api/failed-orders", params={"date_from": "2026-11-20", "date_to": "2026-11-20"}
    )
    from_21st = await member.client.get("/api/failed-orders", params={"date_from": "2026-11-21"})
    until_20th = await member.client.get("/api/failed-orders", params={"date_to": "2026-11-20"})
    reversed_range = await member.client.get(
        "/api/failed-orders", params={"date_from": "2026-11-21", "date_to": "2026-11-20"}
    )
    not_a_date = await member.client.get("/api/failed-orders", params={"date_from": "11/20"})

    assert [o["id"] for o in on_20th.json()["orders"]] == [late]
    assert [o["id"] for o in from_21st.json()["orders"]] == [next_day]
    assert [o["id"] for o in until_20th.json()["orders"]] == [late]
    assert reversed_range.status_code == 400
    assert reversed_range.json()["error"] == fko.DATE_RANGE_REVERSED.format(
        date_from="2026-11-21", date_to="2026-11-20"
    )
    assert not_a_date.status_code == 422
    assert not_a_date.json()["success"] is False


async def test_failed_orders_csv_has_bom_korean_headers_and_masked_errors(web: WebClient) -> None:
    member = await web.member("alice")
    secret = "appkey=PSabcdefghijklmnopqrstuvwxyz0123"
    await _refused(web, member, message=f"거부됨 {secret}")
    await _refused(web, member, message='=HYPERLINK("http://x")', symbol="000660", price="180000")
    listed = (await member.client.get("/api/failed-orders")).json()["orders"]
    stored = {o["symbol"]: o["exchange_error"] for o in listed}

    response = await member.client.get("/api/failed-orders.csv", params={"symbol": "005930"})
    everything = await member.client.get("/api/failed-orders.csv")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == fko.CSV_HEADERS
    (row,) = rows[1:]
    assert row[3:8] == ["005930", "매수", "지정가", "10주", "70,000원"]
    assert row[9] == stored["005930"]
    assert "PSabcdefghijklmnop" not in response.text
    assert row[11] == "재시도 대기"
    all_rows = list(csv.reader(io.StringIO(everything.content.decode("utf-8-sig"))))[1:]
    hynix = next(r for r in all_rows if r[3] == "000660")
    assert hynix[8].startswith("'=")  # the reason: Excel shows it, never runs it


async def test_failed_orders_stats_by_symbol_and_reason(web: WebClient) -> None:
    alice = await web.member("alice")
    bob = await web.member("bob", strategy="beta")
    fixed = await _refused(web, alice, message="잔고 부족")
    await _refused(web, alice, message="잔고 부족")
    hynix = await _refused(web, alice, message="호가 오류", symbol="000660", price="180000")
    await _refused(web, bob, message="잔고 부족")
    ok = await alice.client.post(f"/api/failed-orders/{fixed}/retry", headers=alice.headers())
    assert ok.status_code == 200
    web.broker.script(Refuse(message="호가 오류"))
    await alice.client.post(f"/api/failed-orders/{hynix}/retry", headers=alice.headers())

    stats = (await alice.client.get("/api/failed-orders/stats")).json()

    assert stats["total"]["count"] == 3
    assert (stats["total"]["retried"], stats["total"]["resolved"]) == (2, 1)
    assert stats["total"]["success_rate"] == "0.5"
    assert stats["total"]["success_rate_text"] == "50.0%"
    by_symbol = {s["key"]: s for s in stats["by_symbol"]}
    assert [s["key"] for s in stats["by_symbol"]] == ["005930", "000660"]  # most first
    assert (by_symbol["005930"]["count"], by_symbol["005930"]["success_rate_text"]) == (2, "100.0%")
    assert (by_symbol["000660"]["count"], by_symbol["000660"]["success_rate_text"]) == (1, "0.0%")
    by_reason = {r["key"]: r["count"] for r in stats["by_reason"]}
    assert by_reason == {"잔고 부족": 2, "호가 오류": 1}
    pending_only = await alice.client.get(
        "/api/failed-orders/stats", params={"date_from": "2026-11-20"}
    )
    assert pending_only.json()["total"]["count"] == 3
    nothing = await alice.client.get("/api/failed-orders/stats", params={"date_to": "2026-11-19"})
    assert nothing.json()["total"] == {
        "key": "",
        "label": "",
        "count": 0,
        "retried": 0,
        "resolved": 0,
        "success_rate": None,
        "success_rate_text": "-",
    }


async def test_failed_orders_page_has_the_table_bulk_bar_and_stats(web: WebClient) -> None:
    member = await web.member("alice")

    page = await member.client.get("/failed-orders")
    positions = await member.client.get("/positions")

    assert page.status_code == 200
    for marker in (
        'id="failed-orders-tbody"',
        'id="filter-symbol"',
        'id="filter-from"',
        'id="select-all"',
        'id="bulk-retry"',
        'id="failed-orders-stats"',
        "/static/failed_orders.js",
        'href="/failed-orders"',
    ):
        assert marker in page.text
    assert 'id="failed-orders-tbody"' not in positions.text
    assert "/static/failed_orders.js" not in positions.text
