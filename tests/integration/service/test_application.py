"""The one application on embedded defaults, on each database: `build(settings)` starts the
KIS simulator in-process, an order placed through `application.deps` is filled by the
supervised fill pump from the WebSocket notice, and after exit nothing is left running; a
fill pump whose stream breaks is alerted and restarted; realtime callbacks hear ticks."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from hantu.adapters.kis.broker import KisBroker
from hantu.adapters.kis.realtime_types import Subscription
from hantu.adapters.passwords import PasswordHashing
from hantu.bootstrap import AccountBrokers, build
from hantu.config import Settings
from hantu.domain.accounts import BrokerCredentials
from hantu.domain.enums import OrderStatus
from hantu.domain.values import Quantity, StrategyAccountId, Symbol
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer import queries
from hantu.service_layer.accounts import NewBrokerAccount
from hantu.service_layer.orders import submit
from hantu.service_layer.ports import Broker, FillNotice, Tick
from tests.builders import an_order_request
from tests.fakes import FakeClock
from tests.inprocess_broker import InProcessBroker


def _open_sockets() -> int:
    return sum(
        os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        for fd in os.listdir("/proc/self/fd")
        if os.path.exists(f"/proc/self/fd/{fd}")
    )


async def _until(predicate: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_build_on_simulator_defaults_fills_an_order_through_the_fill_pump(
    database_url: str, backend: str, tmp_path: Path
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path / "data",
        database_url=database_url,
        settle_interval_seconds=0,  # the fill can come only through the notice stream
        simulator_walk_seconds=0,  # the price stays where the test sets it
    )
    before_tasks = asyncio.all_tasks()
    before_sockets = _open_sockets()
    application = build(settings, hasher=PasswordHashing(time_cost=1, memory_cost=8))

    async with application:
        simulator = application.simulator
        assert simulator is not None
        assert application.demo is not None
        simulator.feed.set_price("005930", 70_000)
        result = await submit(application.deps, an_order_request(quantity=Quantity(1)))

        async def filled() -> bool:
            order = await queries.get_order(application.deps, str(result.order.id))
            return order is not None and order.status is OrderStatus.FILLED

        await _until(filled)
        services = application.supervisor.running()

    live = ["live-channel"] if backend == "postgresql" else []  # SQLite: one process
    assert services == [
        "notify-relay",
        "notify-digests",
        "exit-monitor",
        *live,
        "alert-sweeper",
        "fills:1",
    ]
    assert asyncio.all_tasks() - before_tasks == set()
    assert _open_sockets() <= before_sockets
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(simulator.rest_url)


async def test_build_realtime_callbacks_hear_the_ticks_of_a_watched_symbol(
    tmp_path: Path,
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path, settle_interval_seconds=0, simulator_walk_seconds=0
    )
    application = build(settings, hasher=PasswordHashing(time_cost=1, memory_cost=8))
    ticks: list[Tick] = []
    application.realtime.on_tick(ticks.append)  # registered before any broker exists

    async with application:
        simulator = application.simulator
        assert simulator is not None
        broker = await application.deps.brokers.broker_for(1)  # the demo's account
        assert isinstance(broker, KisBroker)
        assert broker.realtime is not None
        realtime = broker.realtime
        broker.watch(Symbol("005930"))

        async def subscribed() -> bool:
            return Subscription("H0STCNT0", "005930") in realtime.acknowledged

        await _until(subscribed)
        simulator.feed.walk(["005930"])
        traded = [t for _ in range(5) for t in simulator.feed.step()]

        async def heard() -> bool:
            return len(ticks) >= len(traded)

        await _until(heard)

    assert [(t.price, t.volume) for t in ticks] == [(t.price, t.qty) for t in traded]


class _StreamBreaksOnce(InProcessBroker):
    """Its first notice stream dies at once, as a dropped connection would end it."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__(clock)
        self.streams = 0

    async def fill_notices(self) -> AsyncIterator[FillNotice]:
        self.streams += 1
        if self.streams == 1:
            raise ConnectionResetError("the notice stream broke")
        async for notice in super().fill_notices():
            yield notice


async def test_build_crashed_fill_pump_is_alerted_restarted_and_still_fills(
    database_url: str, tmp_path: Path
) -> None:
    clock = FakeClock()
    broker = _StreamBreaksOnce(clock)
    crashes: list[tuple[str, Exception]] = []

    async def factory(_credentials: BrokerCredentials) -> Broker:
        return broker

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path, database_url=database_url, settle_interval_seconds=0
    )
    application = build(
        settings,
        clock=clock,
        brokers=AccountBrokers(factory),
        hasher=PasswordHashing(time_cost=1, memory_cost=8),
        on_crash=lambda name, exc: crashes.append((name, exc)),
    )
    async with application:
        accounts = application.accounts
        user = await accounts_service.create_user(accounts, "alice", "correct-horse-battery")
        form = NewBrokerAccount("main", "SIMULATOR", "k" * 36, "s" * 180, "50123456-01", "hts1")
        account = await accounts_service.add_broker_account(accounts, user.id, form)
        strategy, _ = await accounts_service.create_strategy(accounts, user.id, "alpha")
        link = await accounts_service.link_account(accounts, user.id, strategy.id, account.id)
        request = an_order_request(strategy_account_id=StrategyAccountId(link.id))
        result = await submit(application.deps, request)
        assert result.order.broker_order_id is not None

        async def restarted() -> bool:
            return broker.streams == 2

        await _until(restarted, seconds=5.0)  # after the first backoff step (1 s)
        broker.fill(result.order.broker_order_id, 10)

        async def filled() -> bool:
            order = await queries.get_order(application.deps, str(result.order.id))
            return order is not None and order.status is OrderStatus.FILLED

        await _until(filled)
        broker.release()

    assert [(name, type(exc)) for name, exc in crashes] == [
        (f"fills:{account.id}", ConnectionResetError)
    ]
