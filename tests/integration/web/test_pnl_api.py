"""`GET /api/pnl` and `/pnl` over the real webhook flow on both databases: fills made by
the in-process broker, figures checked against hand computation, scoped to the owner."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hantu.domain.values import Price, Symbol
from hantu.errors import BrokerUnavailable
from hantu.messages_ko import pnl_page
from tests.inprocess_broker import Accept
from tests.integration.web.conftest import PASSWORD, Member, WebClient, signal

MONDAY = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # 09:30 KST; the clock starts on Friday


async def _trade(
    web: WebClient, member: Member, side: str, qty: int, price: int, **kw: Any
) -> None:
    filled = await web.scalar("SELECT COUNT(*) FROM orders WHERE status = 'FILLED'")
    web.broker.script(Accept(fill_quantity=qty, fill_price=Decimal(price)))
    body = signal(member.token, side=side, quantity=str(qty), price=str(price), **kw)
    response = await web.webhook(body)
    assert response.status_code == 200, response.text
    for _ in range(300):  # the fill notice is applied by the account's fill follower
        if await web.scalar("SELECT COUNT(*) FROM orders WHERE status = 'FILLED'") > filled:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the fill was not applied")


async def _week(web: WebClient, member: Member) -> None:
    await _trade(web, member, "BUY", 10, 70_000)
    await _trade(web, member, "BUY", 20, 71_000)  # 30 at 70,666.67
    web.clock.set(MONDAY)
    await web.login(member.client, member.username, PASSWORD)  # Friday's session has expired
    await _trade(web, member, "SELL", 15, 72_000)  # +20,000
    await _trade(web, member, "SELL", 15, 69_000)  # -25,000: the round trip closes at -5,000
    await _trade(web, member, "BUY", 10, 50_000, symbol="000660")
    web.broker.prices[Symbol("000660")] = Price(48_000)  # the current quote: -20,000


async def test_pnl_api_figures_match_hand_computation(web: WebClient) -> None:
    alice = await web.member("alice")
    await _week(web, alice)

    response = await alice.client.get("/api/pnl")

    assert response.status_code == 200, response.text
    body = response.json()
    total = body["total"]
    assert body["as_of"] == "2026-11-23"
    assert total["realized"] == "-5000.00"
    assert total["unrealized"] == "-20000.00"
    assert total["trades"] == 1
    assert total["losses"] == 1
    assert total["win_rate"] == "0.0000"
    assert total["profit_factor"] == "0.0000"
    assert total["average_loss"] == "-5000.00"
    assert total["average_win"] is None
    # Friday: 30 held at 70,666.67 marked at 71,000 → +10,000; Monday: -5,000 - 20,000.
    assert [(d["day"], d["pnl"], d["equity"]) for d in total["days"]] == [
        ("2026-11-20", "10000.00", "10000.00"),
        ("2026-11-23", "-35000.00", "-25000.00"),
    ]
    assert total["max_drawdown"] == "35000.00"
    assert body["marks"] == [
        {"symbol": "000660", "name": None, "price": "48000.00", "estimated": False}
    ]
    assert [s["id"] for s in body["strategies"]] == [alice.strategy_id]
    assert [a["id"] for a in body["accounts"]] == [alice.broker_account_id]


async def test_pnl_api_date_range_and_owned_filters(web: WebClient) -> None:
    alice = await web.member("alice")
    await _week(web, alice)

    friday = (await alice.client.get("/api/pnl", params={"end": "2026-11-20"})).json()
    monday = await alice.client.get(
        "/api/pnl",
        params={
            "start": "2026-11-23",
            "strategy": alice.strategy_id,
            "account": alice.broker_account_id,
        },
    )

    assert friday["total"]["realized"] == "0.00"
    assert friday["total"]["unrealized"] == "10000.00"  # at Friday's last fill price
    assert monday.status_code == 200
    assert monday.json()["total"]["realized"] == "-5000.00"
    assert monday.json()["total"]["max_drawdown"] == "35000.00"  # from Friday's 10,000


async def test_pnl_api_is_scoped_to_the_owner(web: WebClient) -> None:
    alice = await web.member("alice")
    bob = await web.member("bob", strategy="beta")
    await _trade(web, alice, "BUY", 1, 70_000)

    mine = (await bob.client.get("/api/pnl")).json()
    theirs = await bob.client.get("/api/pnl", params={"strategy": alice.strategy_id})
    account = await bob.client.get("/api/pnl", params={"account": alice.broker_account_id})

    assert mine["has_fills"] is False
    assert mine["total"]["days"] == []
    assert theirs.status_code == 400
    assert theirs.json()["error"] == pnl_page.UNKNOWN_STRATEGY
    assert account.status_code == 400
    assert account.json()["error"] == pnl_page.UNKNOWN_ACCOUNT


async def test_pnl_api_refuses_bad_filters_in_korean(web: WebClient) -> None:
    alice = await web.member("alice")

    bad_date = await alice.client.get("/api/pnl", params={"start": "2026-13-01"})
    reversed_range = await alice.client.get(
        "/api/pnl", params={"start": "2026-11-23", "end": "2026-11-20"}
    )
    bad_id = await alice.client.get("/api/pnl", params={"strategy": "1; drop"})
    anonymous = await web.client().get("/api/pnl")

    assert bad_date.status_code == 400
    assert "YYYY-MM-DD" in bad_date.json()["error"]
    assert reversed_range.json()["error"] == pnl_page.BAD_RANGE
    assert bad_id.status_code == 400
    assert anonymous.status_code == 401


async def test_pnl_quote_failure_values_at_last_fill_price_flagged(web: WebClient) -> None:
    alice = await web.member("alice")
    await _trade(web, alice, "BUY", 10, 50_000, symbol="000660")
    web.broker.prices[Symbol("000660")] = Price(48_000)
    web.broker.quote_error = BrokerUnavailable("quote timed out")

    body = (await alice.client.get("/api/pnl")).json()
    page = await alice.client.get("/pnl")

    assert body["total"]["unrealized"] == "0.00"
    assert body["marks"] == [
        {"symbol": "000660", "name": None, "price": "50000.00", "estimated": True}
    ]
    assert 'id="pnl-estimated"' in page.text


async def test_pnl_page_shows_figures_in_won_and_an_empty_state(web: WebClient) -> None:
    alice = await web.member("alice")
    await _week(web, alice)
    carol = await web.member("carol", strategy="gamma")

    page = await alice.client.get("/pnl")
    empty = await carol.client.get("/pnl")
    bad = await alice.client.get("/pnl", params={"end": "someday"})

    assert page.status_code == 200
    for shown in ("-5,000원", "-20,000원", "-25,000원", "35,000원", "0.0%", "0.00"):
        assert shown in page.text
    assert 'aria-current="page"' in page.text
    assert "/static/vendor/lightweight-charts.standalone.production.js" in page.text
    assert pnl_page.UI["pnl_empty"] in empty.text
    assert "lightweight-charts" not in empty.text
    assert bad.status_code == 400
    assert 'role="alert"' in bad.text
