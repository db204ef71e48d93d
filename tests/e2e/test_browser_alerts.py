"""The /alerts approval queue in Chromium: a webhook in ALERT mode shows up without a reload,
approving it places the order (history links it), rejecting it places none, and the page
fits a phone."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import Page, expect

from hantu import messages_ko as ko
from hantu.domain.accounts import UserId
from hantu.service_layer import account_settings
from hantu.service_layer import accounts as accounts_service
from tests.e2e.browser_support import login
from tests.integration.web.server import ServerThread

pytestmark = pytest.mark.browser

PENDING = "#alerts-pending tr[id^=alert-]"
HISTORY = "#alerts-history tr[id^=alert-]"


def _alert_mode(server: ServerThread) -> None:
    runtime = server.runtime
    assert runtime is not None
    accounts = runtime.state.accounts

    async def switch() -> None:
        user = await accounts_service.authenticate(accounts, "demo", "hantu-demo")
        assert user is not None
        (strategy,) = await accounts_service.list_strategies(accounts, UserId(user.id))
        await account_settings.set_alert_mode(accounts, UserId(user.id), strategy.id, mode="ALERT")

    server.run(switch)


def _webhook(server: ServerThread, quantity: str) -> None:
    assert server.runtime is not None
    demo = server.runtime.demo
    assert demo is not None
    body = {
        "token": demo.token,
        "symbol": "005930",
        "side": "BUY",
        "order_type": "MARKET",
        "quantity": quantity,
    }
    answer = httpx.post(f"{server.base_url}/api/webhook", content=json.dumps(body), timeout=10)
    assert answer.status_code == 200, answer.text


def _open_alerts(page: Page, server: ServerThread) -> None:
    _alert_mode(server)
    login(page)
    page.goto("/alerts")
    # A function, not an expression: Playwright polls an expression with eval, which our CSP
    # refuses whenever the first check is false (the live stream not connected yet).
    page.wait_for_function("() => window.hantuLive && window.hantuLive.connected", timeout=5000)
    page.evaluate("window.__loaded = performance.timeOrigin")


def test_browser_alert_appears_live_and_approval_places_the_order(
    page: Page, embedded_server: ServerThread
) -> None:
    _open_alerts(page, embedded_server)
    expect(page.locator(PENDING)).to_have_count(0)
    _webhook(embedded_server, "2")
    expect(page.locator(PENDING)).to_have_count(1, timeout=3000)
    assert page.evaluate("window.__loaded") == page.evaluate("performance.timeOrigin")
    expect(page.locator(PENDING).first).to_contain_text("2주")
    page.locator(PENDING).first.locator("button.alerts-approve").click()
    row = page.locator(HISTORY).first
    expect(row).to_contain_text(ko.UI_TEXT["alerts_status_EXECUTED"], timeout=5000)
    link = row.locator("a[data-order-id]")
    expect(link).to_have_count(1)
    order_id = link.get_attribute("data-order-id")
    link.click()
    order = page.locator(f"tr.order-row[data-order-id='{order_id}']")
    expect(order).to_contain_text("2주", timeout=5000)
    expect(order).to_have_attribute("data-status", "FILLED", timeout=5000)


def test_browser_alert_rejected_places_no_order(page: Page, embedded_server: ServerThread) -> None:
    _open_alerts(page, embedded_server)
    _webhook(embedded_server, "4")
    expect(page.locator(PENDING)).to_have_count(1, timeout=3000)
    page.locator(PENDING).first.locator("button.alerts-reject").click()
    row = page.locator(HISTORY).first
    expect(row).to_contain_text(ko.UI_TEXT["alerts_status_REJECTED"], timeout=5000)
    expect(row.locator("a[data-order-id]")).to_have_count(0)
    expect(page.locator(PENDING)).to_have_count(0)


def test_browser_alerts_fit_a_phone(page: Page, embedded_server: ServerThread) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    _open_alerts(page, embedded_server)
    _webhook(embedded_server, "1")
    expect(page.locator(PENDING)).to_have_count(1, timeout=3000)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    for button in page.locator(f"{PENDING} button").all():
        box = button.bounding_box()
        assert box is not None
        assert box["height"] >= 44
        assert box["width"] >= 44
