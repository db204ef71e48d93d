"""The close, against the simulator over real sockets on a clock the test jumps: at 15:30 the
monitor unsubscribes and closes its WebSocket, stays disconnected (no reconnect, no sleep-mode
alert) while a fill of the closing auction still lands by the REST sync, and the next
trading day's open connects again and resubscribes."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hantu.adapters.clock import SystemClock
from hantu.adapters.kis.realtime_types import State, Subscription
from hantu.domain.enums import OrderStatus
from hantu.domain.values import Price, Quantity, Symbol
from hantu.service_layer import queries
from hantu.service_layer.orders import submit
from tests.builders import an_order_request
from tests.integration.service.monitor_support import (
    buy_and_watch,
    kis_broker,
    running,
    simulator,
    until,
)

SEOUL = ZoneInfo("Asia/Seoul")
CODE = "005930"


class JumpingClock(SystemClock):
    """Real time shifted by an offset the test jumps; a sleep ends at once when a jump
    passes its end (the schedule's wait for the close), else in real time (pacing)."""

    def __init__(self, start: datetime) -> None:
        self._offset = start - super().now()
        self._jumped = asyncio.Event()

    def now(self) -> datetime:
        return super().now() + self._offset

    async def sleep(self, seconds: float) -> None:
        end = self.now() + timedelta(seconds=seconds)
        while (left := (end - self.now()).total_seconds()) > 0:
            jumped = self._jumped
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(jumped.wait(), left)

    def jump_to(self, when: datetime) -> None:
        self._offset += when - self.now()
        jumped, self._jumped = self._jumped, asyncio.Event()
        jumped.set()


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL)  # type: ignore[misc]


async def test_the_close_disconnects_without_an_alert_and_the_next_open_reconnects(
    database_url: str, tmp_path: Path
) -> None:
    clock = JumpingClock(kst(2026, 12, 22, 15, 29))  # a Tuesday, a minute before the close
    extra = {"monitor_schedule": "krx", "settle_interval_seconds": 0.2}
    async with running(database_url, tmp_path, clock, **extra) as app:
        slept: list[str] = []
        app.realtime.on_sleep(lambda account, reason: slept.append(reason))
        runtime = app.monitor_runtime
        assert runtime is not None
        await buy_and_watch(app)
        realtime = (await kis_broker(app)).realtime
        assert realtime is not None
        sim = simulator(app)
        connections = realtime.connections
        resting = await submit(  # a limit buy still resting at the close
            app.deps,
            an_order_request(
                symbol=Symbol("000660"),
                quantity=Quantity(3),
                price=Price(170_000),
                idempotency_key="closing-auction",
            ),
        )

        clock.jump_to(kst(2026, 12, 22, 15, 30, 1))

        async def disconnected() -> bool:
            return not runtime.control.running and not sim.ws.sessions

        await until(disconnected, 20)
        unsubscribed = ("2", "H0STCNT0", CODE) in sim.ws.requests
        sim.feed.set_price("000660", 170_000)  # the closing auction fills it; no notice

        async def synced() -> bool:
            order = await queries.get_order(app.deps, str(resting.order.id))
            return order is not None and order.status is OrderStatus.FILLED

        await until(synced, 10)
        await asyncio.sleep(1.5)  # past the first back-off step: still nobody reconnects
        stayed_down = (realtime.state, realtime.connections, len(sim.ws.sessions))

        clock.jump_to(kst(2026, 12, 23, 9, 0, 1))

        async def resubscribed() -> bool:
            acked = Subscription("H0STCNT0", CODE) in realtime.acknowledged
            return runtime.control.running and acked

        await until(resubscribed, 20)
        reopened = (realtime.connections, len(sim.ws.sessions))

    assert unsubscribed
    assert stayed_down == (State.IDLE, connections, 0)
    assert reopened == (connections + 1, 1)
    assert slept == []  # a planned disconnect is no emergency
