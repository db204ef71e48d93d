"""Exit rules per strategy and per position on the running monitor (real bootstrap, the KIS
simulator over real sockets, SQLite and PostgreSQL): stored rules decide the levels, a
change applies to a watched position at once, ATR comes from the simulator's daily candles,
and a support touch is an add-buy notice or, in ALERT mode, an alert."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from hantu.adapters.kis.translate import kst_date
from hantu.bootstrap import App
from hantu.domain.alerts import Alert
from hantu.domain.exit_rule_settings import RuleInvalid
from hantu.domain.exits import Candle, ExitState, average_true_range
from hantu.service_layer import account_settings, alerts, queries
from hantu.simulator.rest_charts import past_bars
from tests.fakes_remote.telegram_server import FakeTelegram

from .monitor_support import ACCOUNT
from .monitor_support import buy_and_watch as _buy_and_watch
from .monitor_support import running as _running
from .monitor_support import simulator as _simulator
from .monitor_support import until as _until
from .test_exit_monitor import CODE, SYMBOL, _one_filled_sell

USER, STRATEGY = 1, 1  # the demo's


@pytest.fixture
async def app(database_url: str, tmp_path: Path) -> AsyncIterator[App]:
    async with _running(database_url, tmp_path) as application:
        yield application


def _state(app: App) -> ExitState:
    assert app.monitor is not None
    return app.monitor.watched()[(ACCOUNT, SYMBOL)]


async def test_strategy_rules_decide_the_levels_of_a_new_position(app: App) -> None:
    await app.exit_rules.service.set_strategy_rules(
        USER, STRATEGY, {"stop_loss_pct": "1", "take_profit_pct": "2"}
    )
    await _buy_and_watch(app)
    state = _state(app)
    assert state.stop_level() == Decimal(69_300)  # 70,000 − 1 %
    assert state.take_level() == Decimal(71_400)  # 70,000 + 2 %

    _simulator(app).feed.set_price(CODE, 71_400)
    sell = await _one_filled_sell(app)
    assert sell.source == "monitor:take_profit"
    assert sell.price == 71_400


async def test_a_position_rule_changed_while_watched_applies_from_the_next_tick(app: App) -> None:
    await _buy_and_watch(app)
    feed = _simulator(app).feed
    feed.set_price(CODE, 71_000)  # high-water mark 71,000
    await asyncio.sleep(0.1)
    assert _state(app).take_level() == Decimal(73_500)  # the settings' 5 %

    view = await app.exit_rules.service.set_position_rules(
        USER, int(ACCOUNT), SYMBOL, {"take_profit_pct": "1.5", "trailing_pct": "2"}
    )
    assert view.effective.take_profit_pct == Decimal("1.5")
    state = _state(app)
    assert state.take_level() == Decimal(71_100)  # 70,000 × 1.015 = 71,050 → up to 71,100
    assert state.high_water == Decimal(71_000)  # kept across the change
    assert state.trailing_level() == Decimal(69_600)  # 71,000 − 2 % = 69,580 → 69,600

    feed.set_price(CODE, 71_100)
    sell = await _one_filled_sell(app)
    assert sell.source == "monitor:take_profit"
    assert sell.price == 71_100


async def test_bad_values_store_nothing(app: App) -> None:
    with pytest.raises(RuleInvalid) as caught:
        await app.exit_rules.service.set_strategy_rules(
            USER, STRATEGY, {"take_profit_pct": "3", "stop_loss_pct": "-2"}
        )
    assert caught.value.field == "stop_loss_pct"
    view = await app.exit_rules.service.strategy_rules(USER, STRATEGY)
    assert view.own == {}
    assert view.effective.take_profit_pct == Decimal(5)


async def test_atr_mode_sets_levels_from_the_simulators_daily_candles(app: App) -> None:
    await app.exit_rules.service.set_strategy_rules(
        USER, STRATEGY, {"atr_enabled": True, "atr_stop_k": "1.5", "atr_take_k": "2"}
    )
    await _buy_and_watch(app)
    state = _state(app)
    assert state.atr is not None
    # The same bars the simulator answers: the 15 finished days before today.
    base = _simulator(app).feed[CODE].base
    today = kst_date(app.clock.now())
    assert state.atr == _expected_atr(app, base, today)
    assert state.rules.stop_loss_pct is None  # ATR levels replace the percentages
    stop = state.stop_level()
    assert stop is not None
    assert stop <= Decimal(70_000) - Decimal("1.5") * state.atr + 100
    assert state.take_level() is not None
    assert app.exit_rules.candles.calls == 1  # cached for the day


def _expected_atr(app: App, base: Decimal, today: date) -> Decimal | None:
    history = past_bars(CODE, base, today, 15)  # finished days only
    candles = [Candle(b.high, b.low, b.close) for b in reversed(history)]
    return average_true_range(candles, 14)


def _support(app: App) -> Decimal:
    base = _simulator(app).feed[CODE].base
    yesterday = kst_date(app.clock.now()) - timedelta(days=1)
    bars = past_bars(CODE, base, yesterday + timedelta(days=1), 20)
    return min(bar.low for bar in bars)


async def the_one_alert(app: App) -> Alert:
    """The user's one pending alert, once it came (and no second one came after it)."""

    async def alerted() -> bool:
        return len(await app.alerts.store.pending_for(USER)) == 1

    await _until(alerted)
    await asyncio.sleep(0.2)
    (alert,) = await app.alerts.store.pending_for(USER)
    return alert


async def test_a_support_touch_in_alert_mode_becomes_one_buy_alert(app: App) -> None:
    await account_settings.set_alert_mode(app.accounts, USER, STRATEGY, mode="ALERT")
    await app.exit_rules.service.set_strategy_rules(
        USER, STRATEGY, {"stop_loss_pct": None, "take_profit_pct": None}
    )
    await _buy_and_watch(app)
    support = _support(app)
    _simulator(app).feed.set_price(CODE, 70_000)  # first tick of the day loads the support
    assert app.add_buy is not None
    await app.add_buy.drain()
    await touch(app, support)  # touched again and again: one alert
    alert = await the_one_alert(app)
    assert alert.side.value == "BUY"
    assert alert.symbol == CODE
    assert alert.quantity == 1
    assert alert.limit_price == support
    assert alert.signal["source"] == "add_buy"

    decision = await alerts.approve(app.alerts, alert.id, alerts.AlertActor(USER, "web"))
    assert decision.order_id is not None  # approving places the add-buy
    order = await queries.get_order(app.deps, decision.order_id)
    assert order is not None
    assert order.side == "BUY"
    assert order.quantity == 1


def telegram_to(server: FakeTelegram, chat: int) -> dict[str, object]:
    """Settings that send the app's notifications to `chat` on the fake Bot API."""
    return {
        "telegram_bot_token": server.token,
        "telegram_api_url": server.base_url,
        "telegram_chat_id": chat,
    }


async def touch(app: App, price: Decimal | int, times: int = 3) -> None:
    """The price comes down to `price` again and again; the add-buy work it caused is done."""
    for _ in range(times):
        _simulator(app).feed.set_price(CODE, price)
        await asyncio.sleep(0.05)
    assert app.add_buy is not None
    await app.add_buy.drain()


async def add_buy_digests(app: App, server: FakeTelegram, chat: int) -> list[str]:
    """Send the due digests; the messages to `chat` that tell an add-buy chance."""
    assert app.notifications is not None
    await app.notifications.service.send_due_digests(everything=True)

    async def digested() -> bool:
        return any("추가 매수 기회" in m["text"] for m in server.sent(chat))

    await _until(digested)
    return [m["text"] for m in server.sent(chat) if "추가 매수 기회" in m["text"]]


async def test_a_support_touch_in_auto_mode_is_one_normal_notice_in_the_digest(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    chat = 515151
    async with _running(database_url, tmp_path, **telegram_to(telegram_server, chat)) as app:
        await app.exit_rules.service.set_strategy_rules(USER, STRATEGY, {"stop_loss_pct": None})
        await _buy_and_watch(app)
        support = _support(app)
        _simulator(app).feed.set_price(CODE, 70_000)
        assert app.add_buy is not None
        await app.add_buy.drain()
        await touch(app, support)
        before = [m["text"] for m in telegram_server.sent(chat)]
        texts = await add_buy_digests(app, telegram_server, chat)

    assert not any("추가 매수 기회" in t for t in before)  # NORMAL: not sent at once
    (digest,) = texts
    assert digest.count("추가 매수 기회") == 1  # once per symbol per day
    assert "지지선 근접" in digest
    assert f"{support:,.0f}원" in digest
