"""The settings in a real browser on the embedded defaults: a per-strategy limit is refused in
Korean then saved, and the strategy page reveals its masked token and validates a test
webhook without placing an order."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from hantu import messages_ko as ko
from tests.e2e.browser_support import browser, login, page

pytestmark = pytest.mark.browser
__all__ = ["browser", "page"]


def test_browser_settings_limit_is_checked_saved_and_shown_as_effective(page: Page) -> None:
    login(page)
    page.goto("/settings")
    form = page.locator("form.limits-form").first
    form.locator("input[name=max_symbol_exposure]").fill("-5")
    form.locator("button[type=submit]").click()
    expect(form.locator(".limits-error")).to_have_text(
        ko.settings_page.INVALID_VALUE_TEXT_PART["limit_money"]
    )

    form.locator("input[name=max_symbol_exposure]").fill("1,000,000")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    expect(page.locator("form.limits-form").first).to_contain_text("1,000,000원")
    expect(page.locator("#effective-config")).to_contain_text("HANTU_ORDER_TIMEOUT_SECONDS")


def test_browser_strategy_token_is_revealed_and_test_webhook_places_nothing(page: Page) -> None:
    login(page)
    page.goto("/strategies")
    token = page.locator("code.webhook-token").first
    masked = token.inner_text()
    assert "•" in masked

    page.locator("button.reveal-token").first.click()
    expect(token).to_have_text(re.compile(r"^whk_[A-Za-z0-9_-]{20,}$"))
    page.locator("button.test-webhook").first.click()
    expect(page.locator(".test-result").first).to_contain_text("주문은 보내지 않았습니다")
    expect(page.locator("#guide-timeout")).to_contain_text("3초")


PHONE = {"width": 390, "height": 844}


def _fits_and_is_tappable(page: Page, selector: str) -> int:
    """Every visible match lies inside the screen and is at least 44 by 44 px."""
    seen = 0
    for element in page.locator(selector).all():
        if not element.is_visible():
            continue
        element.scroll_into_view_if_needed()
        box = element.bounding_box()
        assert box is not None
        name = element.evaluate("e => e.outerHTML.slice(0, 80)")
        assert box["x"] >= 0, name
        assert box["x"] + box["width"] <= PHONE["width"] + 0.5, name  # not clipped
        assert box["height"] >= 44, name
        assert box["width"] >= 44, name
        seen += 1
    return seen


def test_browser_settings_fit_a_phone(page: Page) -> None:
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    login(page)
    page.goto("/settings")

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    config = page.locator("#effective-config table.config-table")
    expect(config.locator("thead")).to_have_css("position", "absolute")  # cards, no header row
    row = config.locator("tbody tr").first
    expect(row).to_have_css("display", "block")
    label = row.locator("td").first.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == f'"{ko.UI_TEXT["set_config_name"]}"'  # each card names its fields
    box = row.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= PHONE["width"]

    assert _fits_and_is_tappable(page, "#risk-limits button") >= 1
    assert _fits_and_is_tappable(page, "#risk-limits input:not([type=checkbox])") >= 3
    assert _fits_and_is_tappable(page, "#settings-accounts button") >= 1  # deactivate
    summary = page.locator("#settings-accounts details summary").first
    assert _fits_and_is_tappable(page, "#settings-accounts details summary") >= 1
    summary.click()  # open the edit form: its fields and button fit too
    expect(page.locator("form.account-edit").first).to_be_visible()
    assert _fits_and_is_tappable(page, "form.account-edit button") >= 1
    assert _fits_and_is_tappable(page, "form.account-edit input") >= 4
    assert _fits_and_is_tappable(page, ".limits-form label:has(input[type=checkbox])") >= 1
    assert _fits_and_is_tappable(page, "header a, header button") >= 3  # the navigation
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
