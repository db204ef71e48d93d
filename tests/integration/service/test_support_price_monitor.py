"""A position's fixed support price on the running monitor (real bootstrap, the KIS simulator
over real sockets, SQLite and PostgreSQL): set while the symbol is watched, it replaces the
N-day low at once, and a touch of it is the add-buy notice or, in ALERT mode, the alert."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hantu.bootstrap import App
from hantu.service_layer import account_settings
from tests.fakes_remote.telegram_server import FakeTelegram

from .monitor_support import ACCOUNT
from .monitor_support import buy_and_watch as _buy_and_watch
from .monitor_support import running as _running
from .monitor_support import simulator as _simulator
from .test_exit_monitor import CODE, SYMBOL
from .test_exit_rules_monitor import _support, add_buy_digests, telegram_to, the_one_alert, touch

USER, STRATEGY = 1, 1  # the demo's
FIXED = Decimal(70_500)


async def _watch_then_fix_the_support(app: App) -> None:
    """Watched, the day's N-day low loaded, then the owner fixes a support above it."""
    await app.exit_rules.service.set_strategy_rules(
        USER, STRATEGY, {"stop_loss_pct": None, "take_profit_pct": None}
    )
    await _buy_and_watch(app)
    assert _support(app) < FIXED  # the N-day low alone would not be touched at 70,500
    _simulator(app).feed.set_price(CODE, 71_000)  # the first tick of the day loads the levels
    assert app.add_buy is not None
    await app.add_buy.drain()
    await touch(app, FIXED, times=1)  # no fixed support yet: nothing to tell
    view = await app.exit_rules.service.set_position_rules(
        USER, int(ACCOUNT), SYMBOL, {"support_price": "70500"}
    )
    assert view.effective.support_price == FIXED
    await touch(app, 70_700, times=1)  # above the support: reads it, tells nothing
    await touch(app, FIXED)  # touched again and again: told once


async def test_a_fixed_support_touch_is_one_add_buy_notice_at_that_price(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    chat = 525252
    async with _running(database_url, tmp_path, **telegram_to(telegram_server, chat)) as app:
        await _watch_then_fix_the_support(app)
        texts = await add_buy_digests(app, telegram_server, chat)

    (digest,) = texts
    assert digest.count("추가 매수 기회") == 1
    assert "지지선: 70,500원" in digest
    assert "현재가: 70,500원" in digest


async def test_a_fixed_support_touch_in_alert_mode_is_a_buy_alert_at_that_price(
    database_url: str, tmp_path: Path
) -> None:
    async with _running(database_url, tmp_path) as app:
        await account_settings.set_alert_mode(app.accounts, USER, STRATEGY, mode="ALERT")
        await _watch_then_fix_the_support(app)
        alert = await the_one_alert(app)

    assert alert.side.value == "BUY"
    assert alert.limit_price == FIXED
    assert alert.signal["source"] == "add_buy"
    assert alert.signal["support"] == "70500"
