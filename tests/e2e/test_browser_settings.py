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
