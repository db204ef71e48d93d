"""The orders page in Chromium on the embedded defaults (SQLite, the in-process KIS simulator
through the real adapter), at desktop width and at 390 px: an order placed by the webhook
shows up, is canceled from the page, and a filled order shows its fills."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from hantu.messages_ko import orders_page as text
from tests.e2e.browser_support import login, notices_streaming
from tests.integration.web.server import ServerThread

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _webhook(server: ServerThread, **fields: Any) -> httpx.Response:
    assert server.runtime is not None
    assert server.runtime.demo is not None
    body = {
        "token": server.runtime.demo.token,
        "symbol": "005930",
        "side": "BUY",
        "order_type": "LIMIT",
        "quantity": "1",
        "price": "70000",
        **fields,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return httpx.post(f"{server.base_url}/api/webhook", content=json.dumps(body), timeout=10)


def _wait_status(page: Page, status: str, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        orders = page.request.get("/api/orders").json()["orders"]
        if orders and orders[0]["status"] == status:
            return
        time.sleep(0.1)
    raise AssertionError(f"the newest order never became {status}")


@pytest.fixture(params=sorted(WIDTHS))
def width(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_browser_orders_page_cancels_an_open_order(
    page: Page, embedded_server: ServerThread, width: str
) -> None:
    page.set_viewport_size(WIDTHS[width])  # type: ignore[arg-type]
    assert _webhook(embedded_server, quantity="3", price="65000").status_code == 200
    login(page)

    page.click("a[href='/orders']")
    page.wait_for_url("**/orders")
    row = page.locator("#orders-section tr.order-row").first
    expect(row).to_contain_text("005930")
    expect(row.locator(".badge-buy")).to_have_text("매수")
    expect(row).to_contain_text("지정가")
    expect(row.locator(".order-price")).to_have_text("65,000원")
    expect(row.locator(".status")).to_have_text("주문 중")
    cancel = row.locator("button.btn-cancel")
    expect(cancel).to_be_visible()
    box = cancel.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    assert box["width"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    cancel.click()  # the confirmation is accepted by the page fixture

    expect(page.locator("#orders-message[role=alert]")).to_have_text(text.CANCEL_DONE)
    row = page.locator("#orders-section tr.order-row").first
    expect(row.locator(".status")).to_have_text("취소")
    expect(row.locator("button.btn-cancel")).to_have_count(0)

    # A second cancel of the same order (another tab, say) answers 409 with the reason.
    order_id = row.get_attribute("data-order-id")
    csrf = page.locator("meta[name=csrf-token]").get_attribute("content") or ""
    again = page.request.post(f"/api/orders/{order_id}/cancel", headers={"X-CSRF-Token": csrf})
    assert again.status == 409
    assert again.json()["error"] == text.CANCEL_REFUSED["CANCELED"]


def test_browser_orders_page_shows_fills_of_a_filled_order_and_filters(
    page: Page, embedded_server: ServerThread, width: str
) -> None:
    page.set_viewport_size(WIDTHS[width])  # type: ignore[arg-type]
    notices_streaming(embedded_server)  # so the fill is told at once
    market = _webhook(embedded_server, order_type="MARKET", price=None, quantity="2")
    assert market.status_code == 200, market.text
    login(page)
    _wait_status(page, "FILLED")
    assert _webhook(embedded_server, symbol="000660", price="150000").status_code == 200

    page.goto("/orders?symbol=005930")
    row = page.locator("#orders-section tr.order-row").first
    expect(page.locator("#orders-section tr.order-row")).to_have_count(1)
    expect(row.locator(".status")).to_have_text("체결")
    expect(row).to_contain_text("시장가")
    fills = page.locator("#orders-section tr.fills-row").first
    expect(fills).to_be_hidden()

    toggle = row.locator("button.btn-fills")
    toggle.click()

    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(fills).to_be_visible()
    expect(fills.locator(".fills-table tbody tr")).not_to_have_count(0)
    expect(fills).to_contain_text("주")
    expect(fills).to_contain_text("원")
    csv_link = page.locator("#csv-fills").get_attribute("href")
    assert csv_link == "/api/fills.csv?symbol=005930"
    answer = page.request.get(csv_link)
    assert answer.body().startswith(b"\xef\xbb\xbf")
    assert "005930" in answer.text()

    page.fill("#filter-order-symbol", "12")
    page.click("#orders-apply")
    expect(page.locator("#orders-message")).to_have_text(text.FILTER_SYMBOL.format(symbol="12"))
