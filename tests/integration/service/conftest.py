"""The app wired by the real bootstrap on each database, with a fake clock and the
in-process broker behind the broker port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from hantu.bootstrap import App, build
from hantu.config import Settings
from tests.fakes import FakeClock
from tests.inprocess_broker import InProcessBroker

MakeApp = Callable[..., Awaitable[App]]

ORDER_TIMEOUT = 0.05  # seconds of real time the broker gets before an order is unconfirmed


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def broker(clock: FakeClock) -> InProcessBroker:
    return InProcessBroker(clock)


@pytest.fixture
async def make_app(
    database_url: str, tmp_path: Path, clock: FakeClock, broker: InProcessBroker
) -> AsyncIterator[MakeApp]:
    apps: list[App] = []

    async def make(**overrides: Any) -> App:
        values: dict[str, Any] = {
            "database_url": database_url,
            "data_dir": tmp_path,
            "order_timeout_seconds": ORDER_TIMEOUT,
            "order_queue_seconds": 0.01,  # the in-process broker holds nothing back
            "unconfirmed_grace_seconds": 30,
            "settle_interval_seconds": 0,  # tests reconcile by hand, at their own moments
        }
        values.update(overrides)
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        app = build(settings, clock=clock, brokers=broker)
        await app.start()
        apps.append(app)
        return app

    yield make
    broker.release()
    for app in apps:
        await app.close()


@pytest.fixture
async def app(make_app: MakeApp) -> App:
    return await make_app()
