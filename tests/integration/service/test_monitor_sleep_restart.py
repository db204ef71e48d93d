"""The way out of the sleep mode, end to end (the simulator over real sockets, the fake
Telegram Bot API, both databases): five refused reconnects put the stream to sleep, the
operator is told at once, REST polling protects the position meanwhile, and only a restart
brings the stream back, after which the position is protected by the WebSocket again."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hantu import messages_ko as ko
from hantu.adapters.kis.realtime_types import State, Subscription
from hantu.domain.monitor_state import MonitorState
from hantu.domain.monitor_status import Protection
from tests.fakes_remote.telegram_server import FakeTelegram
from tests.integration.service.monitor_support import (
    HurriedClock,
    buy_and_watch,
    kis_broker,
    running,
    simulator,
    until,
)
from tests.integration.service.test_exit_monitor import CODE, _one_filled_sell

CHAT = 990_001
TRADES = Subscription("H0STCNT0", CODE)


async def test_the_sleep_mode_is_told_polled_meanwhile_and_left_only_by_a_restart(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    extra = {
        "telegram_bot_token": telegram_server.token,
        "telegram_api_url": telegram_server.base_url,
        "telegram_chat_id": CHAT,
    }
    async with running(database_url, tmp_path, HurriedClock(), **extra) as app:
        assert app.monitor_runtime is not None
        control = app.monitor_runtime.control
        await buy_and_watch(app)
        realtime = (await kis_broker(app)).realtime
        assert realtime is not None
        sim = simulator(app)
        sim.faults.refuse_websockets(3600)
        sim.faults.drop_websockets()

        async def asleep() -> bool:
            return realtime.state is State.SLEEPING

        await until(asleep, 15)
        sleeping = await control.status()

        async def told() -> bool:
            return any(_is_sleep_notice(m["text"]) for m in telegram_server.sent(CHAT))

        await until(told, 10)
        sim.faults.refuse_websockets(0)  # the broker is back, but the sleep mode stays
        await asyncio.sleep(1.0)
        still_asleep = realtime.state is State.SLEEPING

        restarted = await control.restart()

        async def streamed() -> bool:
            status = await control.status()
            acked = TRADES in realtime.subscriptions
            websocket = [p.protection for p in status.positions] == [Protection.WEBSOCKET]
            return realtime.state is State.CONNECTED and acked and websocket

        await until(streamed, 10)
        sim.feed.set_price(CODE, 67_400)  # through the stop (67,900원)
        sell = await _one_filled_sell(app)
        notices = [m for m in telegram_server.sent(CHAT) if _is_sleep_notice(m["text"])]

    assert sleeping.state is MonitorState.SLEEPING
    assert [p.protection for p in sleeping.positions] == [Protection.REST_POLLING]
    assert still_asleep
    assert restarted.running
    assert sell.source == "monitor:stop_loss"
    assert sell.quantity == 10
    assert len(notices) == 1  # told once, not again by the restart


def _is_sleep_notice(text: str) -> bool:
    return text.startswith(ko.NOTIFY_CONNECTION_FAILED_TITLE)
