"""The ATR trailing multiple and the fixed add-buy support price on the positions page, in
Chromium at phone width on the embedded product: an off-grid support is refused in Korean
(role=alert), both fields saved reach the running monitor and come back after a reload,
and the open form has no serious accessibility violation nor sideways scroll."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Locator, Page, expect

from hantu.domain.values import StrategyAccountId, Symbol
from tests.e2e.browser_support import login
from tests.e2e.test_browser_accessibility import PHONE, _readable, _serious
from tests.e2e.test_browser_exit_rules import bought_and_watched
from tests.integration.web.server import ServerThread

pytestmark = pytest.mark.browser
KEY = (StrategyAccountId(1), Symbol("005930"))  # the demo's strategy account


def _open_form(page: Page) -> Locator:
    row = page.locator(".positions-table tr[data-symbol='005930']").first
    row.locator("details.exit-rules summary").click()
    form = row.locator("form.exit-rules-form")
    expect(form.locator("input[name=support_price]")).to_have_attribute(
        "placeholder", "최근 일봉 최저가"
    )
    return form


def test_browser_phone_sets_the_atr_trail_and_support_price_of_a_position(
    page: Page, embedded_server: ServerThread
) -> None:
    monitor = bought_and_watched(embedded_server)
    assert monitor.watched()[KEY].rules.trailing_atr_k is None

    page.set_viewport_size({"width": PHONE, "height": 844})
    login(page)
    page.goto("/positions")
    form = _open_form(page)
    support = form.locator("input[name=support_price]")
    support.fill("70550")  # 50,000-200,000 trades in 100 won steps
    form.locator("button[type=submit]").click()
    error = form.locator(".exit-rules-error")
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text("고정 지지선(원) 값이 올바르지 않습니다")
    expect(error).to_contain_text("호가 단위")
    expect(support).to_have_attribute("aria-invalid", "true")
    expect(support).to_be_focused()

    support.fill("70500")
    form.locator("select[name=atr_enabled]").select_option("true")
    form.locator("input[name=atr_trail_k]").fill("2")
    form.locator("button[type=submit]").click()
    expect(error).to_have_text("")
    effective = form.locator(".exit-rules-effective")
    expect(effective).to_contain_text("고정 지지선(원) 70,500원")
    expect(effective).to_contain_text("ATR 방식 켜기 (2 / 3 / 2, 14)")

    state = monitor.watched()[KEY]
    assert state.atr is not None  # the simulator's daily candles
    assert state.rules.trailing_atr_k == Decimal(2)
    assert state.rules.trailing_pct is None

    overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], f"page scrolls sideways at {PHONE}px: {overflow}"
    found = _serious(page)
    assert not found, _readable("/positions (form open)", PHONE, found)

    page.reload()
    form = _open_form(page)
    expect(form.locator("input[name=support_price]")).to_have_value("70500")
    expect(form.locator("input[name=atr_trail_k]")).to_have_value("2")
    expect(form.locator("select[name=atr_enabled]")).to_have_value("true")


def test_browser_strategy_form_has_the_atr_trail_but_no_support_price(page: Page) -> None:
    login(page)
    page.goto("/strategies")
    details = page.locator("details.exit-rules").first
    details.locator("summary").click()
    form = details.locator("form.exit-rules-form")
    expect(form.locator("input[name=atr_trail_k]")).to_have_attribute("placeholder", "기본값: 끄기")
    expect(form.locator("input[name=support_price]")).to_have_count(0)

    form.locator("input[name=atr_trail_k]").fill("1.5")
    form.locator("button[type=submit]").click()
    expect(form.locator(".exit-rules-error")).to_have_text("")
    page.reload()
    details = page.locator("details.exit-rules").first
    details.locator("summary").click()
    expect(details.locator("input[name=atr_trail_k]")).to_have_value("1.5")
