"""ALERT mode over HTTP: the switch on the strategy, and the webhook that only stores a signal."""

from __future__ import annotations

from tests.integration.web.conftest import WebClient, signal


async def test_alert_mode_webhook_answers_pending_and_a_repeat_is_the_same_alert(
    web: WebClient,
) -> None:
    member = await web.member("alice")
    switched = await member.client.patch(
        f"/api/strategies/{member.strategy_id}",
        json={"mode": "ALERT", "alert_expiry_minutes": 3, "alert_tolerance_pct": "2.5"},
        headers=member.headers(),
    )
    body = signal(member.token, id="tv-1")

    first = await web.webhook(body)
    again = await web.webhook(body)

    assert switched.status_code == 200, switched.text
    assert switched.json()["mode"] == "ALERT"
    assert switched.json()["alert_expiry_minutes"] == 3
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "pending_approval"
    assert first.json()["success"] is True
    assert again.json()["alert_id"] == first.json()["alert_id"]
    assert await web.count("alerts") == 1
    assert await web.count("orders") == 0
    assert "token" not in str(await web.scalar("SELECT signal FROM alerts"))


async def test_mode_switch_refuses_an_unknown_mode_and_another_users_strategy(
    web: WebClient,
) -> None:
    alice = await web.member("alice")
    bob = await web.member("bob", strategy="beta")

    unknown = await alice.client.patch(
        f"/api/strategies/{alice.strategy_id}", json={"mode": "SOMETIMES"}, headers=alice.headers()
    )
    foreign = await bob.client.patch(
        f"/api/strategies/{alice.strategy_id}", json={"mode": "ALERT"}, headers=bob.headers()
    )

    assert unknown.status_code == 422
    assert foreign.status_code == 404
    assert await web.scalar("SELECT mode FROM strategies WHERE id = :i", i=alice.strategy_id) == (
        "AUTO"
    )


async def test_auto_mode_still_orders_at_once(web: WebClient) -> None:
    member = await web.member("alice")

    answer = await web.webhook(signal(member.token, id="tv-2"))

    assert answer.status_code == 200, answer.text
    assert "alert_id" not in answer.json()
    assert await web.count("orders") == 1
    assert await web.count("alerts") == 0


async def test_strategies_page_shows_the_mode_select(web: WebClient) -> None:
    member = await web.member("alice")
    await member.client.patch(
        f"/api/strategies/{member.strategy_id}", json={"mode": "ALERT"}, headers=member.headers()
    )

    page = await member.client.get("/strategies")

    assert page.status_code == 200
    assert 'class="mode-select"' in page.text
    assert '<option value="ALERT" selected>' in page.text
