"""KIS credentials: the access token requests are signed with, WebSocket approval key, hashkey.

The access token is shared by every hantu process on the machine (reference §2.1, gotcha
1): KIS issues at most one a minute per app key (403 EGW00133) and each real issuance sends
the account holder a KakaoTalk message. A JSON file under the data dir, keyed by a hash of
the app key and the environment, holds the token; a file lock around "read, else issue and
write" makes two processes issue exactly once. Inside a process an asyncio lock does the
same for concurrent requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from hantu.adapters.file_lock import LockTimeout, exclusive_file_lock
from hantu.domain.masking import mask_value
from hantu.errors import BrokerAuthError, BrokerUnavailable
from hantu.service_layer.ports import Clock

from .environments import KisProfile
from .errors import (
    TOKEN_THROTTLED,
    RequestNotSent,
    error_from_response,
    is_token_error,
    may_refuse_the_token,
)
from .ratelimit import RateLimiter
from .schemas import ApprovalAnswer, HashkeyAnswer, TokenAnswer, parse_answer
from .translate import SEOUL
from .transport import KisHttp, KisResponse

log = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=10)  # python-kis refreshes below 10 minutes (§2.1)
APPROVAL_LIFETIME = timedelta(hours=23)  # undocumented; the official helper renews daily
LOCK_TIMEOUT_SECONDS = 30.0
ISSUE_INTERVAL = timedelta(seconds=61)  # one issuance a minute per app key (EGW00133)

Send = Callable[[dict[str, str]], Awaitable[KisResponse]]


@dataclass(frozen=True)
class KisCredentials:
    """An app key pair and the account it trades; `repr` never shows a secret."""

    app_key: str = field(repr=False)
    app_secret: str = field(repr=False)
    account: str = field(repr=False)
    hts_id: str = field(default="", repr=False)

    def __repr__(self) -> str:
        return f"KisCredentials(app_key={mask_value(self.app_key)})"


@dataclass(frozen=True, slots=True)
class AccessToken:
    value: str
    expires_at: datetime

    def fresh_at(self, now: datetime) -> bool:
        return self.expires_at - now > REFRESH_MARGIN


def cache_file(cache_dir: Path, profile: KisProfile, app_key: str) -> Path:
    """Token cache path: one file per (app key, environment), the key itself never shown."""
    digest = hashlib.sha256(app_key.encode()).hexdigest()[:16]
    return cache_dir / f"kis-token-{profile.environment.value.lower()}-{digest}.json"


class KisAuth:
    """Signs KIS REST requests; re-issues an expired token once and retries reads."""

    def __init__(
        self,
        http: KisHttp,
        profile: KisProfile,
        credentials: KisCredentials,
        clock: Clock,
        *,
        cache_dir: Path | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._http = http
        self._profile = profile
        self._credentials = credentials
        self._clock = clock
        self._cache = cache_file(cache_dir, profile, credentials.app_key) if cache_dir else None
        self._limiter = limiter
        self._token: AccessToken | None = None
        self._rejected: set[str] = set()
        self._approval: tuple[str, datetime] | None = None
        self._throttled_until: datetime | None = None
        self._lock = asyncio.Lock()
        self.issued = 0

    # --- signing ------------------------------------------------------------------------

    async def signed(self, method: str, send: Send) -> KisResponse:
        """`send` the request with the signing headers it is given. When KIS answers that the
        token died early (EGW00121/EGW00123, e.g. KIS maintenance), drop it everywhere and
        repeat a read once with another; an order is never re-sent here."""
        token = await self._token_before_sending()
        response = await send(self._signature(token))
        if not may_refuse_the_token(response.content) or not is_token_error(
            error_from_response(response)
        ):
            return response
        self.invalidate(token)
        if method != "GET":
            return response
        token = await self._token_before_sending()
        response = await send(self._signature(token))
        if self._limiter is not None:
            # The repeat is one more request in the window. It is counted, not waited for:
            # the caller already holds a slot, and waiting for another could deadlock.
            self._limiter.record()
        return response

    async def _token_before_sending(self) -> str:
        try:
            return await self.access_token()
        except BrokerUnavailable as exc:
            # Ambiguous for the token call, but the request it was for never left.
            raise RequestNotSent(f"no access token: {exc.message}") from None

    def _signature(self, token: str) -> dict[str, str]:
        return {
            "authorization": f"Bearer {token}",
            "appkey": self._credentials.app_key,
            "appsecret": self._credentials.app_secret,
        }

    # --- access token -------------------------------------------------------------------

    async def access_token(self) -> str:
        """Return a token with more than ten minutes left, issuing one only if nobody has."""
        token = self._token
        if token is not None and token.fresh_at(self._clock.now()):
            return token.value
        async with self._lock:
            token = self._token
            if token is None or not token.fresh_at(self._clock.now()):
                token = await self._load_or_issue()
                self._token = token
            return token.value

    def invalidate(self, token: str) -> None:
        """Forget a token KIS refused, so the next request takes (or issues) another."""
        self._rejected.add(token)
        if self._token is not None and self._token.value == token:
            self._token = None

    async def _load_or_issue(self) -> AccessToken:
        path = self._cache
        if path is None:
            return await self._issue()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            async with exclusive_file_lock(Path(f"{path}.lock"), LOCK_TIMEOUT_SECONDS):
                cached = self._read_cache(path)
                if cached is not None:
                    return cached
                token = await self._issue()
                self._write_cache(path, token)
                return token
        except LockTimeout:
            raise BrokerAuthError("access token cache is locked by another process") from None

    def _read_cache(self, path: Path) -> AccessToken | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            token = AccessToken(data["access_token"], datetime.fromisoformat(data["expires_at"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if token.value in self._rejected or not token.fresh_at(self._clock.now()):
            return None
        return token

    def _write_cache(self, path: Path, token: AccessToken) -> None:
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        payload = {"access_token": token.value, "expires_at": token.expires_at.isoformat()}
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle)
        os.replace(temporary, path)

    async def _issue(self) -> AccessToken:
        # POST /oauth2/tokenP: at most once a minute per app key (403 EGW00133). After a
        # refusal, wait out the minute here instead of asking again (reference §2.1).
        now = self._clock.now()
        if self._throttled_until is not None and now < self._throttled_until:
            raise BrokerAuthError("access token issuance throttled; retry later", code="EGW00133")
        try:
            return await self._request_token()
        except BrokerAuthError as exc:
            if exc.code == TOKEN_THROTTLED:
                self._throttled_until = now + ISSUE_INTERVAL
            raise

    async def _request_token(self) -> AccessToken:
        body = {
            "grant_type": "client_credentials",
            "appkey": self._credentials.app_key,
            "appsecret": self._credentials.app_secret,
        }
        answer = parse_answer(TokenAnswer, await self._post("/oauth2/tokenP", body))
        self.issued += 1
        now = self._clock.now()
        expires_at = now + timedelta(seconds=answer.expires_in)
        stated = _kst(answer.access_token_token_expired)
        if stated is not None:
            expires_at = min(expires_at, stated)
        log.info("issued a KIS access token %s", mask_value(answer.access_token))
        return AccessToken(answer.access_token, expires_at)

    # --- approval key and hashkey -------------------------------------------------------

    async def approval_key(self) -> str:
        """WebSocket approval key (POST /oauth2/Approval; note `secretkey`, not `appsecret`)."""
        now = self._clock.now()
        if self._approval is not None and self._approval[1] > now:
            return self._approval[0]
        body = {
            "grant_type": "client_credentials",
            "appkey": self._credentials.app_key,
            "secretkey": self._credentials.app_secret,
        }
        answer = parse_answer(ApprovalAnswer, await self._post("/oauth2/Approval", body))
        self._approval = (answer.approval_key, now + APPROVAL_LIFETIME)
        return answer.approval_key

    def forget_approval_key(self) -> None:
        """Drop the approval key after KIS refused it (OPSP0011)."""
        self._approval = None

    async def hashkey(self, order_body: dict[str, str], *, deadline: datetime | None = None) -> str:
        """Hash of an order body for the `hashkey` header (POST /uapi/hashkey; optional);
        `deadline` is the order's: the hashkey call waits for the rate limit no longer."""
        headers = {
            "appkey": self._credentials.app_key,
            "appsecret": self._credentials.app_secret,
        }
        answer = parse_answer(
            HashkeyAnswer,
            await self._post("/uapi/hashkey", order_body, headers=headers, deadline=deadline),
        )
        return answer.hash

    async def _post(
        self,
        path: str,
        body: dict[str, str],
        headers: dict[str, str] | None = None,
        deadline: datetime | None = None,
    ) -> dict[str, object]:
        # Only the hashkey is counted (/uapi); it belongs to an order, so it goes first too.
        limiter = self._limiter if path.startswith("/uapi") else None
        slot = await limiter.acquire(urgent=True, deadline=deadline) if limiter else None
        try:
            response = await self._http.request(
                "POST",
                self._profile.rest_base_url + path,
                json_body=body,
                headers={"content-type": "application/json; charset=utf-8", **(headers or {})},
            )
        finally:
            if slot is not None and limiter is not None:
                limiter.release(slot)
        error = error_from_response(response, envelope=False)
        if error is not None:
            raise error
        data = response.json()
        if not isinstance(data, dict):
            raise BrokerAuthError(f"{path} answered something other than an object")
        return data


def _kst(text: str | None) -> datetime | None:
    # access_token_token_expired: "YYYY-MM-DD HH:MM:SS" in Seoul time (§2.1).
    if not text:
        return None
    with contextlib.suppress(ValueError):
        return datetime.fromisoformat(text.strip()).replace(tzinfo=SEOUL)
    return None
