"""Concurrent price checks of one symbol read the broker once; a fresh price is reused, a
stale or failed one is not."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from hantu.service_layer.shared_quotes import SharedQuotes
from tests.fakes import FakeClock


class CountingQuote:
    def __init__(self, price: Decimal | None = Decimal(70_000)) -> None:
        self.calls: list[tuple[int, str]] = []
        self.price = price
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self, account: int, symbol: str) -> Decimal | None:
        self.calls.append((account, symbol))
        await self.gate.wait()
        return self.price


async def test_fifty_concurrent_reads_of_one_symbol_ask_the_broker_once() -> None:
    broker = CountingQuote()
    broker.gate.clear()
    quotes = SharedQuotes(broker, FakeClock())
    readers = [asyncio.ensure_future(quotes(1, "005930")) for _ in range(50)]
    await asyncio.sleep(0)
    broker.gate.set()
    prices = await asyncio.gather(*readers)
    assert prices == [Decimal(70_000)] * 50
    assert broker.calls == [(1, "005930")]


async def test_a_fresh_price_is_reused_a_stale_one_read_again_other_keys_apart() -> None:
    broker, clock = CountingQuote(), FakeClock()
    quotes = SharedQuotes(broker, clock, fresh_seconds=1.0)
    await quotes(1, "005930")
    clock.advance(0.5)
    await quotes(1, "005930")  # fresh
    await quotes(2, "005930")  # another account's broker
    await quotes(1, "000660")  # another symbol
    clock.advance(0.6)
    broker.price = Decimal(71_000)
    assert await quotes(1, "005930") == Decimal(71_000)  # 1.1 s old: read again
    assert broker.calls == [(1, "005930"), (2, "005930"), (1, "000660"), (1, "005930")]


async def test_a_failed_read_is_not_kept_and_an_error_reaches_every_waiter() -> None:
    broker = CountingQuote(price=None)
    quotes = SharedQuotes(broker, FakeClock())
    assert await quotes(1, "005930") is None
    broker.price = Decimal(70_000)
    assert await quotes(1, "005930") == Decimal(70_000)
    assert len(broker.calls) == 2

    async def broken(account: int, symbol: str) -> Decimal | None:
        await asyncio.sleep(0)
        raise RuntimeError("broker gone")

    failing = SharedQuotes(broken, FakeClock())
    results = await asyncio.gather(
        *(failing(1, "005930") for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, RuntimeError) for r in results)
    with pytest.raises(RuntimeError):
        await failing(1, "005930")  # nothing cached, asked again
