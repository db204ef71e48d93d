"""Checking a broker account's keys before it is saved: the `KeyCheck` port and its verdicts.

A key check issues (or reuses) the broker's access token with the keys typed in, so a typo
is refused at the form instead of at the first order. What went wrong decides the answer:

    KeysNotAccepted
    ├── KeysRefused      the broker said the app key or secret is wrong (EGW00103/EGW00105)
    ├── KeysThrottled    the broker allows one token a minute per app key (EGW00133)
    └── KeysUnchecked    the broker could not be reached or answered nonsense
"""

from __future__ import annotations

from typing import Protocol

from hantu.domain.accounts import BrokerCredentials
from hantu.errors import BrokerAuthError, BrokerError, ConfigError

TOKEN_THROTTLED = "EGW00133"  # noqa: S105 - a KIS message code, not a secret


class KeyCheck(Protocol):
    async def check_keys(self, credentials: BrokerCredentials) -> None:
        """Return when the broker accepts the keys; raise a `hantu.errors` error otherwise."""
        ...


class AcceptAnyKeys:
    """The check of a process whose brokers take no KIS keys (a test's or benchmark's)."""

    async def check_keys(self, credentials: BrokerCredentials) -> None:
        return None


class KeysNotAccepted(Exception):
    """The keys were not accepted; nothing was saved. `code` is the broker's, if any."""

    def __init__(self, code: str = "") -> None:
        self.code = code
        super().__init__(code or type(self).__name__)


class KeysRefused(KeysNotAccepted):
    pass


class KeysThrottled(KeysNotAccepted):
    pass


class KeysUnchecked(KeysNotAccepted):
    pass


async def verify(check: KeyCheck, credentials: BrokerCredentials) -> None:
    """Run the check and say in our terms why the keys were not accepted."""
    try:
        await check.check_keys(credentials)
    except BrokerAuthError as exc:
        code = str(getattr(exc, "code", "") or "")
        if code == TOKEN_THROTTLED:
            raise KeysThrottled(code) from None
        raise KeysRefused(code) from None
    except ConfigError:
        raise KeysRefused("") from None
    except BrokerError:
        raise KeysUnchecked("") from None
