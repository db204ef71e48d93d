"""Live pages in Chromium: an order placed by a webhook appears on /positions without a
reload, and a stream closed and reopened catches up on what it missed."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import Page, expect

from hantu import messages_ko as ko
from tests.e2e.browser_support import login
from tests.integration.web.server import ServerThread

pytestmark = pytest.mark.browser

ROWS = "#today-orders tr[data-order-id]"


def _webhook(server: ServerThread, quantity: str) -> None:
    assert server.runtime is not None
    demo = server.runtime.demo
    assert demo is not None
    body = {
        "token": demo.token,
        "symbol": "005930",
        "side": "BUY",
        "order_type": "LIMIT",
        "quantity": quantity,
        "price": "70000",
    }
    answer = httpx.post(f"{server.base_url}/api/webhook", content=json.dumps(body), timeout=10)
    assert answer.status_code == 200, answer.text


def _connected(page: Page) -> None:
    # A function, not an expression: Playwright polls an expression with eval, which our CSP
    # refuses whenever the first check is false (the live stream not connected yet).
    page.wait_for_function("() => window.hantuLive && window.hantuLive.connected", timeout=5000)


def test_browser_live_order_row_appears_without_reload(
    page: Page, embedded_server: ServerThread
) -> None:
    login(page)
    _connected(page)
    page.evaluate("window.__notices = []")
    page.evaluate("document.addEventListener('hantu:live', (e) => window.__notices.push(e.detail))")
    page.evaluate("window.__loaded = performance.timeOrigin")
    expect(page.locator(ROWS)).to_have_count(0)
    _webhook(embedded_server, "3")
    expect(page.locator(ROWS)).to_have_count(1, timeout=2000)
    expect(page.locator(ROWS).first).to_contain_text("3주")
    assert page.evaluate("window.__loaded") == page.evaluate("performance.timeOrigin")
    topics = page.evaluate("window.__notices.map((d) => d.topic)")
    assert "order" in topics


def test_browser_live_reopened_stream_catches_up(page: Page, embedded_server: ServerThread) -> None:
    login(page)
    _connected(page)
    page.evaluate("window.hantuLive.close()")
    status = page.locator("#live-status")
    expect(status).to_be_visible(timeout=3000)
    expect(status).to_have_text(ko.UI_TEXT["live_disconnected"])
    expect(status).to_have_attribute("role", "status")
    _webhook(embedded_server, "7")  # while the page hears nothing
    page.wait_for_timeout(300)
    expect(page.locator(ROWS)).to_have_count(0)
    page.evaluate("window.hantuLive.open()")
    expect(page.locator(ROWS)).to_have_count(1, timeout=2000)
    expect(page.locator(ROWS).first).to_contain_text("7주")
    expect(status).to_be_hidden()


def test_browser_live_keeps_a_field_being_edited(page: Page, embedded_server: ServerThread) -> None:
    login(page)
    _connected(page)
    page.evaluate(  # a field outside the live section, as a filter form would be
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        " '<label>종목 <input id=\"filter-symbol\"></label>')"
    )
    page.fill("#filter-symbol", "0059")  # focus stays in the field while the order lands
    _webhook(embedded_server, "2")
    expect(page.locator(ROWS)).to_have_count(1, timeout=2000)
    assert page.evaluate("document.activeElement.id") == "filter-symbol"
    assert page.input_value("#filter-symbol") == "0059"
