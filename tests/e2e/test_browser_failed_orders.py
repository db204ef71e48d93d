"""The failed-orders page in Chromium on the embedded product (desktop and a 390 px phone):
select two simulator rejections, retry both and see each row's outcome, remove the rest,
read the statistics."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser_support import login
from tests.integration.web.server import ServerThread

pytestmark = pytest.mark.browser

WIDTHS = [pytest.param(1280, id="desktop"), pytest.param(390, id="phone")]


def _token(server: ServerThread) -> str:
    assert server.runtime is not None
    demo = server.runtime.demo
    assert demo is not None
    return demo.token


def _reject_next(server: ServerThread, message: str) -> None:
    assert server.runtime is not None
    simulator = server.runtime.simulator
    assert simulator is not None
    server.loop.call_soon_threadsafe(  # type: ignore[union-attr]
        simulator.faults.reject_next_order, "APBK0952", message
    )


def _rejected_webhook(server: ServerThread, message: str, **fields: Any) -> None:
    _reject_next(server, message)
    body = {
        "token": _token(server),
        "symbol": "005930",
        "side": "BUY",
        "order_type": "LIMIT",
        "quantity": "1",
        "price": "70000",
        **fields,
    }
    response = httpx.post(f"{server.base_url}/api/webhook", content=json.dumps(body), timeout=10)
    assert response.status_code == 400, response.text


def _rows(page: Page) -> Any:
    return page.locator("#failed-orders-tbody tr")


def _open(page: Page, server: ServerThread, width: int) -> None:
    _rejected_webhook(server, "잔고 부족")
    _rejected_webhook(server, "호가 오류", symbol="000660", price="180000")
    _rejected_webhook(server, "잔고 부족", id="third")
    page.set_viewport_size({"width": width, "height": 900})
    login(page)
    page.click("nav a[href='/failed-orders']")
    page.wait_for_url("**/failed-orders")
    expect(_rows(page)).to_have_count(3)


@pytest.mark.parametrize("width", WIDTHS)
def test_browser_failed_orders_select_two_retry_both_then_remove_the_rest(
    page: Page, embedded_server: ServerThread, width: int
) -> None:
    _open(page, embedded_server, width)
    newest, middle = _rows(page).nth(0), _rows(page).nth(1)
    newest.locator("input.row-select").check()
    middle.locator("input.row-select").check()
    expect(page.locator("#selected-count")).to_have_text("2건 선택")

    _reject_next(embedded_server, "호가 오류")  # one of the two is refused again
    page.click("#bulk-retry")

    results = page.locator("#bulk-results-list li")
    expect(results).to_have_count(2)
    expect(page.locator("#bulk-summary")).to_have_text("성공 1건 · 실패 1건")
    expect(page.locator("#bulk-results-list li.ok")).to_contain_text("재시도 주문이 접수되었습니다")
    expect(page.locator("#bulk-results-list li.fail")).to_contain_text("호가 오류")
    expect(_rows(page)).to_have_count(2)  # the accepted one is resolved and leaves the list
    refused = page.locator("#failed-orders-tbody tr", has=page.locator(".fo-outcome.fail"))
    expect(refused).to_have_count(1)
    expect(refused.locator(".retry-count-badge")).to_have_text("1/5")
    expect(refused.locator(".fo-outcome")).to_contain_text("호가 오류")

    page.check("#select-all")
    expect(page.locator("#selected-count")).to_have_text("2건 선택")
    page.click("#bulk-remove")
    expect(_rows(page)).to_have_count(0)
    expect(page.locator("#failed-orders-empty")).to_be_visible()
    expect(page.locator("#bulk-results-list li.ok")).to_have_count(2)

    total = page.locator("#stats-total")
    expect(total).to_contain_text("3")  # removed ones still count in the statistics
    expect(total).to_contain_text("50.0%")  # two retried, one got through
    expect(page.locator("#stats-by-symbol tbody tr")).to_have_count(2)
    expect(page.locator("#stats-by-reason tbody tr").first).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_browser_failed_orders_rows_carry_labels_and_keep_the_price(
    page: Page, embedded_server: ServerThread, width: int
) -> None:
    _open(page, embedded_server, width)
    row = _rows(page).first

    expect(row.locator("td.col-price")).to_be_visible()
    expect(row.locator("td.col-price")).to_have_attribute("data-label", "가격")
    assert row.locator("td:not([data-label])").count() == 0
    box = row.locator("input.row-select").locator("xpath=..").bounding_box()
    assert box is not None
    assert box["height"] >= 44
    assert box["width"] >= 44
    retry = row.locator("button.btn-retry").bounding_box()
    assert retry is not None
    assert retry["height"] >= 44
    if width <= 640:
        expect(page.locator(".failed-orders-table thead")).to_be_hidden()
    page.fill("#filter-from", "2000-01-01")
    page.fill("#filter-to", "2000-01-02")
    page.click("#filter-apply")
    expect(_rows(page)).to_have_count(0)
    expect(page.locator("#stats-empty")).to_be_visible()
    href = page.locator("#failed-orders-csv").get_attribute("href")
    assert href is not None
    assert "date_from=2000-01-01" in href
    assert "date_to=2000-01-02" in href


def test_browser_failed_orders_reload_on_a_live_event(
    page: Page, embedded_server: ServerThread
) -> None:
    _open(page, embedded_server, 1280)
    page.evaluate("window.hantuLive.close()")  # only the events this test dispatches
    _rejected_webhook(embedded_server, "잔고 부족", id="fourth")

    page.evaluate(
        "document.dispatchEvent(new CustomEvent('hantu:live', {detail: {topic: 'order'}}))"
    )
    page.wait_for_timeout(400)
    expect(_rows(page)).to_have_count(3)  # another topic leaves the list alone
    page.evaluate(
        "document.dispatchEvent(new CustomEvent('hantu:live', {detail: {topic: 'failed_order'}}))"
    )
    expect(_rows(page)).to_have_count(4)
