"""The PnL page in Chromium on the embedded product: buy and sell through the demo webhook
(marketable limits, so the simulator fills them), then `/pnl` shows the figures and draws
both charts from hantu's own copy of lightweight-charts, asking no other host."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from playwright.sync_api import Page, expect

from hantu.adapters.passwords import PasswordHashing
from hantu.config import Settings
from tests.e2e.browser_support import login
from tests.integration.web.server import ServerThread

pytestmark = pytest.mark.browser


@pytest.fixture
def embedded_server(tmp_path: Path) -> Iterator[ServerThread]:
    """The embedded defaults with fixed simulator prices, so the figures are known."""
    settings = Settings(_env_file=None, data_dir=tmp_path, simulator_walk_seconds=0)  # type: ignore[call-arg]
    server = ServerThread(settings, {"hasher": PasswordHashing(time_cost=1, memory_cost=8)})
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _webhook(server: ServerThread, **fields: Any) -> None:
    assert server.runtime is not None
    assert server.runtime.demo is not None
    body = {"token": server.runtime.demo.token, "symbol": "005930", "order_type": "LIMIT"}
    response = httpx.post(
        f"{server.base_url}/api/webhook", content=json.dumps({**body, **fields}), timeout=10
    )
    assert response.status_code == 200, response.text


def _wait_for_trades(page: Page, fills: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        total = page.request.get("/api/pnl").json()["total"]
        days = total["days"]
        if fills == 1 and days:
            return
        if fills == 2 and total["realized"] != "0.00":
            return
        time.sleep(0.1)
    raise AssertionError("the fills did not reach the PnL report")


def _move_price(server: ServerThread, price: int) -> None:
    assert server.runtime is not None
    assert server.runtime.simulator is not None
    feed = server.runtime.simulator.feed

    async def move() -> None:
        feed.set_price("005930", price)

    server.run(move)


def test_browser_pnl_page_shows_figures_and_draws_both_charts(
    page: Page, embedded_server: ServerThread
) -> None:
    errors: list[str] = []
    hosts: set[str] = set()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
    login(page)

    _webhook(embedded_server, side="BUY", quantity="2", price="71000")  # at the last price
    _wait_for_trades(page, 1)
    _move_price(embedded_server, 72_000)
    _webhook(embedded_server, side="SELL", quantity="1", price="72000")
    _wait_for_trades(page, 2)

    page.goto("/pnl")
    total = page.locator("#pnl-strategy-table tbody tr").first
    expect(total.locator('[data-figure="realized"]')).to_have_text("1,000원")
    expect(total.locator('[data-figure="unrealized"]')).to_have_text("1,000원")
    expect(total.locator('[data-figure="total"]')).to_have_text("2,000원")
    expect(total.locator('[data-figure="profit_factor"]')).to_have_text("-")  # no losses
    expect(total.locator('[data-figure="realized"]')).to_have_class("num pnl-up")
    expect(page.locator("#pnl-account-table tbody tr")).to_have_count(1)
    expect(page.locator("#nav-pnl")).to_have_attribute("aria-current", "page")
    expect(page.locator("#pnl-equity-chart canvas").first).to_be_visible()
    expect(page.locator("#pnl-daily-chart canvas").first).to_be_visible()
    expect(page.locator("#pnl-charts")).to_have_attribute("data-points", "1")
    attribution = page.locator('#pnl-equity-chart a[href*="tradingview.com"]')
    expect(attribution).to_have_count(1)  # the license's attribution link, kept
    assert attribution.evaluate("e => getComputedStyle(e).position") == "absolute"  # styled

    page.select_option("#pnl-series", index=1)  # the demo strategy's own curve
    expect(page.locator("#pnl-charts")).to_have_attribute("data-points", "1")

    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#pnl-daily-chart canvas").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1

    assert errors == []
    assert hosts == {urlparse(embedded_server.base_url).netloc}


def test_browser_pnl_page_without_fills_shows_the_empty_state(
    page: Page, embedded_server: ServerThread
) -> None:
    login(page)

    page.goto("/pnl")

    expect(page.locator("#pnl-empty")).to_be_visible()
    expect(page.locator("#pnl-charts")).to_have_count(0)
