"""Chromium for the browser tests, shared by every `test_browser_*` module: Debian's
`chromium` driven by Playwright's Python package (never `playwright install`).

Import the fixtures into a test module: `from tests.e2e.browser_support import browser, page`.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.streaming import notices_acked
from tests.integration.web.server import ServerThread

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make test does this)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, embedded_server: ServerThread) -> Iterator[Page]:
    context = browser.new_context(base_url=embedded_server.base_url)
    opened = context.new_page()
    opened.on("dialog", lambda dialog: dialog.accept())
    yield opened
    context.close()


def login(page: Page) -> None:
    """Sign in as the demo user and land on the positions page."""
    page.goto("/login")
    page.fill("#username", "demo")
    page.fill("#password", "hantu-demo")
    page.click("#login-submit")
    page.wait_for_url("**/positions")


_login = login  # the older modules' name


def notices_streaming(server: ServerThread, seconds: float = 15.0) -> None:
    """Until the started server's execution notices stream (see `tests.e2e.streaming`)."""
    runtime = server.runtime
    assert runtime is not None
    deadline = time.monotonic() + seconds
    while not server.run(lambda: notices_acked(runtime)):
        if time.monotonic() > deadline:
            raise AssertionError("the execution notices never streamed")
        time.sleep(0.05)
