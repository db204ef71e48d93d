"""The ATR trailing multiple and a position's fixed add-buy support price over the exit-rules
API (both databases): stored and shown, inherited where they may be, a bad value a Korean
400 naming the field with nothing stored, the support price refused on a strategy."""

from __future__ import annotations

from tests.integration.web.conftest import WebClient


async def test_the_atr_trail_is_inherited_from_the_strategy_and_overridden_per_position(
    web: WebClient,
) -> None:
    alice = await web.member("alice")
    strategy = f"/api/strategies/{alice.strategy_id}/exit-rules"
    position = f"/api/positions/{alice.strategy_account_id}/005930/exit-rules"

    before = await alice.client.get(strategy)
    set_strategy = await alice.client.put(
        strategy, json={"atr_enabled": True, "atr_trail_k": "2.5"}, headers=alice.headers()
    )
    inherited = await alice.client.get(position)
    switched_off = await alice.client.put(
        position, json={"atr_trail_k": None}, headers=alice.headers()
    )

    assert before.json()["effective"]["atr_trail_k"] is None  # the environment: off
    assert set_strategy.status_code == 200, set_strategy.text
    assert set_strategy.json()["rules"] == {"atr_enabled": True, "atr_trail_k": "2.5"}
    assert inherited.json()["effective"]["atr_trail_k"] == "2.5"
    assert inherited.json()["inherited"]["atr_trail_k"] == "2.5"
    assert switched_off.status_code == 200, switched_off.text
    assert switched_off.json()["effective"]["atr_trail_k"] is None
    assert switched_off.json()["effective"]["atr_enabled"] is True  # still the strategy's


async def test_a_position_support_price_is_saved_shown_and_cleared(web: WebClient) -> None:
    alice = await web.member("alice")
    url = f"/api/positions/{alice.strategy_account_id}/005930/exit-rules"

    saved = await alice.client.put(
        url, json={"support_price": "70600", "atr_trail_k": "3"}, headers=alice.headers()
    )
    read = await alice.client.get(url)
    stored = await web.scalar("SELECT rules FROM position_exit_rules")
    cleared = await alice.client.put(url, json={"support_price": ""}, headers=alice.headers())

    assert saved.status_code == 200, saved.text
    assert read.json()["rules"] == {"support_price": "70600", "atr_trail_k": "3"}
    assert read.json()["effective"]["support_price"] == "70600"
    assert read.json()["inherited"]["support_price"] is None  # a strategy never has one
    assert "70600" in str(stored)
    assert cleared.json()["effective"]["support_price"] is None
    assert await web.count("position_exit_rules") == 1  # {"support_price": null} is kept


async def test_bad_extras_are_a_korean_400_naming_the_field_and_store_nothing(
    web: WebClient,
) -> None:
    alice = await web.member("alice")
    strategy = f"/api/strategies/{alice.strategy_id}/exit-rules"
    position = f"/api/positions/{alice.strategy_account_id}/005930/exit-rules"

    cases = [
        (position, {"atr_trail_k": "-1"}, "atr_trail_k", "ATR 트레일링 배수", "0보다 커야"),
        (position, {"atr_trail_k": "25"}, "atr_trail_k", "ATR 트레일링 배수", "범위"),
        (position, {"support_price": "-70000"}, "support_price", "고정 지지선(원)", "0보다"),
        (position, {"support_price": "70050"}, "support_price", "고정 지지선(원)", "호가 단위"),
        (position, {"support_price": "칠만"}, "support_price", "고정 지지선(원)", "숫자"),
        (position, {"stop_loss_pct": "2", "support_price": 0}, "support_price", "지지선", "0보다"),
        (strategy, {"support_price": "70000"}, "support_price", "고정 지지선(원)", "포지션마다"),
    ]
    for url, body, field, label, words in cases:
        answer = await alice.client.put(url, json=body, headers=alice.headers())
        assert answer.status_code == 400, (body, answer.text)
        assert answer.json()["field"] == field
        assert label in answer.json()["error"], answer.json()["error"]
        assert words in answer.json()["error"], answer.json()["error"]
    assert await web.count("strategy_exit_rules") == 0
    assert await web.count("position_exit_rules") == 0


async def test_another_users_position_support_is_not_found_and_not_stored(
    web: WebClient,
) -> None:
    alice = await web.member("alice")
    bob = await web.member("bob", strategy="beta")
    url = f"/api/positions/{alice.strategy_account_id}/005930/exit-rules"

    answer = await bob.client.put(url, json={"support_price": "70000"}, headers=bob.headers())

    assert answer.status_code == 404
    assert await web.count("position_exit_rules") == 0


async def test_the_positions_form_has_the_support_price_and_the_strategies_form_not(
    web: WebClient,
) -> None:
    alice = await web.member("alice")
    await web.hold(alice.strategy_account_id, 10)

    strategies = await alice.client.get("/strategies")
    positions = await alice.client.get("/positions")

    assert 'name="atr_trail_k"' in strategies.text
    assert 'name="support_price"' not in strategies.text
    assert 'name="atr_trail_k"' in positions.text
    assert 'name="support_price"' in positions.text
    assert "고정 지지선(원)" in positions.text
