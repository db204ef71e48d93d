"""The KIS gateway's bookkeeping: access tokens, WS approval keys, per-app-key rate limits.

Token rules (reference §2.1): issuance at most once a minute per app key (403 `EGW00133`);
a request after that minute but within 6 hours of issuance returns the **same** token
(the official sample's comment); a token lives 86,400 s. Validation answers `EGW00121`
(invalid) or `EGW00123` (expired), as §5.2 lists.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from hantu.service_layer.ports import Clock

TOKEN_LIFETIME = timedelta(seconds=86_400)
REISSUE_SAME_WITHIN = timedelta(hours=6)
ISSUE_INTERVAL = timedelta(minutes=1)


@dataclass(slots=True)
class IssuedToken:
    """An access token and when it was issued and expires."""

    value: str
    app_key: str
    issued_at: datetime
    expires_at: datetime
    revoked: bool = False


class TokenThrottled(Exception):
    """A second issuance inside the minute (EGW00133)."""


def _jwt_like(app_key: str, issued_at: datetime) -> str:
    def part(obj: dict[str, object]) -> str:
        raw = json.dumps(obj, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = part({"typ": "JWT", "alg": "HS512"})
    body = part({"sub": "token", "aud": app_key[:8], "iat": int(issued_at.timestamp())})
    return f"{header}.{body}.{secrets.token_urlsafe(64)}"


class TokenStore:
    """Tokens and approval keys by app key, with the once-a-minute issuance rule."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._by_key: dict[str, IssuedToken] = {}
        self._by_value: dict[str, IssuedToken] = {}
        self._last_answer: dict[str, datetime] = {}
        self._approvals: dict[str, str] = {}
        self.issued: dict[str, int] = {}

    def issue(self, app_key: str) -> IssuedToken:
        """Answer a tokenP request: throttle, reuse within 6 h, or mint a new token."""
        now = self._clock.now()
        last = self._last_answer.get(app_key)
        if last is not None and now - last < ISSUE_INTERVAL:
            raise TokenThrottled
        self._last_answer[app_key] = now
        self.issued[app_key] = self.issued.get(app_key, 0) + 1
        current = self._by_key.get(app_key)
        if current and not current.revoked and now - current.issued_at < REISSUE_SAME_WITHIN:
            return current
        token = IssuedToken(_jwt_like(app_key, now), app_key, now, now + TOKEN_LIFETIME)
        self._by_key[app_key] = token
        self._by_value[token.value] = token
        return token

    def check(self, value: str, app_key: str) -> str | None:
        """Return the KIS error code for this bearer token, or None when it is good."""
        token = self._by_value.get(value)
        if token is None or token.revoked or token.app_key != app_key:
            return "EGW00121"
        if self._clock.now() >= token.expires_at:
            return "EGW00123"
        return None

    def revoke(self, value: str) -> bool:
        """Invalidate a token (revokeP); tell whether it existed."""
        token = self._by_value.get(value)
        if token is None:
            return False
        token.revoked = True
        return True

    def expire_all(self) -> None:
        """Invalidate every token at once, as KIS maintenance sometimes does."""
        for token in self._by_value.values():
            token.expires_at = min(token.expires_at, self._clock.now())

    def approval_key(self, app_key: str) -> str:
        """Mint a WebSocket approval key (36 characters) for the app key."""
        raw = secrets.token_hex(16)
        key = f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
        self._approvals[key] = app_key
        return key

    def app_key_for_approval(self, approval_key: str) -> str | None:
        return self._approvals.get(approval_key)

    def issued_secrets(self) -> list[str]:
        """Every access token and approval key handed out, for tests that hunt for leaks."""
        return [*self._by_value, *self._approvals]


class RateLimiter:
    """A per-app-key sliding one-second window (EGW00201 when exceeded)."""

    def __init__(self, clock: Clock, per_second: int | None = None) -> None:
        self._clock = clock
        self.per_second = per_second
        self._hits: dict[str, deque[datetime]] = {}
        self.refused = 0

    def allow(self, app_key: str) -> bool:
        """Count a request; False when it exceeds the limit (it is then not counted)."""
        if self.per_second is None:
            return True
        now = self._clock.now()
        window = self._hits.setdefault(app_key, deque())
        while window and now - window[0] >= timedelta(seconds=1):
            window.popleft()
        if len(window) >= self.per_second:
            self.refused += 1
            return False
        window.append(now)
        return True
