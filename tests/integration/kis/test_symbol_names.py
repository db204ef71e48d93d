"""Symbol names from the broker (CTPF1002R on the simulator), cached in the database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from hantu.adapters.clock import SystemClock
from hantu.adapters.db.engine import Database
from hantu.adapters.db.symbol_names_store import SqlNameStore
from hantu.adapters.kis.broker import KisBroker
from hantu.bootstrap.brokers import StaticBrokerDirectory
from hantu.bootstrap.symbol_names import BrokerNames
from hantu.domain.values import Symbol
from hantu.errors import BrokerUnreachable
from hantu.service_layer.symbol_directory import SymbolDirectory

SAMSUNG, HYNIX = Symbol("005930"), Symbol("000660")


class DownSource:
    """A broker that cannot be reached, or answers too late."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls = 0

    async def symbol_name(self, symbol: Symbol) -> str | None:
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        raise BrokerUnreachable("down")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


async def test_broker_stock_name_from_simulator_is_korean(broker: KisBroker) -> None:
    assert await broker.symbol_name(SAMSUNG) == "삼성전자"
    assert await broker.symbol_name(Symbol("999999")) is None


async def test_directory_names_fetched_once_then_cached_in_database(
    db: Database, broker: KisBroker
) -> None:
    directory = SymbolDirectory(
        SqlNameStore(db), BrokerNames(StaticBrokerDirectory(broker)), SystemClock(), wait_seconds=3
    )
    assert await directory.names([SAMSUNG, HYNIX]) == {SAMSUNG: "삼성전자", HYNIX: "SK하이닉스"}
    # A new process with the broker down still knows them, from the table.
    down = DownSource()
    again = SymbolDirectory(SqlNameStore(db), down, SystemClock())
    assert await again.names([SAMSUNG]) == {SAMSUNG: "삼성전자"}
    assert down.calls == 0
    assert await again.resolve("하이닉스") == [HYNIX]
    assert await again.resolve("sk") == [HYNIX]
    assert await again.resolve(" 005930 ") == [SAMSUNG]
    assert await again.resolve("없는이름") == []


async def test_directory_broker_down_leaves_code_without_blocking(db: Database) -> None:
    slow = DownSource(delay=5.0)
    directory = SymbolDirectory(SqlNameStore(db), slow, SystemClock(), lookup_seconds=0.5)
    started = time.monotonic()
    assert await directory.names([SAMSUNG]) == {}
    assert time.monotonic() - started < 1.0
    await directory.aclose()
    # After a failure the broker is not asked again at once.
    failing = DownSource()
    directory = SymbolDirectory(SqlNameStore(db), failing, SystemClock(), wait_seconds=1)
    assert await directory.names([SAMSUNG]) == {}
    assert await directory.names([SAMSUNG]) == {}
    assert failing.calls == 1
