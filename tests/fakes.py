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


class ParkingClock(FakeClock):
    """A FakeClock whose sleeps of `park` seconds or more wait for `unpark()` first.

    Short sleeps (back-off steps) pass at once as on FakeClock; a long one (the realtime
    sleep state's slow retry) parks, so a test can look at the state it waits in.
    """

    def __init__(self, park: float, start: datetime | None = None) -> None:
        super().__init__(start)
        self._park = park
        self._gate = asyncio.Event()
        self.parked = 0

    async def sleep(self, seconds: float) -> None:
        if seconds >= self._park:
            self.parked += 1
            try:
                await self._gate.wait()
            finally:
                self.parked -= 1
        await super().sleep(seconds)

    def unpark(self) -> None:
        """Let every parked sleep end; later long sleeps park again."""
        self._gate.set()
        self._gate = asyncio.Event()
