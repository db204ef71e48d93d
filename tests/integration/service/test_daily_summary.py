"""The close-of-day summary from real fills (the real bootstrap, the KIS simulator over real
sockets, both databases): a buy, a winning and a losing partial sale, the rest held."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hantu.adapters.db.day_results import SqlDayResults
from hantu.adapters.passwords import PasswordHashing
from hantu.bootstrap import App, build
from hantu.bootstrap.monitor_control import SummaryToNotifications
from hantu.config import Settings
from hantu.domain.enums import OrderStatus, OrderType, Side
from hantu.domain.notifications import EventKind
from hantu.domain.values import Quantity
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer import queries
from hantu.service_layer.monitor_notices import send_daily_summary, send_opening_notice
from hantu.service_layer.orders import submit
from hantu.simulator.server import Simulator
from tests.builders import an_order_request
from tests.fakes_remote.telegram_server import FakeTelegram

CODE = "005930"
SEOUL = ZoneInfo("Asia/Seoul")


@dataclass
class Told:
    messages: list[tuple[int, str, str, str]] = field(default_factory=list)

    async def tell(self, user_id: int, key: str, title: str, body: str) -> None:
        self.messages.append((user_id, key, title, body))


async def _until(predicate: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


@asynccontextmanager
async def _running(database_url: str, tmp_path: Path, **extra: Any) -> AsyncIterator[App]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path / "data",
        database_url=database_url,
        settle_interval_seconds=0,
        simulator_walk_seconds=0,
        exit_stop_loss_pct=None,  # only the scripted orders trade, even with the monitor on
        exit_take_profit_pct=None,
        **extra,
    )
    async with build(settings, hasher=PasswordHashing(time_cost=1, memory_cost=8)) as started:
        yield started


@pytest.fixture
async def app(database_url: str, tmp_path: Path) -> AsyncIterator[App]:
    async with _running(database_url, tmp_path) as started:
        yield started


async def _trade(app: App, key: str, side: Side, quantity: int, price: int) -> None:
    simulator = app.simulator
    assert isinstance(simulator, Simulator)
    simulator.feed.set_price(CODE, price)
    request = an_order_request(
        idempotency_key=key, side=side, order_type=OrderType.MARKET, quantity=Quantity(quantity)
    )
    result = await submit(app.deps, request)

    async def filled() -> bool:
        order = await queries.get_order(app.deps, str(result.order.id))
        return order is not None and order.status is OrderStatus.FILLED

    await _until(filled)


async def test_daily_summary_counts_todays_sales_and_lists_what_is_held(app: App) -> None:
    await _trade(app, "buy", Side.BUY, 10, 70_000)
    await _trade(app, "win", Side.SELL, 4, 72_000)  # +8,000원
    await _trade(app, "loss", Side.SELL, 3, 69_000)  # -3,000원
    today = app.clock.now().astimezone(SEOUL).date()
    results = SqlDayResults(app.db)

    (day,) = await results.of_day(today)
    assert sorted(day.trade_pnls) == [Decimal(-3000), Decimal(8000)]
    ((held),) = day.holdings
    assert (held.symbol.code, held.quantity, held.average_price) == (CODE, 3, 70_000)

    told = Told()
    opens = datetime.combine(today + timedelta(days=3), time(9), tzinfo=SEOUL)
    assert await send_daily_summary(results, app.symbol_names, told, today, opens) == 1
    ((user_id, key, title, body),) = told.messages
    assert key == today.isoformat()  # one summary per user and day
    assert app.demo is not None
    demo = await accounts_service.authenticate(app.accounts, app.demo.username, app.demo.password)
    assert demo is not None
    assert user_id == int(demo.id)
    assert title == "⏹️ 실시간 모니터링 종료"
    assert "- 총 거래: 2건" in body
    assert "- 실현 손익: 5,000원" in body
    assert "- 승률: 50.0% (1승 1패)" in body
    assert "- 평균 수익: 8,000원" in body
    assert "- 평균 손실: -3,000원" in body
    assert "🔄 보유 종목: 1개" in body
    assert f"{CODE} 3주 @ 70,000원" in body
    weekday = "월화수목금토일"[opens.weekday()]
    assert body.endswith(f"⏰ 다음 모니터링: {opens.month}월 {opens.day}일({weekday}) 09:00")

    opening = Told()
    assert await send_opening_notice(results, opening, today, 2, 3) == 1
    ((_, _, started_title, started),) = opening.messages
    assert started_title == "🚀 실시간 모니터링 시작"
    assert started == "보유 1개 종목 보호 시작 - 구독 완료: 2/3"

    (yesterday,) = await results.of_day(today - timedelta(days=1))
    assert yesterday.trade_pnls == ()  # another day's sales are not today's
    assert len(yesterday.holdings) == 1


async def test_daily_summary_reaches_telegram_through_the_notification_service(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    chat = 515151  # the operator's chat: the demo user linked none
    telegram = {
        "telegram_bot_token": telegram_server.token,
        "telegram_api_url": telegram_server.base_url,
        "telegram_chat_id": chat,
    }
    async with _running(database_url, tmp_path, **telegram) as app:  # the monitor on
        await _trade(app, "buy", Side.BUY, 10, 70_000)
        await _trade(app, "win", Side.SELL, 10, 71_000)
        today = app.clock.now().astimezone(SEOUL).date()
        notifier = SummaryToNotifications(app.notifications)
        assert await send_daily_summary(SqlDayResults(app.db), app.symbol_names, notifier, today)
        assert app.notifications is not None
        await app.notifications.service.send_due_digests(everything=True)  # normal: batched

        async def told() -> bool:
            return any("총 거래: 1건" in m["text"] for m in telegram_server.sent(chat))

        await _until(told)

        await _trade(app, "again", Side.BUY, 2, 70_000)  # a holding: the open tells its owner
        opening = SummaryToNotifications(app.notifications, EventKind.MONITORING_STARTED)
        assert await send_opening_notice(SqlDayResults(app.db), opening, today, 3, 3) == 1

        async def opened() -> bool:
            return any("모니터링 시작" in m["text"] for m in telegram_server.sent(chat))

        await _until(opened)  # high priority: sent at once, no digest

        assert app.monitor_runtime is not None
        await app.monitor_runtime.control.start()
        await app.monitor_runtime.control.stop()  # a person: every holder is warned

        async def warned() -> bool:
            return any("모니터 정지" in m["text"] for m in telegram_server.sent(chat))

        await _until(warned)
    (summary,) = [m["text"] for m in telegram_server.sent(chat) if "총 거래" in m["text"]]
    assert "실현 손익: 10,000원" in summary
    assert "승률: 100.0% (1승 0패)" in summary
    assert "보유 종목: 0개" in summary
