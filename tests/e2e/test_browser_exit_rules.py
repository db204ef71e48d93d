"""Exit-rule forms in Chromium on the embedded product: a strategy's negative stop-loss is
refused in Korean (role=alert) and a good one saved and shown again; a position's stop-loss
switched off on the positions page reaches the running monitor at once."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from hantu import messages_ko as ko
from hantu.domain.values import StrategyAccountId, Symbol
from hantu.service_layer.exit_monitor import ExitMonitor
from tests.e2e.browser_support import login
from tests.e2e.test_browser_positions import _buy_one, _demo_token, _wait_for_position
from tests.integration.web.server import ServerThread

pytestmark = pytest.mark.browser


def test_browser_strategy_exit_rules_refuse_a_negative_stop_then_save(page: Page) -> None:
    login(page)
    page.goto("/strategies")
    details = page.locator("details.exit-rules").first
    details.locator("summary").click()
    form = details.locator("form.exit-rules-form")
    stop = form.locator("input[name=stop_loss_pct]")
    expect(stop).to_have_attribute("placeholder", "기본값: 3")

    stop.fill("-3")
    form.locator("button[type=submit]").click()
    error = form.locator(".exit-rules-error")
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text("손절 비율(%) 값이 올바르지 않습니다")
    expect(error).to_contain_text("0보다 커야")

    stop.fill("2")
    form.locator("input[name=trailing_pct]").fill("4")
    form.locator("button[type=submit]").click()
    expect(error).to_have_text("")
    expect(form.locator(".exit-rules-effective")).to_contain_text("손절 비율(%) 2")

    page.reload()
    details = page.locator("details.exit-rules").first
    details.locator("summary").click()
    expect(details.locator("input[name=stop_loss_pct]")).to_have_value("2")
    expect(details.locator("input[name=trailing_pct]")).to_have_value("4")
    assert ko.exit_rules.FIELD["stop_loss_pct"] == "손절 비율(%)"


def bought_and_watched(server: ServerThread) -> ExitMonitor:
    """One demo share bought and its position watched; the running monitor."""
    _buy_one(server, _demo_token(server))
    _wait_for_position(server)
    assert server.runtime is not None
    monitor = server.runtime.app.monitor
    assert monitor is not None
    key = (StrategyAccountId(1), Symbol("005930"))
    deadline = time.monotonic() + 10
    while key not in monitor.watched() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert key in monitor.watched()
    return monitor


def test_browser_position_stop_switched_off_reaches_the_running_monitor(
    page: Page, embedded_server: ServerThread
) -> None:
    monitor = bought_and_watched(embedded_server)
    key = (StrategyAccountId(1), Symbol("005930"))
    assert monitor.watched()[key].stop_level() is not None

    login(page)
    page.goto("/positions")
    row = page.locator(".positions-table tr[data-symbol='005930']").first
    details = row.locator("details.exit-rules")
    details.locator("summary").click()
    form = details.locator("form.exit-rules-form")
    form.locator("input[name=stop_loss_pct__off]").check()
    form.locator("input[name=take_profit_pct]").fill("12")
    form.locator("button[type=submit]").click()
    expect(form.locator(".exit-rules-effective")).to_contain_text("손절 비율(%) 끄기")

    state = monitor.watched()[key]
    assert state.rules.stop_loss_pct is None
    assert state.rules.take_profit_pct == 12


def test_browser_position_form_survives_a_live_redraw_of_the_positions(
    page: Page, embedded_server: ServerThread
) -> None:
    token = _demo_token(embedded_server)
    _buy_one(embedded_server, token)
    _wait_for_position(embedded_server)
    assert embedded_server.runtime is not None
    monitor = embedded_server.runtime.app.monitor
    assert monitor is not None
    key = (StrategyAccountId(1), Symbol("005930"))

    login(page)
    page.goto("/positions")
    row = page.locator(".positions-table tr[data-symbol='005930']").first
    row.locator("details.exit-rules summary").click()
    expect(row.locator("input[name=stop_loss_pct]")).to_have_attribute("placeholder", "기본값: 3")
    row.locator("input[name=take_profit_pct]").fill("9")  # typed, not saved yet
    row.locator("input[name=trailing_pct__off]").check()
    page.evaluate("document.activeElement.blur()")  # the person looks elsewhere: redraws go on
    page.evaluate("document.querySelector('details.exit-rules').dataset.marker = 'old'")

    _buy_one(embedded_server, token)  # a fill: the live feed redraws the positions section
    page.wait_for_function(
        "() => { const d = document.querySelector('details.exit-rules');"
        " return d && d.dataset.marker !== 'old' && d.dataset.bound === '1' && d.open; }"
    )
    row = page.locator(".positions-table tr[data-symbol='005930']").first
    form = row.locator("form.exit-rules-form")
    expect(form.locator("input[name=stop_loss_pct]")).to_have_attribute("placeholder", "기본값: 3")
    expect(form.locator("input[name=take_profit_pct]")).to_have_value("9")  # the edit survived
    expect(form.locator("input[name=trailing_pct__off]")).to_be_checked()
    form.locator("input[name=stop_loss_pct]").fill("1.5")
    form.locator("button[type=submit]").click()
    expect(form.locator(".exit-rules-effective")).to_contain_text("손절 비율(%) 1.5")
    expect(form.locator(".exit-rules-effective")).to_contain_text("익절 비율(%) 9")
    rules = monitor.watched()[key].rules
    assert (rules.stop_loss_pct, rules.take_profit_pct) == (Decimal("1.5"), Decimal(9))
    assert rules.trailing_pct is None
