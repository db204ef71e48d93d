"""A refused exit is placed again, against the simulator over real sockets: a stop-loss the
broker refuses is re-placed under `<trigger key>:x1` and sells exactly once (its failed order
resolved); an exit with no answer in time (it may be at the broker) is never re-placed; a
stop-loss refused on every attempt tells the owner, once, that the position is unprotected; one
rejected for a deactivated account is told at once and never re-placed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select, update

from hantu.adapters.db import tables
from hantu.adapters.db.tables_accounts import broker_accounts
from hantu.bootstrap import App
from hantu.domain.enums import OrderStatus, Side
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
CHAT = 434343  # the operator's chat: the demo user linked none
FAST = {"exit_retry_backoff_seconds": 0.05}  # 0.05, 0.1, 0.2 s instead of 1, 2, 4


async def _unprotected_notices(server: FakeTelegram) -> list[str]:
    """The notices told so far that a position is unprotected, once the first came."""

    async def any_told() -> bool:
        return any("보호 안 됨" in m["text"] for m in server.sent(CHAT))

    await until(any_told)
    await asyncio.sleep(0.5)  # nothing more is placed or told
    return [m["text"] for m in server.sent(CHAT) if "보호 안 됨" in m["text"]]


def _broker_sells(app: App) -> list[int]:
    """The quantities of the sells the simulator took (refused ones never reach its book)."""
    engine = simulator(app).engine
    return [o.qty for a in engine.accounts for o in engine.orders_of(a) if o.side is Side.SELL]


async def _failed_statuses(app: App) -> list[str]:
    f = tables.failed_orders.c
    query = select(f.status).where(f.side == Side.SELL.value)
    async with app.db.connect() as connection:
        return [row[0] for row in (await connection.execute(query)).all()]


async def _closed(app: App) -> bool:
    assert app.monitor is not None
    return (ACCOUNT, Symbol(CODE)) not in app.monitor.watched()


async def test_a_refused_stop_loss_is_re_placed_and_sells_exactly_once(
    database_url: str, tmp_path: Path
) -> None:
    async with running(database_url, tmp_path, **FAST) as app:
        await buy_and_watch(app)
        simulator(app).faults.reject_next_order()  # APBK0919, the first exit only
        simulator(app).feed.set_price(CODE, 67_800)  # through the stop (67,900원)
        await until(lambda: _closed(app))
        await asyncio.sleep(0.5)  # past every backoff: nothing more is placed
        refused, placed = await sells(app)
        broker_sells = _broker_sells(app)
        failed = await _failed_statuses(app)

    assert refused.status is OrderStatus.ERROR
    assert (placed.status, placed.quantity, placed.price) == (OrderStatus.FILLED, 10, 67_800)
    assert placed.idempotency_key == f"{refused.idempotency_key}:x1"
    assert placed.source == refused.source == "monitor:stop_loss"
    assert broker_sells == [10]  # one sell reached the broker
    assert failed == ["resolved"]  # the first refusal's failed order, settled by the retry


async def test_an_unconfirmed_exit_is_never_re_placed(database_url: str, tmp_path: Path) -> None:
    extra = {**FAST, "order_timeout_seconds": 0.5}
    async with running(database_url, tmp_path, **extra) as app:
        await buy_and_watch(app)
        simulator(app).faults.delay_rest(1.5)  # the sell executes; its answer comes too late

        async def unconfirmed() -> bool:
            found = await sells(app)
            return bool(found) and found[0].status is OrderStatus.UNCONFIRMED

        simulator(app).feed.set_price(CODE, 67_800)
        await until(unconfirmed)
        simulator(app).faults.delay_rest(0)
        await asyncio.sleep(1.0)  # past every backoff
        found = await sells(app)
        broker_sells = _broker_sells(app)

    (sell,) = found  # no `:x1`: it may be at the broker, the reconciliation settles it
    assert ":x" not in sell.idempotency_key
    assert broker_sells == [10]


async def test_a_stop_loss_refused_on_every_attempt_tells_the_position_is_unprotected(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    extra = {**FAST, "exit_retry_attempts": 2, **telegram_to(telegram_server, CHAT)}
    async with running(database_url, tmp_path, **extra) as app:
        await buy_and_watch(app)
        for _ in range(3):  # the exit and both re-placements
            simulator(app).faults.reject_next_order("APBK0919", "주문이 거부되었습니다.")
        simulator(app).feed.set_price(CODE, 67_800)
        notices = await _unprotected_notices(telegram_server)
        found = await sells(app)
        broker_sells = _broker_sells(app)
        still_watched = not await _closed(app)

    assert [s.status for s in found] == [OrderStatus.ERROR] * 3
    key = found[0].idempotency_key
    assert [s.idempotency_key for s in found] == [key, f"{key}:x1", f"{key}:x2"]
    assert broker_sells == []
    assert still_watched  # still held, and shown as such
    (notice,) = notices
    assert "긴급: 손절 매도 실패 - 포지션 보호 안 됨" in notice
    assert "손절 매도 10주: 2회 다시 주문했지만 모두 거부되었습니다" in notice
    assert "사유: " in notice


async def test_an_exit_of_a_deactivated_account_is_told_at_once_and_never_re_placed(
    database_url: str, tmp_path: Path, telegram_server: FakeTelegram
) -> None:
    async with running(database_url, tmp_path, **FAST, **telegram_to(telegram_server, CHAT)) as app:
        await buy_and_watch(app)
        deactivate = update(broker_accounts).values(deactivated_at=app.deps.clock.now())
        async with app.db.begin() as connection:
            await connection.execute(deactivate)
        simulator(app).feed.set_price(CODE, 67_800)
        notices = await _unprotected_notices(telegram_server)
        found = await sells(app)

    (sell,) = found  # rejected before any send, and not placed again
    assert sell.status is OrderStatus.REJECTED
    (notice,) = notices
    assert "다시 주문해도 받아들여질 수 없는 거부라 재주문하지 않습니다" in notice


async def test_an_exit_the_exchange_refuses_after_accepting_it_is_placed_again_at_once(
    database_url: str, tmp_path: Path
) -> None:
    # The fill wait is a minute: only the refusal itself, seen by the broker sync, can bring
    # the second sell within the test.
    extra = {**FAST, "exit_fill_wait_seconds": 60, "settle_interval_seconds": 0.2}
    async with running(database_url, tmp_path, **extra) as app:
        await buy_and_watch(app)
        simulator(app).faults.reject_at_exchange_next()  # accepted, then RFUS_YN=1
        simulator(app).feed.set_price(CODE, 67_800)  # through the stop (67,900원)
        await until(lambda: _closed(app))
        await asyncio.sleep(0.5)  # nothing more is placed
        refused, placed = await sells(app)
        broker_sells = _broker_sells(app)

    assert refused.status is OrderStatus.ERROR
    assert (placed.status, placed.quantity, placed.price) == (OrderStatus.FILLED, 10, 67_800)
    assert placed.idempotency_key == f"{refused.idempotency_key}:x1"
    assert placed.source == "monitor:stop_loss"
    assert broker_sells == [10, 10]  # the refused one reached the broker's book, then this one
