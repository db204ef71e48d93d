"""The positions page in Chromium on the embedded product: the demo account already holds
100 shares of 005930 (and some 000660, 035420) at the simulator; hantu buys one more through
the webhook and shows it valued, with the broker's figures and holdings side by side."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from hantu.domain.position import Position
from tests.e2e.browser_support import login, notices_streaming
from tests.integration.web.server import ServerThread

pytestmark = pytest.mark.browser


def _buy_one(server: ServerThread, token: str) -> None:
    notices_streaming(server)  # so the fill is told at once
    # 80,000 is above the simulator's 71,000 ask (and within the day's band): it fills at once.
    body = {
        "token": token,
        "symbol": "005930",
        "side": "BUY",
        "order_type": "LIMIT",
        "quantity": "1",
        "price": "80000",
    }
    response = httpx.post(f"{server.base_url}/api/webhook", content=json.dumps(body), timeout=10)
    assert response.status_code == 200, response.text


def _wait_for_position(server: ServerThread, seconds: float = 15.0) -> list[Position]:
    assert server.runtime is not None
    state = server.runtime.state
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        held = server.run(lambda: state.pipeline.positions([1]))
        if held:
            return held
        time.sleep(0.1)
    raise AssertionError("the bought share never became a position")


def _demo_token(server: ServerThread) -> str:
    assert server.runtime is not None
    assert server.runtime.demo is not None
    return server.runtime.demo.token


def test_browser_positions_show_the_holding_valued_beside_the_brokers(
    page: Page, embedded_server: ServerThread
) -> None:
    _buy_one(embedded_server, _demo_token(embedded_server))
    [position] = _wait_for_position(embedded_server)
    assert int(position.quantity) == 1
    login(page)
    page.goto("/positions")

    section = page.locator("#positions")
    expect(section).to_have_attribute("data-live", "fill position order")
    account = section.locator("article.broker-account").first
    expect(account.locator(".env")).to_have_text("시뮬레이터")
    row = account.locator(".positions-table tr[data-symbol='005930']")
    expect(row).to_contain_text("1주")
    expect(row.locator(".col-current")).to_contain_text("원")
    expect(row.locator(".col-rate")).to_contain_text("%")
    for figure in (".fig-deposit", ".fig-buying-power", ".fig-total-value"):
        expect(account.locator(figure)).to_contain_text("원")
    expect(account.locator("[role='alert']")).to_have_count(0)  # the broker answered

    holdings = account.locator(".holdings-table")
    samsung = holdings.locator("tr[data-symbol='005930']")
    expect(samsung).to_have_attribute("data-difference", "quantity")
    expect(samsung).to_contain_text("수량이 다릅니다: 브로커 101주, hantu 1주")
    for code in ("000660", "035420"):  # bought before hantu: the broker holds them alone
        other = holdings.locator(f"tr[data-symbol='{code}']")
        expect(other).to_have_attribute("data-difference", "broker_only")
        expect(other).to_contain_text("hantu가 모르는 보유 종목입니다")
    expect(account.locator(".difference-count")).to_have_text("3")


def test_browser_positions_on_a_phone_keep_price_average_and_pnl_visible(
    page: Page, embedded_server: ServerThread
) -> None:
    _buy_one(embedded_server, _demo_token(embedded_server))
    _wait_for_position(embedded_server)
    login(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/positions")

    row = page.locator(".positions-table tr[data-symbol='005930']")
    for cell in (".col-current", ".col-avg", ".col-pnl"):
        expect(row.locator(cell)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1


def test_browser_positions_json_matches_the_page(page: Page, embedded_server: ServerThread) -> None:
    _buy_one(embedded_server, _demo_token(embedded_server))
    _wait_for_position(embedded_server)
    login(page)

    balance: dict[str, Any] = page.request.get("/api/balance").json()
    positions: dict[str, Any] = page.request.get("/api/positions").json()

    [account] = balance["accounts"]
    assert account["broker_status"] == "ok"
    kinds = {d["symbol"]: d["difference"] for d in account["differences"]}
    assert kinds == {"005930": "quantity", "000660": "broker_only", "035420": "broker_only"}
    assert int(account["broker"]["buying_power"]) > 0
    [held] = positions["accounts"][0]["strategy_accounts"][0]["positions"]
    assert (held["symbol"], held["quantity"], held["price_source"]) == ("005930", "1", "balance")


def test_browser_positions_filter_by_korean_name_or_code(
    page: Page, embedded_server: ServerThread
) -> None:
    _buy_one(embedded_server, _demo_token(embedded_server))
    _wait_for_position(embedded_server)
    login(page)
    page.goto("/positions")  # the names are looked up from the broker and cached
    holdings = page.locator(".holdings-table tr[data-symbol]")
    expect(holdings).to_have_count(3)
    expect(page.locator(".holdings-table")).to_contain_text("삼성전자")

    page.fill("#filter-position-symbol", "삼성전자")
    page.click("#positions-apply")
    expect(page).to_have_url(
        re.compile(r"/positions\?symbol=%EC%82%BC%EC%84%B1%EC%A0%84%EC%9E%90$")
    )
    expect(holdings).to_have_count(1)
    expect(page.locator(".holdings-table tr[data-symbol='005930']")).to_be_visible()
    expect(page.locator(".positions-table tr[data-symbol='005930']")).to_contain_text("1주")
    expect(page.locator("#positions-message")).to_be_empty()

    page.fill("#filter-position-symbol", "000660")  # a code as itself: the broker holds it
    page.click("#positions-apply")
    expect(holdings).to_have_count(1)
    expect(page.locator(".holdings-table tr[data-symbol='000660']")).to_be_visible()
    expect(page.locator(".positions-table tr[data-symbol]")).to_have_count(0)

    page.fill("#filter-position-symbol", "없는종목")
    page.click("#positions-apply")
    expect(page.locator("#positions-message")).to_have_text("알 수 없는 종목입니다: 없는종목")
    expect(holdings).to_have_count(3)  # shown unfiltered beside the reason
    page.click("#positions-reset")
    expect(page).to_have_url(re.compile(r"/positions$"))

    answer = page.request.get("/api/balance?symbol=삼성전자")
    assert answer.status == 200, answer.text()
    [account] = answer.json()["accounts"]
    assert [h["symbol"] for h in account["holdings"]] == ["005930"]
    positions = page.request.get("/api/positions?symbol=삼성").json()
    [held] = positions["accounts"][0]["strategy_accounts"][0]["positions"]
    assert held["symbol"] == "005930"
    unknown = page.request.get("/api/positions?symbol=없는종목")
    assert unknown.status == 400
    assert unknown.json()["field"] == "symbol"
    assert "없는종목" in unknown.json()["error"]
