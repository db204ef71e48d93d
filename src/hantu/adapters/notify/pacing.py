"""Per-chat pacing under the channels' flood limits: a pure core and an async wrapper.

Telegram's published limits (Bot FAQ): about 1 message per second in one chat, 20 per minute
in one group, 30 per second for the whole bot. Slack's chat.postMessage allows about 1 per
second per channel. `Pacer.reserve` finds the earliest moment a message may leave without
breaking any window and books it, so concurrent senders get distinct slots without a lock
(reserve has no await inside).
"""

from __future__ import annotations

import asyncio
import math
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable
from dataclasses import dataclass, field

from hantu.service_layer.notify_ports import DeliveryResult, Notifier, OutgoingMessage
from hantu.service_layer.ports import Clock


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `count` messages in any `seconds`-long window."""

    count: int
    seconds: float


@dataclass(frozen=True, slots=True)
class PacingRules:
    per_chat: Limit | None = Limit(1, 1.0)
    per_group: Limit | None = Limit(20, 60.0)
    per_bot: Limit | None = Limit(30, 1.0)
    is_group: Callable[[str], bool] = field(default=lambda chat: chat.startswith("-"))


TELEGRAM_RULES = PacingRules()
SLACK_RULES = PacingRules(per_group=None, per_bot=None, is_group=lambda _: False)


@dataclass(slots=True)
class _Window:
    limit: Limit
    times: list[float] = field(default_factory=list)

    def earliest(self, t: float) -> float:
        """The first moment ≥ t at which one more booking keeps every window within limit."""
        count, span = self.limit.count, self.limit.seconds
        while True:
            near = self.times[
                bisect_right(self.times, t - span) : bisect_left(self.times, t + span)
            ]
            near_with_t = sorted([*near, t])
            at = near_with_t.index(t)
            # Any run of count+1 bookings containing t that fits in less than `span` breaks
            # the limit; move t past the run's first booking's window and look again.
            clash = next(
                (
                    near_with_t[i]
                    for i in range(max(0, at - count), at + 1)
                    if i + count < len(near_with_t)
                    and near_with_t[i + count] - near_with_t[i] < span
                ),
                None,
            )
            if clash is None:
                return t
            # nextafter: in floating point `clash + span` can round back down to t.
            t = max(clash + span, math.nextafter(t, math.inf))

    def book(self, now: float) -> None:
        del self.times[: bisect_right(self.times, now - 2 * self.limit.seconds)]
        insort(self.times, now)


@dataclass(slots=True)
class Pacer:
    """Books send times; times are seconds on any non-decreasing scale the caller picks."""

    rules: PacingRules = TELEGRAM_RULES
    _chats: dict[str, _Window] = field(default_factory=dict)
    _groups: dict[str, _Window] = field(default_factory=dict)
    _bot: _Window | None = None

    def admit(self, chat: str, now: float) -> float:
        """Book a send to `chat` at `now` and return 0 if every limit allows it; otherwise book
        nothing and return how long to wait before asking again."""
        windows = self._windows(chat)
        t = now
        while True:
            moved = t
            for window in windows:
                moved = window.earliest(moved)
            if moved == t:
                break
            t = moved
        if t > now:
            return t - now
        for window in windows:
            window.book(now)
        return 0.0

    def _windows(self, chat: str) -> list[_Window]:
        rules, windows = self.rules, []
        if rules.per_chat is not None:
            windows.append(self._chats.setdefault(chat, _Window(rules.per_chat)))
        if rules.per_group is not None and rules.is_group(chat):
            windows.append(self._groups.setdefault(chat, _Window(rules.per_group)))
        if rules.per_bot is not None:
            if self._bot is None:
                self._bot = _Window(rules.per_bot)
            windows.append(self._bot)
        return windows


class PacedNotifier:
    """Waits (on the injected clock) for the pacer's slot, then sends through `inner`.

    One chat is one lane: a message starts only after the chat's previous one was answered,
    so a chat sees its messages in order, and slow answers cannot bunch its sends together.
    """

    def __init__(self, inner: Notifier, clock: Clock, pacer: Pacer | None = None) -> None:
        self.name = inner.name
        self._inner = inner
        self._clock = clock
        self._pacer = pacer or Pacer()
        self._lanes: dict[str, asyncio.Lock] = {}

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        lane = self._lanes.setdefault(message.chat, asyncio.Lock())
        async with lane:
            while (delay := self._pacer.admit(message.chat, self._clock.now().timestamp())) > 0:
                await self._clock.sleep(delay)
            return await self._inner.send(message)
