"""The fill wait of spec 002 §4-1 against the simulator over real sockets: an exit partly
filled when the wait runs out is checked with the broker, warned about ("체결 미확인") and its
remainder re-ordered once under a key of its own (policy reorder), or left resting and only
warned about (policy keep), which is also what happens to a limit that rests unfilled."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hantu.bootstrap import App
from hantu.domain.enums import OrderStatus
from hantu.domain.values import Symbol
from tests.fakes_remote.telegram_server import FakeTelegram
from tests.integration.service.monitor_support import (
    ACCOUNT,
    buy_and_watch,
    running,
    sells,
    simulator,
    telegram_to,
    until,
)

CODE = "005930"
CHAT = 424242  # the operator's chat: the demo user linked none


async def _warnings(server: FakeTelegram) -> list[str]:
    return [m["text"] for m in server.sent(CHAT) if "체결 미확인" in m["text"]]


async def _sell_placed(app: App) -> None:
    async def placed() -> bool:
        return any(s.status is not OrderStatus.NEW for s in await sells(app))

    await until(placed)


async def test_a_partial_exit_fill_has_its_remainder_reordered_once_after_the_wait(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    extra = {"exit_fill_wait_seconds": 0.5, **telegram_to(telegram_server, CHAT)}
    async with running(database_url, tmp_path, **extra) as app:
        await buy_and_watch(app)
        feed = simulator(app).feed
        feed.set_liquidity(CODE, 4)  # the exit fills 4 of 10 on arrival, then rests
        feed.set_price(CODE, 67_800)  # through the stop (67,900원)
        await _sell_placed(app)

        async def partly() -> bool:
            (sell,) = await sells(app)
            return sell.filled == 4

        await until(partly)
        feed.set_liquidity(CODE, None)  # the re-order, at the last price, fills whole

        async def closed() -> bool:
            assert app.monitor is not None
            return (ACCOUNT, Symbol(CODE)) not in app.monitor.watched()

        await until(closed)
        await until(lambda: _told(telegram_server))
        await asyncio.sleep(0.8)  # past another wait: nothing more is placed or told
        first, again = await sells(app)
        warnings = await _warnings(telegram_server)
        assert app.monitor is not None
        assert app.monitor.fill_wait.pending() == []

    assert (first.status, first.quantity, first.filled) == (OrderStatus.CANCELED, 10, 4)
    assert (again.status, again.quantity, again.price) == (OrderStatus.FILLED, 6, 67_800)
    assert again.idempotency_key == f"{first.idempotency_key}:r1"
    assert again.source == first.source == "monitor:stop_loss"
    (warning,) = warnings
    assert "손절 매도 10주 중 6주 미체결" in warning
    assert "잔여 6주 재주문: 67,800원" in warning


async def _told(server: FakeTelegram) -> bool:
    return bool(await _warnings(server))


async def test_an_exit_resting_unfilled_under_keep_is_warned_about_and_left_resting(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    extra = {
        "exit_fill_wait_seconds": 0.5,
        "exit_partial_policy": "keep",
        **telegram_to(telegram_server, CHAT),
    }
    async with running(database_url, tmp_path, **extra) as app:
        await buy_and_watch(app)
        feed = simulator(app).feed
        feed.set_liquidity(CODE, 0)  # nobody buys: the exit limit rests unfilled
        feed.set_price(CODE, 67_800)
        await _sell_placed(app)
        await until(lambda: _told(telegram_server))
        await asyncio.sleep(0.8)
        (sell,) = await sells(app)
        warnings = await _warnings(telegram_server)
        assert app.monitor is not None
        still_watched = (ACCOUNT, Symbol(CODE)) in app.monitor.watched()

    assert (sell.status, sell.filled) == (OrderStatus.SENT, 0)
    (warning,) = warnings
    assert "10주 중 10주 미체결" in warning
    assert "자동 재주문 없음" in warning
    assert still_watched  # the position is still open, and still shown as watched
