"""Hand-written fakes, only where no real adapter fits (time, recorded notifications)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class FakeClock:
    """A clock that moves only when told to; `sleep` advances it instead of waiting.

    `sleep` yields to the event loop once so other tasks still run, which keeps code that
    polls in a loop from spinning forever.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 20, 0, 30, tzinfo=UTC)  # 09:30 KST, a Friday
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = when

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)
        await asyncio.sleep(0)
