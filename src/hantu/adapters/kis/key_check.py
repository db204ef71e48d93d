"""Check a KIS app key pair before it is saved, sharing the token it issues.

The check goes through `KisAuth` with the same token cache directory the broker adapter uses,
so the token issued here is the one the adapter later reads from the cache: saving an account
costs one issuance (KIS allows one a minute per app key and texts the holder each time), not
two. A token already cached for the app key proves the key but not the secret, so then the
secret is proved with a WebSocket approval key (POST /oauth2/Approval, which has no
once-a-minute rule) instead of issuing again.
"""

from __future__ import annotations

from pathlib import Path

from hantu.service_layer.ports import Clock

from .auth import KisAuth, KisCredentials
from .environments import KisProfile
from .transport import KisHttp


async def check_keys(
    http: KisHttp,
    profile: KisProfile,
    credentials: KisCredentials,
    clock: Clock,
    cache_dir: Path | None,
) -> None:
    """Return when KIS accepts the keys; raise `BrokerAuthError` (EGW00103/EGW00105/EGW00133),
    `BrokerUnreachable` or `BrokerUnavailable` otherwise."""
    auth = KisAuth(http, profile, credentials, clock, cache_dir=cache_dir)
    await auth.access_token()  # issues (tokenP) unless a fresh one is cached for this key
    if auth.issued == 0:
        await auth.approval_key()
