"""Login attempt limiting over a sliding window, on two budgets: attempts for one client and
username (N per window), and attempts from one client across all usernames (4 N), so that
neither guessing one password nor trying many usernames goes fast.

An attempt is counted *before* its password is checked, in one step with no `await` between
the check and the count: 30 wrong passwords sent at once for one user get N verifications,
not 30. A success gives the attempt back (the username's budget is reset, the client-wide
one loses that attempt). The counts live in this process, which serves every login.
"""

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
        self._attempts: dict[str, deque[datetime]] = {}

    def attempt(self, client: str, username: str) -> int:
        """Count one attempt and return 0, or return the seconds to wait (nothing counted)."""
        wait = max(
            self._wait(_pair(client, username), self._max),
            self._wait(_client(client), self._max * CLIENT_FACTOR),
        )
        if wait:
            return wait
        now = self._clock.now()
        for key in (_pair(client, username), _client(client)):
            self._prune(key).append(now)
        return 0

    def succeeded(self, client: str, username: str) -> None:
        """The password was right: forget this username's attempts, give one back to the
        client-wide budget."""
        self._attempts.pop(_pair(client, username), None)
        attempts = self._attempts.get(_client(client))
        if attempts:
            attempts.pop()

    def _wait(self, key: str, limit: int) -> int:
        attempts = self._prune(key)
        if len(attempts) < limit:
            return 0
        remaining = (attempts[-limit] + self._window - self._clock.now()).total_seconds()
        return max(1, int(remaining) + 1)

    def _prune(self, key: str) -> deque[datetime]:
        if len(self._attempts) > MAX_KEYS:
            self._attempts = {k: v for k, v in self._attempts.items() if v}
        attempts = self._attempts.setdefault(key, deque())
        cutoff = self._clock.now() - self._window
        while attempts and attempts[0] < cutoff:
            attempts.popleft()
        return attempts


def _pair(client: str, username: str) -> str:
    return f"{client}|{username.strip().lower()[:64]}"


def _client(client: str) -> str:
    return f"{client}|*"
