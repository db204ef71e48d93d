"""Retry with backoff around any notifier, and the emergency fallback to a second channel.

Retry: TRANSIENT waits the backoff (base, 2×base, … up to `max_delay`); RETRY_AFTER waits the
channel's own `retry_after` — unless that is longer than `max_retry_after`, when waiting in
line would be worse than reporting it (the outbox may reschedule; an emergency falls back).
PERMANENT is returned at once. Waiting goes through the injected clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hantu.service_layer.notify_ports import (
    DeliveryResult,
    DeliveryStatus,
    Notifier,
    OutgoingMessage,
)
from hantu.service_layer.ports import Clock


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 60.0

    def backoff(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (1-based)."""
        return min(self.base_delay * 2.0 ** (attempt - 1), self.max_delay)

    def wait_after(self, result: DeliveryResult, attempt: int) -> float | None:
        """How long to wait before trying again, or None to stop with `result`."""
        if attempt >= self.attempts or not result.retryable:
            return None
        if result.status is DeliveryStatus.RETRY_AFTER:
            seconds = result.retry_after or 0.0
            return seconds if seconds <= self.max_retry_after else None
        return self.backoff(attempt)


class RetryingNotifier:
    """Sends through `inner` until delivered, permanently refused, or out of attempts."""

    def __init__(self, inner: Notifier, clock: Clock, policy: RetryPolicy | None = None) -> None:
        self.name = inner.name
        self._inner = inner
        self._clock = clock
        self._policy = policy or RetryPolicy()

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        attempt = 1
        while True:
            result = await self._inner.send(message)
            wait = self._policy.wait_after(result, attempt)
            if wait is None:
                return replace(result, attempts=attempt)
            await self._clock.sleep(wait)
            attempt += 1


class FallbackNotifier:
    """Emergencies: try `primary`; if it cannot deliver, send the same text to `fallback`'s
    `fallback_chat`. The result says which channel took it; if neither did, the primary's
    failure is returned with the fallback's appended."""

    def __init__(self, primary: Notifier, fallback: Notifier, fallback_chat: str) -> None:
        self.name = f"{primary.name}+{fallback.name}"
        self._primary = primary
        self._fallback = fallback
        self._fallback_chat = fallback_chat

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        first = await self._primary.send(message)
        if first.ok:
            return first
        second = await self._fallback.send(replace(message, chat=self._fallback_chat))
        if second.ok:
            return replace(second, detail=f"{self._primary.name}: {first.detail}")
        detail = f"{self._primary.name}: {first.detail}; {self._fallback.name}: {second.detail}"
        return replace(first, detail=detail, attempts=first.attempts + second.attempts)
