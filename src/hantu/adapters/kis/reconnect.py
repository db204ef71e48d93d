"""The realtime loop's two injectable policies (STYLE.md §10): what to do after an error,
and how long to wait before the next attempt. Backoff resets after every session KIS served
(acked a subscription).
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum

import websockets

from hantu.errors import BrokerUnavailable, BrokerUnreachable, HantuError, RateLimited

# In the sleep state, one attempt every 5 minutes: the stream comes back by itself when KIS
# does, far inside KIS's warning against tight connect loops (reference §6.4, gotcha 18).
SLEEP_RETRY_SECONDS = 300.0


class Verdict(StrEnum):
    RETRY = "RETRY"
    FATAL = "FATAL"


def default_delays() -> Iterator[float]:
    """1, 2, 4, 8, 16 s between reconnect attempts, then the sleep state's slow retry."""
    yield from (1.0, 2.0, 4.0, 8.0, 16.0)


def default_classify(exc: BaseException) -> Verdict:
    """Network trouble is worth retrying; bad credentials and bugs are not."""
    if isinstance(exc, BrokerUnreachable | BrokerUnavailable | RateLimited):
        return Verdict.RETRY
    if isinstance(exc, HantuError):
        return Verdict.FATAL
    if isinstance(exc, OSError | TimeoutError | websockets.exceptions.WebSocketException):
        return Verdict.RETRY
    return Verdict.FATAL
