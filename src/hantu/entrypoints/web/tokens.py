"""A short-lived in-process cache of webhook token → (strategy, strategy accounts).

Every webhook needs this lookup; caching it saves a database round trip on the hot path.
Entries live `ttl` seconds (so another process's new link is seen within that time) and are
dropped at once when this process links an account. Unknown tokens are never cached, and
the cache is keyed by the token's digest, so no plaintext token is kept here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hantu.domain.accounts import Strategy, token_digest
from hantu.domain.values import StrategyAccountId
from hantu.service_layer import accounts as accounts_service
from hantu.service_layer.accounts import AccountsDeps

Found = tuple[Strategy, list[StrategyAccountId]]
MAX_ENTRIES = 10_000


class TokenCache:
    def __init__(self, accounts: AccountsDeps, *, ttl: float = 5.0) -> None:
        self._accounts = accounts
        self._ttl = timedelta(seconds=ttl)
        self._entries: dict[str, tuple[datetime, Found]] = {}

    async def lookup(self, token: str) -> Found | None:
        """The strategy a token belongs to (constant-time compared on a miss), or None."""
        if not token or len(token) > 256:
            return None
        key = token_digest(token)
        now = self._accounts.clock.now()
        cached = self._entries.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        found = await accounts_service.strategy_for_token(self._accounts, token)
        if found is not None:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (now + self._ttl, found)
        return found

    def clear(self) -> None:
        """Forget everything (an account was linked in this process)."""
        self._entries.clear()
