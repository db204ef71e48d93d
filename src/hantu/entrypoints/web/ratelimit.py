"""Login attempt limiting: at most N failures per window for one client and username."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from hantu.service_layer.ports import Clock


class LoginLimiter:
    """Sliding-window failure counter; memory is bounded by pruning on every call."""

    def __init__(self, clock: Clock, *, max_attempts: int, window_seconds: float) -> None:
        self._clock = clock
        self._max = max_attempts
        self._window = timedelta(seconds=window_seconds)
        self._failures: dict[str, deque[datetime]] = {}

    def retry_after(self, key: str) -> int:
        """Seconds until another attempt is allowed (0 when allowed now)."""
        failures = self._prune(key)
        if len(failures) < self._max:
            return 0
        oldest = failures[0]
        remaining = (oldest + self._window - self._clock.now()).total_seconds()
        return max(1, int(remaining) + 1)

    def failed(self, key: str) -> None:
        """Record a failed attempt."""
        self._prune(key).append(self._clock.now())

    def succeeded(self, key: str) -> None:
        """Forget the failures of a client that has now signed in."""
        self._failures.pop(key, None)

    def _prune(self, key: str) -> deque[datetime]:
        failures = self._failures.setdefault(key, deque())
        cutoff = self._clock.now() - self._window
        while failures and failures[0] < cutoff:
            failures.popleft()
        if len(self._failures) > 10_000:
            self._failures = {k: v for k, v in self._failures.items() if v}
        return failures
