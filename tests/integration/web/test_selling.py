"""Sells above the position through the webhook, the strategy's adoption switch, and the
positions page's "확인 필요" section (both databases)."""

from __future__ import annotations

import json
from decimal import Decimal

from hantu import messages_ko as ko
from hantu.domain.enums import OrderType, Side
from hantu.domain.values import BrokerOrderId, FillId, Price, Quantity, StrategyAccountId, Symbol
from hantu.service_layer.fills import process_fill
from hantu.service_layer.orders import SubmitOutcome, submit
from hantu.service_layer.ports import BrokerOrder
from tests.builders import a_fill_notice, an_order_request
from tests.integration.web.conftest import Member, WebClient, signal

SAMSUNG = Symbol("005930")


async def _broker_holds_outside_hantu(web: WebClient, quantity: int, price: int) -> None:
    """Shares bought at the broker (say in the HTS) that hantu never saw."""
    order = BrokerOrder(SAMSUNG, Side.BUY, OrderType.LIMIT, Quantity(quantity), Price(price))
    web.broker.fill(await web.broker.place_order(order), quantity, notify=False)


async def _adopt_on(web: WebClient, member: Member, on: bool = True) -> dict[str, object]:
    response = await member.client.post(
        f"/api/strategies/{member.strategy_id}/settings",
        json={"adopt_broker_holdings": on},
        headers=member.headers(),
    )
    assert response.status_code == 200, response.text
    return dict(response.json()["strategy"])


async def _adopting(web: WebClient, broker_quantity: int) -> Member:
    """Alice, adopting, holding 1 share at 70,000 in hantu; the broker holds `broker_quantity`
    bought at 65,000 outside it."""
    member = await web.member("alice")
    await _adopt_on(web, member)
    await web.hold(member.strategy_account_id, 1)
    await _broker_holds_outside_hantu(web, broker_quantity, 65_000)
    return member


async def _adoptions(web: WebClient) -> int:
    return int(await web.scalar("SELECT count(*) FROM events WHERE name = 'HoldingAdopted'"))


async def _position(web: WebClient, member: Member) -> tuple[Decimal, Decimal, Decimal]:
    async with web.app.state.runtime.app.uow(read_only=True) as uow:
        position = await uow.positions.get(StrategyAccountId(member.strategy_account_id), SAMSUNG)
    assert position is not None
    return position.quantity, position.average_price, position.realized_pnl


async def test_webhook_sell_above_the_position_answers_400_naming_held_and_asked(
    web: WebClient,
) -> None:
    member = await web.member("alice")
    await web.hold(member.strategy_account_id, 1)
    await _broker_holds_outside_hantu(web, 100, 70_000)
    calls = web.broker.place_calls

    response = await web.webhook(signal(member.token, side="SELL", quantity="5"))

    assert response.status_code == 400, response.text
    assert response.json()["status"] == "rejected"
    assert "보유 1주" in response.json()["error"]
    assert "매도 요청 5주" in response.json()["error"]
    assert web.broker.place_calls == calls  # nothing reached the broker


async def test_strategy_adoption_switch_is_off_by_default_saved_and_owner_scoped(
    web: WebClient,
) -> None:
    alice = await web.member("alice")
    bob = await web.member("bob")
    created = await alice.client.post(
        "/api/strategies",
        json={"name": "beta", "adopt_broker_holdings": True},
        headers=alice.headers(),
    )

    listed = (await alice.client.get("/api/strategies")).json()["strategies"]
    switched = await _adopt_on(web, alice)
    foreign = await bob.client.post(
        f"/api/strategies/{alice.strategy_id}/settings",
        json={"adopt_broker_holdings": False},
        headers=bob.headers(),
    )
    bad = await alice.client.post(
        f"/api/strategies/{alice.strategy_id}/settings",
        json={"adopt_broker_holdings": "maybe"},
        headers=alice.headers(),
    )
    page = await alice.client.get("/strategies")

    assert created.status_code == 201
    assert [(s["name"], s["adopt_broker_holdings"]) for s in listed] == [
        ("alpha", False),
        ("beta", True),
    ]
    assert switched["adopt_broker_holdings"] is True
    assert foreign.status_code == 404
    assert bad.status_code == 422
    assert "adopt_broker_holdings" in bad.json()["error"]
    assert await web.scalar("SELECT count(*) FROM strategies WHERE adopt_broker_holdings") == 2
    assert "hantu가 사지 않은 보유 주식도 매도 허용" in page.text
    assert page.text.count('class="adopt-toggle"') == 2


async def test_webhook_sell_with_adoption_adopts_the_shortfall_at_the_broker_average(
    web: WebClient,
) -> None:
    member = await _adopting(web, 100)

    response = await web.webhook(signal(member.token, side="SELL", quantity="5", id="s5"))
    repeat = await web.webhook(signal(member.token, side="SELL", quantity="5", id="s5"))

    assert response.status_code == 200, response.text
    assert repeat.status_code == 200
    assert await _position(web, member) == (Decimal(5), Decimal(66_000), Decimal(0))
    payload = await web.scalar("SELECT payload FROM events WHERE name = 'HoldingAdopted'")
    adopted = json.loads(payload) if isinstance(payload, str) else payload
    assert (adopted["quantity"], adopted["average_price"]) == ("4", "65000")
    assert await _adoptions(web) == 1  # the repeated delivery adopts nothing more
    broker_id = BrokerOrderId(response.json()["order_id"])
    deps = web.app.state.runtime.app.deps
    account = await deps.brokers.account_of(member.strategy_account_id)
    fill = web.broker.fill(broker_id, 5, Decimal(70_000), notify=False)
    await process_fill(deps, fill, account)
    assert await _position(web, member) == (Decimal(0), Decimal(0), Decimal(20_000))


async def test_webhook_sell_with_adoption_but_too_little_at_the_broker_adopts_nothing(
    web: WebClient,
) -> None:
    member = await _adopting(web, 3)  # 2 beyond hantu's 1; the sell needs 4

    response = await web.webhook(signal(member.token, side="SELL", quantity="5"))

    assert response.status_code == 400, response.text
    assert "보유 1주" in response.json()["error"]
    assert await _position(web, member) == (Decimal(1), Decimal(70_000), Decimal(0))
    assert await _adoptions(web) == 0


async def test_positions_page_shows_a_fill_that_could_not_apply_under_check_needed(
    web: WebClient,
) -> None:
    alice = await web.member("alice")
    bob = await web.member("bob")
    calm = await alice.client.get("/positions")
    response = await web.webhook(signal(alice.token, quantity="2"))
    broker_id = BrokerOrderId(response.json()["order_id"])
    deps = web.app.state.runtime.app.deps
    account = await deps.brokers.account_of(alice.strategy_account_id)
    await process_fill(deps, web.broker.fill(broker_id, 2, notify=False), account)
    extra = a_fill_notice(broker_order_id=broker_id, fill_id=FillId("extra-1"))
    await process_fill(deps, extra, account)

    page = await alice.client.get("/positions")
    other = await bob.client.get("/positions")

    assert 'id="fills-to-check"' not in calm.text
    assert 'id="fills-to-check"' in page.text
    assert "확인 필요" in page.text
    assert "주문 수량을 넘는 체결입니다: 주문 2주 중 2주 체결 후 1주 체결" in page.text
    assert 'data-fill-id="extra-1"' in page.text
    assert 'id="fills-to-check"' not in other.text


async def test_webhook_sell_with_adoption_leaves_shares_other_strategies_hold_alone(
    web: WebClient,
) -> None:
    member = await web.member("alice")
    await _adopt_on(web, member)
    created = await member.client.post(
        "/api/strategies", json={"name": "beta"}, headers=member.headers()
    )
    beta = created.json()["strategy"]["id"]
    linked = await member.client.post(
        f"/api/strategies/{beta}/accounts",
        json={"broker_account_id": member.broker_account_id},
        headers=member.headers(),
    )
    await web.hold(linked.json()["strategy_account_id"], 98)  # beta's, on the same account
    await _broker_holds_outside_hantu(web, 100, 65_000)  # only 2 are nobody's in hantu

    refused = await web.webhook(signal(member.token, side="SELL", quantity="3", id="s3"))
    taken = await web.webhook(signal(member.token, side="SELL", quantity="2", id="s2"))

    assert refused.status_code == 400, refused.text
    assert taken.status_code == 200, taken.text
    assert await _position(web, member) == (Decimal(2), Decimal(65_000), Decimal(0))
    assert await _adoptions(web) == 1


async def test_sell_of_a_deactivated_broker_account_is_refused_before_sending_adopting_nothing(
    web: WebClient,
) -> None:
    # An exit or an approved alert reaches the pipeline without the webhook's admission.
    member = await _adopting(web, 100)
    path = f"/api/broker-accounts/{member.broker_account_id}/deactivate"
    assert (await member.client.post(path, headers=member.headers())).status_code == 200
    calls = web.broker.place_calls
    sell = an_order_request(
        idempotency_key="exit-1",
        strategy_account_id=StrategyAccountId(member.strategy_account_id),
        symbol=SAMSUNG,
        side=Side.SELL,
        quantity=Quantity(5),
    )

    result = await submit(web.app.state.runtime.app.deps, sell)

    assert result.outcome is SubmitOutcome.REJECTED
    assert result.error == ko.settings_page.REASON_ACCOUNT_INACTIVE
    assert web.broker.place_calls == calls
    assert await _adoptions(web) == 0
    assert await _position(web, member) == (Decimal(1), Decimal(70_000), Decimal(0))
