"""The trader's view: `/positions`, `GET /api/positions` and `GET /api/balance` (both
databases), against the in-process broker scripted with holdings hantu did not buy."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from hantu.adapters.db.symbol_names_store import SqlNameStore
from hantu.domain.values import BrokerOrderId, Price, Quantity, Symbol
from hantu.errors import BrokerUnavailable
from hantu.service_layer.fills import process_fill
from hantu.service_layer.ports import Holding
from tests.integration.web.conftest import Member, WebClient, signal

SAMSUNG, HYNIX, NAVER = Symbol("005930"), Symbol("000660"), Symbol("035420")


async def _bought(web: WebClient, member: Member, quantity: int, price: str, n: int = 0) -> None:
    """Buy through the webhook and fill it at the broker, as a fill notice would."""
    deps = web.app.state.runtime.app.deps
    account = await deps.brokers.account_of(member.strategy_account_id)
    response = await web.webhook(signal(member.token, quantity=str(quantity), price=price, id=n))
    assert response.status_code == 200, response.text
    broker_id = BrokerOrderId(response.json()["order_id"])
    await process_fill(deps, web.broker.fill(broker_id, quantity, notify=False), account)


async def _sold(web: WebClient, member: Member, quantity: int, price: str, n: int) -> None:
    deps = web.app.state.runtime.app.deps
    account = await deps.brokers.account_of(member.strategy_account_id)
    body = signal(member.token, side="SELL", quantity=str(quantity), price=price, id=n)
    response = await web.webhook(body)
    assert response.status_code == 200, response.text
    broker_id = BrokerOrderId(response.json()["order_id"])
    await process_fill(deps, web.broker.fill(broker_id, quantity, notify=False), account)


async def _get(member: Member, path: str) -> dict[str, Any]:
    response = await member.client.get(path)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is True
    return body


def _only(body: dict[str, Any]) -> dict[str, Any]:
    [account] = body["accounts"]
    return account


async def test_positions_api_values_a_position_at_the_quote(web: WebClient) -> None:
    member = await web.member("alice")
    await web.hold(member.strategy_account_id, 10)  # 10 shares at 70,000 (the broker: none)
    web.broker.prices[SAMSUNG] = Price(77_000)

    account = _only(await _get(member, "/api/positions"))

    assert account["environment"] == "SIMULATOR"
    assert account["environment_label"] == "시뮬레이터"
    assert account["broker_status"] == "ok"
    [strategy] = account["strategy_accounts"]
    [position] = strategy["positions"]
    assert position["symbol"] == "005930"
    assert position["price_source"] == "quote"  # the broker's balance does not list it
    assert Decimal(position["quantity"]) == 10
    assert Decimal(position["current_price"]) == 77_000
    assert Decimal(position["market_value"]) == 770_000
    assert Decimal(position["unrealized_pnl"]) == 70_000
    assert Decimal(position["return_rate"]) == Decimal("0.1")
    assert isinstance(position["market_value"], str)  # decimals travel as strings
    assert Decimal(account["unrealized_pnl"]) == 70_000


async def test_positions_api_reports_realized_pnl_today_and_in_total(web: WebClient) -> None:
    member = await web.member("alice")
    await _bought(web, member, 10, "70000")
    web.broker.prices[SAMSUNG] = Price(75_000)
    await _sold(web, member, 4, "75000", n=1)
    web.clock.advance(5)  # past the few seconds broker reads are kept

    strategy = _only(await _get(member, "/api/positions"))["strategy_accounts"][0]

    assert Decimal(strategy["realized_pnl_today"]) == 20_000
    assert Decimal(strategy["realized_pnl_total"]) == 20_000
    [position] = strategy["positions"]
    assert Decimal(position["quantity"]) == 6
    assert position["price_source"] == "balance"  # the broker holds it: its balance prices it
    assert Decimal(position["unrealized_pnl"]) == 30_000


async def test_balance_api_shows_broker_figures_and_every_difference(web: WebClient) -> None:
    member = await web.member("alice")
    await _bought(web, member, 10, "70000")
    web.broker.outside[SAMSUNG] = Holding(SAMSUNG, Quantity(100), Price(70_000))  # HTS buys
    web.broker.outside[HYNIX] = Holding(HYNIX, Quantity(5), Price(180_000))
    await web.hold(member.strategy_account_id, 3, symbol=NAVER.code)  # the broker: none

    account = _only(await _get(member, "/api/balance"))

    figures = account["broker"]
    assert Decimal(figures["deposit"]) == 100_000_000 - 700_000
    assert Decimal(figures["buying_power"]) == 100_000_000 - 700_000
    assert Decimal(figures["total_value"]) == 100_000_000 - 700_000 + 110 * 70_000 + 5 * 70_000
    kinds = {d["symbol"]: d["difference"] for d in account["differences"]}
    assert kinds == {"005930": "quantity", "000660": "broker_only", "035420": "hantu_only"}
    by_symbol = {h["symbol"]: h for h in account["holdings"]}
    assert Decimal(by_symbol["005930"]["broker_quantity"]) == 110
    assert Decimal(by_symbol["005930"]["hantu_quantity"]) == 10
    assert "수량이 다릅니다: 브로커 110주, hantu 10주" in by_symbol["005930"]["explanation"]
    assert by_symbol["000660"]["hantu_quantity"] is None
    assert "hantu가 모르는 보유 종목" in by_symbol["000660"]["explanation"]
    assert "브로커에 없는 포지션" in by_symbol["035420"]["explanation"]

    page = await member.client.get("/positions")
    assert page.status_code == 200
    assert 'data-live="fill position order"' in page.text
    assert page.text.count('class="holding-differs"') == 3
    assert "수량이 다릅니다" in page.text
    assert ">99,300,000원<" in page.text  # 예수금 and 주문가능금액


async def test_balance_api_agrees_when_hantu_and_the_broker_hold_the_same(web: WebClient) -> None:
    member = await web.member("alice")
    await _bought(web, member, 10, "70000")

    account = _only(await _get(member, "/api/balance"))

    assert account["differences"] == []
    [holding] = account["holdings"]
    assert (holding["symbol"], holding["difference"], holding["explanation"]) == (
        "005930",
        None,
        None,
    )


async def test_positions_apis_show_only_the_users_own_accounts(web: WebClient) -> None:
    alice = await web.member("alice")
    bob = await web.member("bob", strategy="beta")
    await web.hold(alice.strategy_account_id, 10)

    for path in ("/api/positions", "/api/balance"):
        [account] = (await _get(bob, path))["accounts"]
        assert account["broker_account_id"] == bob.broker_account_id
        assert all(not s["positions"] for s in account.get("strategy_accounts", []))
        foreign = await bob.client.get(f"{path}?broker_account_id={alice.broker_account_id}")
        assert foreign.status_code == 404
        assert foreign.json()["success"] is False
        assert (await web.client().get(path)).status_code == 401
    mine = await _get(alice, f"/api/positions?broker_account_id={alice.broker_account_id}")
    assert [a["broker_account_id"] for a in mine["accounts"]] == [alice.broker_account_id]


async def test_positions_page_with_a_silent_broker_answers_at_once_with_marks(
    web: WebClient,
) -> None:
    member = await web.member("alice")
    await web.hold(member.strategy_account_id, 10)
    web.broker.balance_hangs = True

    started = time.monotonic()
    page = await member.client.get("/positions")
    elapsed = time.monotonic() - started

    assert page.status_code == 200
    assert elapsed < 2.0  # bounded by the time box (0.3 s here), not by the broker
    assert "브로커 응답 없음" in page.text
    assert 'role="alert"' in page.text
    assert "시세 없음" in page.text
    assert 'data-label="수량">10주</td>' in page.text  # hantu's own side is still there
    account = _only(await _get(member, "/api/balance"))
    assert (account["broker_status"], account["broker"], account["holdings"]) == (
        "no_answer",
        None,
        [],
    )


async def test_positions_page_with_a_failing_broker_shows_the_error_and_no_quote(
    web: WebClient,
) -> None:
    member = await web.member("alice")
    await web.hold(member.strategy_account_id, 10)
    web.broker.balance_error = BrokerUnavailable("connection reset")

    page = await member.client.get("/positions")

    assert page.status_code == 200
    assert "브로커 오류" in page.text
    assert "시세 없음" in page.text
    assert "connection reset" not in page.text  # the reason goes to the log, masked


async def test_positions_page_keeps_the_balance_when_only_a_quote_fails(web: WebClient) -> None:
    member = await web.member("alice")
    await web.hold(member.strategy_account_id, 10)  # not at the broker: needs a quote
    web.broker.quote_error = BrokerUnavailable("quote timed out")

    account = _only(await _get(member, "/api/positions"))
    balance = _only(await _get(member, "/api/balance"))

    [position] = account["strategy_accounts"][0]["positions"]
    assert (position["current_price"], position["price_source"]) == (None, "none")
    assert balance["broker_status"] == "ok"
    assert balance["differences"][0]["difference"] == "hantu_only"


async def test_positions_quotes_are_kept_a_few_seconds(web: WebClient) -> None:
    member = await web.member("alice")
    await web.hold(member.strategy_account_id, 10)

    for _ in range(3):
        await _get(member, "/api/positions")
    kept = web.broker.quote_calls
    web.clock.advance(10)
    await _get(member, "/api/positions")

    assert kept == 1
    assert web.broker.quote_calls == 2


async def test_balance_is_asked_afresh_once_a_fill_moved_hantus_position(web: WebClient) -> None:
    member = await web.member("alice")
    await _bought(web, member, 10, "70000")
    await _get(member, "/api/balance")
    await _get(member, "/api/balance")
    kept = web.broker.balance_calls

    await _bought(web, member, 5, "70000", n=1)  # within the seconds the balance is kept
    account = _only(await _get(member, "/api/balance"))

    assert web.broker.balance_calls > kept
    assert account["differences"] == []
    assert Decimal(account["holdings"][0]["broker_quantity"]) == 15


async def test_positions_symbol_filter_takes_a_korean_name_or_a_code(web: WebClient) -> None:
    application = web.app.state.runtime.app
    store = SqlNameStore(application.db)
    await store.save(SAMSUNG, "삼성전자", application.clock.now())  # as the broker named it
    await store.save(NAVER, "NAVER", application.clock.now())
    member = await web.member("alice")
    await web.hold(member.strategy_account_id, 10)
    await web.hold(member.strategy_account_id, 3, symbol=NAVER.code)

    def held(body: dict[str, Any]) -> list[str]:
        return [p["symbol"] for p in _only(body)["strategy_accounts"][0]["positions"]]

    assert sorted(held(await _get(member, "/api/positions"))) == ["005930", "035420"]
    assert held(await _get(member, "/api/positions?symbol=삼성전자")) == ["005930"]
    assert held(await _get(member, "/api/positions?symbol=naver")) == ["035420"]
    assert held(await _get(member, "/api/positions?symbol=035420")) == ["035420"]
    assert held(await _get(member, "/api/positions?symbol=000660")) == []  # a code, not held
    balance = _only(await _get(member, "/api/balance?symbol=삼성전자"))
    assert [h["symbol"] for h in balance["holdings"]] == ["005930"]
    for path in ("/api/positions?symbol=없는종목", "/api/balance?symbol=12"):
        refused = await member.client.get(path)
        assert refused.status_code == 400, refused.text
        assert refused.json()["field"] == "symbol"
        assert refused.json()["error"].startswith("알 수 없는 종목입니다")

    page = await member.client.get("/positions", params={"symbol": "삼성전자"})
    assert page.status_code == 200
    assert 'tr data-symbol="005930"' in page.text
    assert 'tr data-symbol="035420"' not in page.text
    assert 'value="삼성전자"' in page.text
    bad = await member.client.get("/positions", params={"symbol": "없는종목"})
    assert bad.status_code == 400
    assert 'role="alert">알 수 없는 종목입니다: 없는종목</div>' in bad.text
    assert 'tr data-symbol="035420"' in bad.text  # unfiltered beside the reason
