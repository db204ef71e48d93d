"""Accessibility and phone layout of every page, on the whole product (embedded defaults).

Pages are found from base.html's navigation after login, so a page another change adds to
the nav is checked here without editing this module. axe-core fails the test on any serious
or critical violation; the phone test checks cards, overflow and tap targets at 390 px.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from hantu import messages_ko as ko
from tests.e2e.browser_support import login, notices_streaming
from tests.integration.web.server import ServerThread

DESKTOP, PHONE = 1280, 390
FAILING_IMPACTS = frozenset({"serious", "critical"})
NOT_FOUND_PATH = "/no-such-page"


def _webhook(server: ServerThread, **fields: Any) -> httpx.Response:
    assert server.runtime is not None
    assert server.runtime.demo is not None
    body = {
        "token": server.runtime.demo.token,
        "symbol": "005930",
        "side": "BUY",
        "order_type": "MARKET",
        "quantity": "3",
        **fields,
    }
    return httpx.post(f"{server.base_url}/api/webhook", content=json.dumps(body), timeout=10)


def _with_rows(server: ServerThread) -> None:
    """A filled buy (a position, an order) and a refused one (a failed order)."""
    notices_streaming(server)  # so the buy's fill is told at once
    assert _webhook(server).status_code == 200
    assert server.runtime is not None
    assert server.runtime.simulator is not None
    simulator = server.runtime.simulator
    server.loop.call_soon_threadsafe(  # type: ignore[union-attr]
        simulator.faults.reject_next_order, "APBK0952", "잔고 부족"
    )
    assert _webhook(server, order_type="LIMIT", price="70000").status_code == 400


def _nav_pages(page: Page) -> list[str]:
    hrefs = page.eval_on_selector_all("header nav a[href]", "links => links.map(a => a.href)")
    paths = [urlparse(href).path for href in hrefs if urlparse(href).path.startswith("/")]
    return list(dict.fromkeys([*paths, "/password", NOT_FOUND_PATH]))


def _serious(page: Page) -> list[dict[str, Any]]:
    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in FAILING_IMPACTS]


def _readable(path: str, width: int, violations: list[dict[str, Any]]) -> str:
    lines = [f"{path} @ {width}px:"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"      {', '.join(map(str, node['target']))}: {node['html'][:160]}")
            if node.get("failureSummary"):
                lines.append(f"        {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


def _settle(page: Page, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_browser_every_page_has_no_serious_accessibility_violation(
    browser: Browser, page: Page, embedded_server: ServerThread, width: int
) -> None:
    _with_rows(embedded_server)
    page.set_viewport_size({"width": width, "height": 900})
    failures: list[str] = []

    anonymous = browser.new_context(base_url=embedded_server.base_url)
    try:
        signed_out = anonymous.new_page()
        signed_out.set_viewport_size({"width": width, "height": 900})
        _settle(signed_out, "/login")
        if found := _serious(signed_out):
            failures.append(_readable("/login", width, found))
    finally:
        anonymous.close()

    login(page)
    paths = _nav_pages(page)
    assert "/positions" in paths
    assert "/strategies" in paths
    for path in paths:
        _settle(page, path)
        if found := _serious(page):
            failures.append(_readable(path, width, found))

    assert not failures, "serious or critical accessibility violations:\n" + "\n".join(failures)


def test_browser_nav_marks_the_current_page(page: Page) -> None:
    login(page)
    current = page.locator('header nav a[aria-current="page"]')
    expect(current).to_have_count(1)
    expect(current).to_have_attribute("href", "/positions")
    page.goto("/strategies")
    expect(current).to_have_attribute("href", "/strategies")


def _positions_with_name(page: Page) -> None:
    # The name is looked up in the background the first time; a later load shows it.
    deadline = time.monotonic() + 10
    table = page.locator("#positions table.positions-table").first
    while True:
        page.goto("/positions")
        if "삼성전자 005930" in (table.text_content() or "") or time.monotonic() > deadline:
            break
        page.wait_for_timeout(200)
    expect(table).to_contain_text("삼성전자 005930")


def test_browser_phone_positions_are_cards_without_overflow_and_with_big_tap_targets(
    page: Page, embedded_server: ServerThread
) -> None:
    _with_rows(embedded_server)
    page.set_viewport_size({"width": PHONE, "height": 844})
    login(page)
    _positions_with_name(page)
    overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], f"page scrolls sideways at {PHONE}px: {overflow}"

    card = page.locator("#positions table.positions-table tbody tr").first
    for label in (ko.UI_TEXT["col_avg_price"], ko.UI_TEXT["pos_col_unrealized"], "수량"):
        cell = card.locator(f'td[data-label="{label}"]')
        expect(cell).to_be_visible()
        expect(cell).to_contain_text("원" if label != "수량" else "주")
    order = page.locator("#orders-table tbody tr").first
    expect(order.locator("td.col-price")).to_be_visible()
    page.goto("/failed-orders")
    expect(page.locator("#failed-orders-tbody tr td.col-price").first).to_be_visible()

    small = page.evaluate(
        """() => [...document.querySelectorAll('main button, main a.btn, header nav a')]
          .filter(el => el.offsetParent !== null)
          .map(el => [el.textContent.trim(), el.getBoundingClientRect()])
          .filter(([, r]) => r.height < 44 || r.width < 44)
          .map(([text, r]) => `${text} ${Math.round(r.width)}x${Math.round(r.height)}`)"""
    )
    assert not small, f"tap targets under 44px: {small}"


def test_browser_not_found_page_has_navigation_and_no_serious_violation(
    page: Page,
) -> None:
    login(page)
    response = page.goto(NOT_FOUND_PATH)
    assert response is not None
    assert response.status == 404
    expect(page.locator("header nav")).to_be_visible()
    assert not _serious(page)
