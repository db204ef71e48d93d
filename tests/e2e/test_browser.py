"""The web UI in headless Chromium (Debian's `chromium`, driven by Playwright's Python
package; never `playwright install`): log in, create a strategy, see a simulator rejection
as a failed order, retry it, remove another, filter, and never run injected markup."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from hantu import messages_ko as ko
from tests.e2e.browser_support import _login
from tests.integration.web.server import ServerThread

XSS = "<script>window.__xss = 1</script><img src=x onerror=window.__xss=2>"

pytestmark = pytest.mark.browser


def _webhook(server: ServerThread, token: str, **fields: Any) -> httpx.Response:
    body = {
        "token": token,
        "symbol": "005930",
        "side": "BUY",
        "order_type": "LIMIT",
        "quantity": "1",
        "price": "70000",
        **fields,
    }
    return httpx.post(f"{server.base_url}/api/webhook", content=json.dumps(body), timeout=10)


def _reject_next(server: ServerThread, message: str) -> None:
    assert server.runtime is not None
    simulator = server.runtime.simulator
    assert simulator is not None
    server.loop.call_soon_threadsafe(  # type: ignore[union-attr]
        simulator.faults.reject_next_order, "APBK0952", message
    )


def _rows(page: Page) -> Any:
    return page.locator("#failed-orders-tbody tr")


def test_browser_strategy_webhook_failed_order_retry_remove_filter(
    page: Page, embedded_server: ServerThread
) -> None:
    _login(page)
    page.goto("/strategies")
    page.fill("#strategy-name", "browser-strategy")
    page.click("#strategy-create")
    article = page.locator("article.strategy", has_text="browser-strategy")
    expect(article).to_be_visible()
    article.locator("form.link-form button").click()
    article = page.locator("article.strategy", has_text="browser-strategy")
    expect(article.locator("ul.linked li")).to_have_count(1)
    article.locator("button.reveal-token").click()  # the token is shown masked until revealed
    expect(article.locator("code.webhook-token")).not_to_contain_text("•")
    token = article.locator("code.webhook-token").inner_text()

    _reject_next(embedded_server, "주문가능금액을 초과 했습니다")
    assert _webhook(embedded_server, token).status_code == 400
    _reject_next(embedded_server, "주문가능금액을 초과 했습니다")
    assert _webhook(embedded_server, token, symbol="000660", price="180000").status_code == 400

    page.goto("/failed-orders")
    expect(_rows(page)).to_have_count(2)
    expect(_rows(page).first.locator(".retry-count-badge")).to_have_text("0/5")

    page.fill("#filter-symbol", "000660")
    page.click("#filter-apply")
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).first).to_contain_text("000660")

    _rows(page).first.locator("button.btn-remove").click()
    expect(page.locator(".toast-success")).to_contain_text(ko.FAILED_ORDER_REMOVED)
    expect(_rows(page)).to_have_count(0)

    page.fill("#filter-symbol", "")
    page.click("#filter-apply")
    expect(_rows(page)).to_have_count(1)
    _rows(page).first.locator("button.btn-retry").click()
    expect(page.locator(".toast-success").last).to_contain_text("재시도")
    expect(_rows(page)).to_have_count(0)
    expect(page.locator("#failed-orders-empty")).to_be_visible()


def test_browser_injected_markup_in_broker_error_is_shown_as_text(
    page: Page, embedded_server: ServerThread
) -> None:
    assert embedded_server.runtime is not None
    demo = embedded_server.runtime.demo
    assert demo is not None
    _reject_next(embedded_server, XSS)
    assert _webhook(embedded_server, demo.token).status_code == 400

    _login(page)
    page.goto("/failed-orders")

    row = _rows(page).first
    expect(row).to_contain_text("<script>window.__xss = 1</script>")
    assert page.evaluate("window.__xss") is None
    assert page.locator("#failed-orders-tbody script, #failed-orders-tbody img").count() == 0


def test_browser_retry_is_disabled_after_five_attempts(
    page: Page, embedded_server: ServerThread
) -> None:
    assert embedded_server.runtime is not None
    demo = embedded_server.runtime.demo
    assert demo is not None
    _reject_next(embedded_server, "잔고 부족")
    assert _webhook(embedded_server, demo.token).status_code == 400
    _login(page)
    page.goto("/failed-orders")

    for attempt in range(1, 6):
        _reject_next(embedded_server, "잔고 부족")
        _rows(page).first.locator("button.btn-retry").click()
        expect(_rows(page).first.locator(".retry-count-badge")).to_have_text(f"{attempt}/5")

    expect(_rows(page).first.locator("button.btn-retry")).to_be_disabled()


def test_browser_narrow_screen_hides_broker_error_but_keeps_the_price(
    page: Page, embedded_server: ServerThread
) -> None:
    assert embedded_server.runtime is not None
    demo = embedded_server.runtime.demo
    assert demo is not None
    _reject_next(embedded_server, "잔고 부족")
    _webhook(embedded_server, demo.token)
    _login(page)
    page.goto("/failed-orders")
    expect(_rows(page)).to_have_count(1)
    price = _rows(page).first.locator(".col-price")
    broker_error = _rows(page).first.locator(".broker-error")

    page.set_viewport_size({"width": 1024, "height": 800})
    expect(price).to_be_visible()
    page.set_viewport_size({"width": 700, "height": 800})
    expect(broker_error).to_be_hidden()
    expect(price).to_be_visible()
    page.set_viewport_size({"width": 400, "height": 800})
    expect(price).to_be_visible()  # the phone contract: a price is never hidden


def test_browser_failed_order_shows_won_and_shares_rounded_as_the_server_does(
    page: Page, embedded_server: ServerThread
) -> None:
    assert embedded_server.runtime is not None
    demo = embedded_server.runtime.demo
    assert demo is not None
    _reject_next(embedded_server, "잔고 부족")
    _webhook(embedded_server, demo.token, quantity="1234", price="70000")
    _login(page)
    page.goto("/failed-orders")

    expect(_rows(page).first.locator(".col-price")).to_have_text("70,000원")
    expect(_rows(page).first).to_contain_text("1,234주")
    samples = ["70666.5", "70666.4999", "-1200.5", "-0.4", "0", "1234567"]
    shown = page.evaluate("(xs) => xs.map(formatWon)", samples)
    assert shown == [ko.format_won(Decimal(x)) for x in samples]


def test_browser_pages_load_nothing_from_other_hosts_and_log_no_errors(
    page: Page, embedded_server: ServerThread
) -> None:
    requested: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    _login(page)
    page.wait_for_load_state("networkidle")
    page.goto("/strategies")
    page.wait_for_load_state("networkidle")
    page.goto("/failed-orders")
    page.wait_for_load_state("networkidle")

    foreign = [url for url in requested if not url.startswith(embedded_server.base_url)]
    assert foreign == []
    assert problems == []
    assert re.search(r"/static/app\.css", " ".join(requested))


def test_browser_api_docs_render_from_local_assets_only(
    page: Page, embedded_server: ServerThread
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto("/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.locator(".swagger-ui")).to_contain_text("/api/webhook")
    page.wait_for_load_state("networkidle")

    local = (embedded_server.base_url, "data:")
    foreign = [url for url in requested if not url.startswith(local)]
    assert foreign == []
    assert re.search(r"/static-docs/swagger-ui-bundle\.js", " ".join(requested))


def test_browser_adoption_checkbox_lets_a_sell_of_broker_holdings_through(
    page: Page, embedded_server: ServerThread
) -> None:
    # The demo account holds 100 shares of 005930 that hantu never bought.
    assert embedded_server.runtime is not None
    assert embedded_server.runtime.demo is not None
    token = embedded_server.runtime.demo.token
    sell = {"side": "SELL", "quantity": "5"}
    refused = _webhook(embedded_server, token, id="browser-sell-1", **sell)
    assert refused.status_code == 400
    assert "매도 요청 5주" in refused.json()["error"]

    _login(page)
    page.goto("/strategies")
    box = page.locator("article.strategy input.adopt-toggle").first
    expect(box).not_to_be_checked()
    # The page reloads itself once the setting is saved: wait for that reload, not a goto
    # of our own that would race it (net::ERR_ABORTED).
    with page.expect_navigation(), page.expect_response("**/settings") as answer:
        box.check()
    assert answer.value.status == 200
    expect(page.locator("article.strategy input.adopt-toggle").first).to_be_checked()

    assert _webhook(embedded_server, token, id="browser-sell-2", **sell).status_code == 200


def test_browser_password_change_signs_out_the_other_browser_and_logout_ends_the_session(
    browser: Browser, page: Page, embedded_server: ServerThread
) -> None:
    other = browser.new_context(base_url=embedded_server.base_url)
    try:
        second = other.new_page()
        _login(second)
        _login(page)
        page.click("#nav-password")
        page.wait_for_url("**/password")
        page.fill("#current-password", "hantu-demo")
        page.fill("#new-password", "hantu-demo-2")
        page.click("#password-submit")
        expect(page.locator("#password-message")).to_have_text(ko.PASSWORD_CHANGED)

        second.goto("/positions")
        second.wait_for_url("**/login")
        cookies = page.context.cookies()
        page.click("#logout")
        page.wait_for_url("**/login")
        replay = browser.new_context(base_url=embedded_server.base_url)
        replay.add_cookies(cookies)  # the cookie as it was before logging out
        replayed = replay.new_page()
        replayed.goto("/positions")
        replayed.wait_for_url("**/login")
        replay.close()
    finally:
        other.close()
