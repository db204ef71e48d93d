"""Login attempt limiting over a sliding window, on two budgets: failures for one client and
username (N per window), and failures from one client across all usernames (4 N), so that
neither guessing one password nor trying many usernames goes fast."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from hantu.service_layer.ports import Clock

CLIENT_FACTOR = 4
MAX_KEYS = 10_000


class LoginLimiter:
    """Memory stays bounded: empty windows are pruned when the table grows large."""

    def __init__(self, clock: Clock, *, max_attempts: int, window_seconds: float) -> None:
        self._clock = clock
        self._max = max_attempts
        self._window = timedelta(seconds=window_seconds)
        self._failures: dict[str, deque[datetime]] = {}

    def retry_after(self, client: str, username: str) -> int:
        """Seconds until another attempt is allowed (0 when allowed now)."""
        return max(
            self._wait(_pair(client, username), self._max),
            self._wait(_client(client), self._max * CLIENT_FACTOR),
        )

    def failed(self, client: str, username: str) -> None:
        """Record a failed attempt on both budgets."""
        now = self._clock.now()
        for key in (_pair(client, username), _client(client)):
            self._prune(key).append(now)

    def succeeded(self, client: str, username: str) -> None:
        """Forget this username's failures (the client-wide budget keeps counting)."""
        self._failures.pop(_pair(client, username), None)

    def _wait(self, key: str, limit: int) -> int:
        failures = self._prune(key)
        if len(failures) < limit:
            return 0
        remaining = (failures[-limit] + self._window - self._clock.now()).total_seconds()
        return max(1, int(remaining) + 1)

    def _prune(self, key: str) -> deque[datetime]:
        if len(self._failures) > MAX_KEYS:
            self._failures = {k: v for k, v in self._failures.items() if v}
        failures = self._failures.setdefault(key, deque())
        cutoff = self._clock.now() - self._window
        while failures and failures[0] < cutoff:
            failures.popleft()
        return failures


def _pair(client: str, username: str) -> str:
    return f"{client}|{username.strip().lower()[:64]}"


def _client(client: str) -> str:
    return f"{client}|*"
