"""The tick buffer stays within its cap and its one-minute window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from hantu.domain.tick_buffer import BufferedTick, TickBuffer

T0 = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)


def _tick(seconds: float) -> BufferedTick:
    return BufferedTick(T0 + timedelta(seconds=seconds), Decimal(70_000), Decimal(1))


def test_window_drops_old_and_age() -> None:
    buffer = TickBuffer()
    buffer.add("005930", _tick(0))
    assert buffer.add("005930", _tick(61)) == 1
    assert len(buffer.ticks("005930")) == 1
    assert buffer.last_tick_age("005930", T0 + timedelta(seconds=63)) == timedelta(seconds=2)
    assert buffer.last_tick_age("000660", T0) is None
    assert buffer.prune(T0 + timedelta(seconds=200)) == 1


@given(st.integers(1, 20), st.lists(st.integers(0, 5), max_size=200))
def test_never_more_than_cap(cap: int, gaps: list[int]) -> None:
    buffer = TickBuffer(cap=cap)
    elapsed = 0
    for gap in gaps:
        elapsed += gap
        buffer.add("005930", _tick(elapsed))
        assert len(buffer.ticks("005930")) <= cap
        assert all(t.at >= T0 + timedelta(seconds=elapsed - 60) for t in buffer.ticks("005930"))
