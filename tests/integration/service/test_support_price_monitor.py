"""A position's fixed support price on the running monitor (real bootstrap, the KIS simulator
over real sockets, SQLite and PostgreSQL): set while the symbol is watched, it replaces the
N-day low at once, and a touch of it is the add-buy notice or, in ALERT mode, the alert."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from hantu.bootstrap import App
from hantu.service_layer import account_settings
from tests.fakes_remote.telegram_server import FakeTelegram

from .monitor_support import ACCOUNT
from .monitor_support import buy_and_watch as _buy_and_watch
from .monitor_support import running as _running
from .monitor_support import simulator as _simulator
from .monitor_support import until as _until
from .test_exit_monitor import CODE, SYMBOL
from .test_exit_rules_monitor import _support

USER, STRATEGY = 1, 1  # the demo's
FIXED = Decimal(70_500)


async def _watch_then_fix_the_support(app: App) -> None:
    """Watched, the day's N-day low loaded, then the owner fixes a support above it."""
    await app.exit_rules.service.set_strategy_rules(
        USER, STRATEGY, {"stop_loss_pct": None, "take_profit_pct": None}
    )
    await _buy_and_watch(app)
    assert _support(app) < FIXED  # the N-day low alone would not be touched at 70,500
    feed = _simulator(app).feed
    feed.set_price(CODE, 71_000)  # the first tick of the day loads the levels
    assert app.add_buy is not None
    await app.add_buy.drain()
    feed.set_price(CODE, 70_500)  # no fixed support yet: nothing to tell
    await asyncio.sleep(0.1)
    await app.add_buy.drain()
    view = await app.exit_rules.service.set_position_rules(
        USER, int(ACCOUNT), SYMBOL, {"support_price": "70500"}
    )
    assert view.effective.support_price == FIXED
    feed.set_price(CODE, 70_700)  # above the support: reads it, tells nothing
    await asyncio.sleep(0.1)
    await app.add_buy.drain()
    for _ in range(3):  # touched again and again: told once
        feed.set_price(CODE, 70_500)
        await asyncio.sleep(0.05)
    await app.add_buy.drain()


async def test_a_fixed_support_touch_is_one_add_buy_notice_at_that_price(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    chat = 525252
    telegram = {
        "telegram_bot_token": telegram_server.token,
        "telegram_api_url": telegram_server.base_url,
        "telegram_chat_id": chat,
    }
    async with _running(database_url, tmp_path, **telegram) as app:
        await _watch_then_fix_the_support(app)
        assert app.notifications is not None
        await app.notifications.service.send_due_digests(everything=True)

        async def digested() -> bool:
            return any("추가 매수 기회" in m["text"] for m in telegram_server.sent(chat))

        await _until(digested)
        texts = [m["text"] for m in telegram_server.sent(chat)]

    (digest,) = [t for t in texts if "추가 매수 기회" in t]
    assert digest.count("추가 매수 기회") == 1
    assert "지지선: 70,500원" in digest
    assert "현재가: 70,500원" in digest


async def test_a_fixed_support_touch_in_alert_mode_is_a_buy_alert_at_that_price(
    database_url: str, tmp_path: Path
) -> None:
    async with _running(database_url, tmp_path) as app:
        await account_settings.set_alert_mode(app.accounts, USER, STRATEGY, mode="ALERT")
        await _watch_then_fix_the_support(app)

        async def alerted() -> bool:
            return len(await app.alerts.store.pending_for(USER)) == 1

        await _until(alerted)
        await asyncio.sleep(0.2)
        (alert,) = await app.alerts.store.pending_for(USER)

    assert alert.side.value == "BUY"
    assert alert.limit_price == FIXED
    assert alert.signal["source"] == "add_buy"
    assert alert.signal["support"] == "70500"
