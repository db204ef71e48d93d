"""The Telegram link in a real browser: the demo user asks for a code on the strategies page,
sends `/start CODE` to the bot (through the fake Bot API, by long polling), and the page then
shows the chat as linked."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from hantu import messages_ko as ko
from hantu.adapters.passwords import PasswordHashing
from hantu.config import Settings
from tests.e2e.browser_support import _login
from tests.fakes_remote.telegram_server import FakeTelegram
from tests.integration.web.server import ServerThread
from tests.integration.web.telegram_support import FAST_POLLING, message

pytestmark = pytest.mark.browser


@pytest.fixture
def bot_server(tmp_path: Path, telegram_server: FakeTelegram) -> Iterator[ServerThread]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        telegram_bot_token=telegram_server.token,
        telegram_api_url=telegram_server.base_url,
    )
    options = {
        "hasher": PasswordHashing(time_cost=1, memory_cost=8),
        "telegram_options": FAST_POLLING,
    }
    server = ServerThread(settings, options)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _reply(server: FakeTelegram, chat_id: int) -> str:
    for _ in range(250):
        if sent := server.sent(chat_id):
            return str(sent[-1]["text"])
        time.sleep(0.02)
    raise AssertionError("the bot did not answer")


def test_browser_telegram_code_links_the_chat_and_the_page_shows_it(
    browser: Browser, bot_server: ServerThread, telegram_server: FakeTelegram
) -> None:
    context = browser.new_context(base_url=bot_server.base_url)
    page: Page = context.new_page()
    try:
        _login(page)
        page.goto("/strategies")
        expect(page.locator("#telegram .telegram-state")).to_have_text(ko.TG_UI_TEXT["not_linked"])
        page.click("#telegram-code")
        expect(page.locator("#telegram-instructions")).to_be_visible()
        command = page.locator("#telegram-command").inner_text()
        telegram_server.push_update(message(8080, 8080, command))
        reply = _reply(telegram_server, 8080)
        page.reload()
        state = page.locator("#telegram .telegram-state")
        expect(state).to_contain_text(ko.TG_UI_TEXT["linked"])
        expect(state).to_contain_text("8080")
    finally:
        context.close()

    assert command.startswith("/start ")
    assert reply == ko.TG_LINKED.format(username="demo")
