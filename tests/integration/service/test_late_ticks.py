"""Very late ticks are alerted (spec 002): through the real bootstrap, notification service
and fake Telegram server, a trade 6 s behind the injected clock tells the operator once per
window, naming the symbol and the delay; a trade 2 s late is only logged."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from hantu.domain.values import Quantity, Symbol
from hantu.service_layer.ports import Tick
from tests.fakes_remote.telegram_server import FakeTelegram
from tests.integration.service.monitor_support import running

SAMSUNG = Symbol("005930")
HYNIX = Symbol("000660")


async def test_a_tick_six_seconds_late_tells_the_operator_once_and_two_seconds_only_logs(
    database_url: str,
    tmp_path: Path,
    telegram_server: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    chat = 515151  # the operator's chat
    telegram = {
        "telegram_bot_token": telegram_server.token,
        "telegram_api_url": telegram_server.base_url,
        "telegram_chat_id": chat,
    }
    async with running(database_url, tmp_path, **telegram) as app:
        assert app.monitor is not None
        monitor = app.monitor
        await app.symbol_names.names([SAMSUNG, HYNIX])  # the directory knows them by now

        def late(symbol: Symbol, seconds: float) -> Tick:
            at = app.deps.clock.now() - timedelta(seconds=seconds)
            return Tick(symbol, Decimal(70_000), Quantity(1), at)

        with caplog.at_level(logging.WARNING, "hantu.service_layer.exit_monitor"):
            monitor.on_tick(late(HYNIX, 2))
        await monitor.drain()
        monitor.on_tick(late(SAMSUNG, 6))
        await monitor.drain()

        async def told() -> list[str]:
            return [m["text"] for m in telegram_server.sent(chat) if "체결 수신 지연" in m["text"]]

        for _ in range(100):
            if await told():
                break
            await asyncio.sleep(0.05)
        monitor.on_tick(late(SAMSUNG, 7))  # within the window: nothing more
        await monitor.drain()
        await asyncio.sleep(0.5)
        notices = await told()

    (notice,) = notices
    assert "삼성전자 005930" in notice
    assert "지연: 6.0초" in notice
    assert "000660" not in " ".join(notices)
    assert any("000660 arrived 2.0 s late" in r.getMessage() for r in caplog.records)
