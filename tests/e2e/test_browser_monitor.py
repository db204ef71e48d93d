"""The /monitor panel in Chromium on the whole product: a bought position shows as protected
by the WebSocket with its best bid and the bid's age (the book path), the stop and start
buttons work (and say so), and the panel fits a phone."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from hantu.messages_ko import monitor_panel as text
from tests.e2e.browser_support import login
from tests.integration.web.server import ServerThread

pytestmark = pytest.mark.browser

ROW = "#monitor-positions tr[id^=monitor-position-]"
BID = re.compile(r"^\d{1,3}(,\d{3})*원 \(\d+초 전\)$")  # `70,600원 (1초 전)`


def _buy(server: ServerThread) -> None:
    assert server.runtime is not None
    assert server.runtime.demo is not None
    body = {
        "token": server.runtime.demo.token,
        "symbol": "005930",
        "side": "BUY",
        "order_type": "MARKET",
        "quantity": "5",
    }
    answer = httpx.post(f"{server.base_url}/api/webhook", content=json.dumps(body), timeout=10)
    assert answer.status_code == 200, answer.text


def _panel_until_streamed(page: Page) -> None:
    for _ in range(100):  # a loaded machine may take seconds to fill the buy
        page.goto("/monitor")
        row = page.locator(ROW)
        state = page.locator("#monitor-state").get_attribute("data-state")
        streamed = row.count() == 1 and row.get_attribute("data-protection") == "websocket"
        if streamed and state == "monitoring":
            return
        page.wait_for_timeout(200)
    raise AssertionError(page.locator("main").inner_text())


def test_browser_monitor_panel_shows_protection_and_controls_the_monitor(
    page: Page, embedded_server: ServerThread
) -> None:
    _buy(embedded_server)
    login(page)
    page.click("header nav a[href='/monitor']")
    page.wait_for_url("**/monitor")
    _panel_until_streamed(page)
    row = page.locator(ROW)
    expect(row).to_contain_text("005930")
    expect(row).to_contain_text("5주")
    expect(row).to_contain_text("실시간(WebSocket)")
    expect(page.locator("#monitor-state")).to_have_text("모니터링 중")
    expect(page.locator("#monitor-positions th").nth(5)).to_have_text("최우선 매수호가")
    embedded_server.trade("005930", 71_000)  # a trade, and the book after it (prices sit still)
    bid = page.locator(f"{ROW} td.monitor-best-bid")
    expect(bid).to_have_text(BID, timeout=15_000)  # the panel refreshes itself every 5 s
    expect(bid).to_have_attribute("data-best-bid", re.compile(r"^\d+$"))

    page.click("#monitor-stop")
    page.wait_for_url("**/monitor?done=stop")
    expect(page.locator("#monitor-message")).to_have_text(text.MONITOR_STOPPED)
    expect(page.locator("#monitor-state")).to_have_text("대기")
    expect(page.locator(ROW)).to_contain_text("보호 안 됨")
    expect(page.locator(f"{ROW} td.monitor-best-bid")).to_have_text(text.NO_BOOK)
    expect(page.locator("#monitor-changed")).to_contain_text("사용자")

    page.click("#monitor-start")
    expect(page.locator("#monitor-message")).to_have_text(text.MONITOR_STARTED)
    _panel_until_streamed(page)


def test_browser_monitor_panel_refreshes_itself(page: Page, embedded_server: ServerThread) -> None:
    login(page)
    page.goto("/monitor")
    expect(page.locator("#monitor-empty")).to_be_visible()
    _buy(embedded_server)  # the fill starts watching the symbol; no reload from here on
    expect(page.locator(ROW)).to_contain_text("실시간(WebSocket)", timeout=15_000)
    expect(page.locator("#monitor-state")).to_have_text("모니터링 중", timeout=15_000)


def test_browser_monitor_panel_fits_a_phone(page: Page, embedded_server: ServerThread) -> None:
    _buy(embedded_server)
    login(page)
    page.set_viewport_size({"width": 390, "height": 844})
    _panel_until_streamed(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    for selector in ("#monitor-start", "#monitor-stop", "#monitor-restart", "#monitor-refresh"):
        box = page.locator(selector).bounding_box()
        assert box is not None
        assert box["height"] >= 44
        assert box["width"] >= 44
    cell = page.locator(f"{ROW} td").first  # a card: label beside value
    expect(cell).to_have_css("display", "flex")
