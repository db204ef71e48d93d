"""The alerts API: list, read, approve once, reject, ownership and CSRF, on both databases."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.integration.web.conftest import Member, WebClient, signal


async def _alert_of(web: WebClient, member: Member, delivery: str) -> str:
    switched = await member.client.patch(
        f"/api/strategies/{member.strategy_id}", json={"mode": "ALERT"}, headers=member.headers()
    )
    assert switched.status_code == 200, switched.text
    answer = await web.webhook(signal(member.token, id=delivery))
    assert answer.status_code == 200, answer.text
    alert_id: str = answer.json()["alert_id"]
    return alert_id


async def test_pending_alert_is_listed_and_read_by_its_owner_only(web: WebClient) -> None:
    alice = await web.member("alice")
    bob = await web.member("bob", strategy="beta")
    alert_id = await _alert_of(web, alice, "tv-a1")

    pending = await alice.client.get("/api/alerts?status=pending")
    one = await alice.client.get(f"/api/alerts/{alert_id}")
    foreign = await bob.client.get(f"/api/alerts/{alert_id}")
    bobs: list[Any] = (await bob.client.get("/api/alerts")).json()["alerts"]
    bad = await alice.client.get("/api/alerts?status=sometimes")

    assert [a["id"] for a in pending.json()["alerts"]] == [alert_id]
    assert one.json()["alert"]["status"] == "PENDING"
    assert foreign.status_code == 404
    assert bobs == []
    assert bad.status_code == 400


async def test_approve_places_one_order_and_a_second_press_is_already_handled(
    web: WebClient,
) -> None:
    alice = await web.member("alice")
    alert_id = await _alert_of(web, alice, "tv-a2")

    first = await alice.client.post(f"/api/alerts/{alert_id}/approve", headers=alice.headers())
    again = await alice.client.post(f"/api/alerts/{alert_id}/approve", headers=alice.headers())
    decided = (await alice.client.get("/api/alerts?status=decided")).json()["alerts"]

    assert first.status_code == 200, first.text
    assert first.json()["order_id"]
    assert again.status_code == 409
    assert await web.count("orders") == 1
    assert decided[0]["decided_via"] == "web"
    assert decided[0]["order_id"] == first.json()["order_id"]


async def test_reject_and_foreign_approve_and_missing_csrf(web: WebClient) -> None:
    alice = await web.member("alice")
    bob = await web.member("bob", strategy="beta")
    alert_id = await _alert_of(web, alice, "tv-a3")

    no_csrf = await alice.client.post(f"/api/alerts/{alert_id}/approve")
    foreign = await bob.client.post(f"/api/alerts/{alert_id}/approve", headers=bob.headers())
    rejected = await alice.client.post(f"/api/alerts/{alert_id}/reject", headers=alice.headers())
    after = await alice.client.post(f"/api/alerts/{alert_id}/approve", headers=alice.headers())

    assert no_csrf.status_code == 403
    assert foreign.status_code == 404
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["alert"]["status"] == "REJECTED"
    assert after.status_code == 409
    assert await web.count("orders") == 0


async def test_a_bad_confirmed_price_is_400_and_changes_nothing(web: WebClient) -> None:
    alice = await web.member("alice")
    alert_id = await _alert_of(web, alice, "tv-a4")

    bad = await alice.client.post(
        f"/api/alerts/{alert_id}/approve",
        json={"confirmed_price": "abc"},
        headers=alice.headers(),
    )

    assert bad.status_code == 400
    assert bad.json()["field"] == "confirmed_price"
    assert await web.scalar("SELECT status FROM alerts") == "PENDING"


async def test_the_page_lists_a_pending_alert_and_a_form_approve_records_the_order(
    web: WebClient,
) -> None:
    alice = await web.member("alice")
    alert_id = await _alert_of(web, alice, "tv-a5")
    page = await alice.client.get("/alerts")
    token = await web.csrf_of(alice.client, "/alerts")

    approved = await alice.client.post(f"/alerts/{alert_id}/approve", data={"csrf_token": token})
    forged = await alice.client.post(f"/alerts/{alert_id}/reject", data={"csrf_token": "x"})

    assert page.status_code == 200
    assert f'action="/alerts/{alert_id}/approve"' in page.text
    assert approved.status_code == 200, approved.text
    assert 'role="status"' in approved.text
    assert "/orders?symbol=005930" in approved.text  # the decided row links its order
    assert forged.status_code == 403
    assert await web.count("orders") == 1


async def test_concurrent_web_approvals_place_exactly_one_order_per_alert(web: WebClient) -> None:
    alice = await web.member("alice")
    ids = [await _alert_of(web, alice, f"tv-c{n}") for n in range(10)]

    async def press(alert_id: str) -> int:
        answer = await alice.client.post(f"/api/alerts/{alert_id}/approve", headers=alice.headers())
        return answer.status_code

    codes = await asyncio.gather(*(press(a) for a in ids for _ in range(10)))

    assert codes.count(200) == 10
    assert set(codes) <= {200, 409}
    assert await web.count("orders") == 10
