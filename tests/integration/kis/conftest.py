"""Wiring `KisBroker` to the simulator over real loopback sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from hantu.adapters.clock import SystemClock
from hantu.adapters.kis.auth import KisCredentials
from hantu.adapters.kis.broker import KisBroker, KisConnection, build_kis_broker
from hantu.adapters.kis.transport import KisHttp
from hantu.config import KisEnvironment
from hantu.service_layer.ports import Clock
from tests.fixtures.kis_simulator import KisSimHandle

ORDER_TIMEOUT = 1.0


def connection_for(sim: KisSimHandle, cache_dir: Path, **options: Any) -> KisConnection:
    """How our adapter reaches this simulator: its URLs alone, as for any KIS client."""
    options.setdefault("subscribe_interval", 0.01)
    options.setdefault("token_cache_dir", cache_dir)
    return KisConnection(
        environment=KisEnvironment.SIMULATOR,
        credentials=KisCredentials(sim.app_key, sim.app_secret, sim.account, sim.hts_id),
        rest_base_url=sim.rest_url,
        ws_url=sim.ws_url,
        **options,
    )


@pytest.fixture
async def http() -> AsyncIterator[KisHttp]:
    async with KisHttp(timeout=ORDER_TIMEOUT, trust_env=False) as client:
        yield client


MakeBroker = Callable[..., KisBroker]


@pytest.fixture
async def make_broker(http: KisHttp, tmp_path: Path) -> AsyncIterator[MakeBroker]:
    made: list[KisBroker] = []

    def make(sim: KisSimHandle, clock: Clock | None = None, **options: Any) -> KisBroker:
        handlers = options.pop("handlers", None)
        broker = build_kis_broker(
            connection_for(sim, tmp_path / "cache", **options),
            http,
            clock or SystemClock(),
            handlers=handlers,
        )
        made.append(broker)
        return broker

    yield make
    for broker in made:
        await broker.aclose()


@pytest.fixture
def broker(kis_sim: KisSimHandle, make_broker: MakeBroker) -> KisBroker:
    return make_broker(kis_sim)
