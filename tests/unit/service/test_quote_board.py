"""The board that keeps broker reads a few seconds: shared while in flight, kept by the
clock, and a caller that stops waiting leaves the read to finish for the next one."""

from __future__ import annotations

import asyncio

import pytest

from hantu.service_layer.quote_board import QuoteBoard
from tests.fakes import FakeClock


async def test_quote_board_shares_one_read_between_callers_and_keeps_it() -> None:
    clock, board, calls = FakeClock(), QuoteBoard(ttl=3), []
    gate = asyncio.Event()

    async def fetch() -> int:
        calls.append(1)
        await gate.wait()
        return 42

    waiting = [asyncio.ensure_future(board.read("k", fetch, clock, 5)) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()

    assert await asyncio.gather(*waiting) == [42, 42, 42]
    assert await board.read("k", fetch, clock, 5) == 42
    assert len(calls) == 1
    clock.advance(3)
    assert await board.read("k", fetch, clock, 5) == 42
    assert len(calls) == 2


async def test_quote_board_timeout_leaves_the_read_to_finish() -> None:
    clock, board = FakeClock(), QuoteBoard(ttl=3)
    gate = asyncio.Event()

    async def slow() -> str:
        await gate.wait()
        return "late"

    with pytest.raises(TimeoutError):
        await board.read("k", slow, clock, 0.01)
    gate.set()
    await asyncio.sleep(0)
    await asyncio.sleep(0)

    async def never() -> str:
        raise AssertionError("the late answer should have been kept")

    assert await board.read("k", never, clock, 1) == "late"


async def test_quote_board_keeps_no_error() -> None:
    clock, board, calls = FakeClock(), QuoteBoard(ttl=3), []

    async def failing() -> int:
        calls.append(1)
        raise ValueError("down")

    for _ in range(2):
        with pytest.raises(ValueError, match="down"):
            await board.read("k", failing, clock, 1)
    assert len(calls) == 2
