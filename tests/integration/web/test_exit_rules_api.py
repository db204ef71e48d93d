"""Exit rules per strategy and per position over HTTP: owner-scoped, CSRF-checked, a bad
value a 400 in Korean naming the field with nothing stored, inheritance shown."""

from __future__ import annotations

from tests.integration.web.conftest import WebClient


async def test_strategy_rules_round_trip_and_show_what_applies(web: WebClient) -> None:
    alice = await web.member("alice")
    url = f"/api/strategies/{alice.strategy_id}/exit-rules"

    before = await alice.client.get(url)
    saved = await alice.client.put(
        url,
        json={"stop_loss_pct": "2", "trailing_pct": "4.5", "atr_enabled": True, "atr_period": 20},
        headers=alice.headers(),
    )
    after = await alice.client.get(url)

    assert before.status_code == 200, before.text
    assert before.json()["rules"] == {}
    assert before.json()["effective"]["stop_loss_pct"] == "3"  # the environment's default
    assert saved.status_code == 200, saved.text
    assert "저장" in saved.json()["message"]
    body = after.json()
    assert body["rules"] == {
        "stop_loss_pct": "2",
        "trailing_pct": "4.5",
        "atr_enabled": True,
        "atr_period": 20,
    }
    assert body["effective"]["stop_loss_pct"] == "2"
    assert body["effective"]["take_profit_pct"] == "5"  # inherited
    assert body["inherited"]["stop_loss_pct"] == "3"
    assert await web.count("strategy_exit_rules") == 1


async def test_position_rules_override_the_strategy_and_null_switches_off(
    web: WebClient,
) -> None:
    alice = await web.member("alice")
    await alice.client.put(
        f"/api/strategies/{alice.strategy_id}/exit-rules",
        json={"take_profit_pct": "8"},
        headers=alice.headers(),
    )
    url = f"/api/positions/{alice.strategy_account_id}/005930/exit-rules"

    saved = await alice.client.put(
        url, json={"stop_loss_pct": None, "pricing": "market"}, headers=alice.headers()
    )
    cleared = await alice.client.put(url, json={}, headers=alice.headers())

    assert saved.status_code == 200, saved.text
    effective = saved.json()["effective"]
    assert effective["stop_loss_pct"] is None  # off for this position
    assert effective["take_profit_pct"] == "8"  # the strategy's
    assert effective["pricing"] == "market"
    assert saved.json()["inherited"]["stop_loss_pct"] == "3"
    assert cleared.json()["rules"] == {}
    assert cleared.json()["effective"]["stop_loss_pct"] == "3"
    assert await web.count("position_exit_rules") == 0


async def test_bad_values_are_a_korean_400_naming_the_field_and_store_nothing(
    web: WebClient,
) -> None:
    alice = await web.member("alice")
    url = f"/api/strategies/{alice.strategy_id}/exit-rules"

    cases = [
        ({"stop_loss_pct": "-3"}, "stop_loss_pct", "0보다 커야"),
        ({"trailing_pct": "120"}, "trailing_pct", "100보다 작아야"),
        ({"pricing": "best"}, "pricing", "시장가"),
        ({"ticks_through": "1.5"}, "ticks_through", "정수"),
        ({"atr_period": 1}, "atr_period", "범위"),
        ({"take_profit_pct": "abc"}, "take_profit_pct", "숫자"),
        ({"colour": "red"}, "colour", "알 수 없는"),
    ]
    for body, field, words in cases:
        answer = await alice.client.put(url, json=body, headers=alice.headers())
        assert answer.status_code == 400, (body, answer.text)
        assert answer.json()["field"] == field
        assert words in answer.json()["error"], answer.json()["error"]
    not_object = await alice.client.put(url, json=[1, 2], headers=alice.headers())
    assert not_object.status_code == 422
    assert await web.count("strategy_exit_rules") == 0


async def test_other_users_strategies_and_positions_are_not_found(web: WebClient) -> None:
    alice = await web.member("alice")
    bob = await web.member("bob", strategy="beta")

    strategy = f"/api/strategies/{alice.strategy_id}/exit-rules"
    position = f"/api/positions/{alice.strategy_account_id}/005930/exit-rules"
    answers = [
        await bob.client.get(strategy),
        await bob.client.put(strategy, json={"stop_loss_pct": "1"}, headers=bob.headers()),
        await bob.client.get(position),
        await bob.client.put(position, json={"stop_loss_pct": "1"}, headers=bob.headers()),
    ]

    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    assert all(a.json()["error"] == "찾을 수 없습니다" for a in answers)
    assert await web.count("strategy_exit_rules") == 0
    assert await web.count("position_exit_rules") == 0


async def test_changes_need_the_csrf_token_and_a_valid_symbol(web: WebClient) -> None:
    alice = await web.member("alice")

    no_csrf = await alice.client.put(
        f"/api/strategies/{alice.strategy_id}/exit-rules", json={"stop_loss_pct": "1"}
    )
    bad_symbol = await alice.client.get(
        f"/api/positions/{alice.strategy_account_id}/samsung/exit-rules"
    )

    assert no_csrf.status_code == 403
    assert bad_symbol.status_code == 422
    assert await web.count("strategy_exit_rules") == 0


async def test_the_strategies_and_positions_pages_carry_the_forms(web: WebClient) -> None:
    alice = await web.member("alice")
    await web.hold(alice.strategy_account_id, 10)

    strategies = await alice.client.get("/strategies")
    positions = await alice.client.get("/positions")

    assert strategies.status_code == 200
    assert f'data-url="/api/strategies/{alice.strategy_id}/exit-rules"' in strategies.text
    assert "손절 비율(%)" in strategies.text
    assert 'class="error exit-rules-error"' in strategies.text
    assert "/static/exit_rules.js" in strategies.text
    assert positions.status_code == 200
    url = f"/api/positions/{alice.strategy_account_id}/005930/exit-rules"
    assert f'data-url="{url}"' in positions.text
    assert "/static/exit_rules.js" in positions.text
